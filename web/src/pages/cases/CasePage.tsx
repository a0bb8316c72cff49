// One case: header with its fields, the conversation, the composer, and the side panel with the
// customer, fields, followers and event log. Kept current by live updates.
import { Anchor, Breadcrumbs, Grid, Loader, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, useParams } from 'react-router';
import { fetchCase } from '../../case-api';
import { QueryError } from '../../components/QueryError';
import { usePollUnlessLive } from '../../live';
import { queryKeys } from '../../query-keys';
import { CaseHeader } from './CaseHeader';
import { CaseSidePanel } from './CaseSidePanel';
import { Composer } from './Composer';
import { Conversation } from './Conversation';
import { MergedBanner } from './MergeCase';

export function CasePage() {
  const { id = '' } = useParams();
  const refetchInterval = usePollUnlessLive();
  const caseQuery = useQuery({ queryKey: queryKeys.case(id), queryFn: () => fetchCase(id), refetchInterval });
  const caseView = caseQuery.data;

  useEffect(() => {
    if (!caseView) return;
    const previous = document.title;
    document.title = `#${caseView.number} ${caseView.subject} · Frontline`;
    return () => {
      document.title = previous;
    };
  }, [caseView]);

  if (caseQuery.isPending) return <Loader />;
  if (!caseView) return <QueryError error={caseQuery.error} onRetry={() => void caseQuery.refetch()} />;

  return (
    <Stack gap="md">
      <Breadcrumbs>
        <Anchor component={Link} to="/inbox" size="sm">
          Inbox
        </Anchor>
        <Text size="sm">Case #{caseView.number}</Text>
      </Breadcrumbs>
      <MergedBanner caseView={caseView} />
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, lg: 8 }}>
          <Stack gap="md">
            <CaseHeader caseView={caseView} />
            <Conversation caseView={caseView} />
            <Composer key={caseView.id} caseView={caseView} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 4 }}>
          <CaseSidePanel caseView={caseView} />
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
