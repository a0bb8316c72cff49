// One customer: who they are (editable name, tier and notes), how we recognise them, their
// organisation, and everything they ever sent us, newest first.
import {
  Anchor,
  Badge,
  Breadcrumbs,
  Button,
  Grid,
  Group,
  Loader,
  Paper,
  Select,
  Stack,
  Text,
  TextInput,
  Textarea,
  Timeline,
  Title,
} from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import type { CustomerDetail, CustomerTier } from '../../api-types';
import { fetchCustomer, fetchCustomerTimeline, updateCustomer, type CustomerChanges } from '../../case-api';
import { StatusBadge, TierBadge } from '../../cases/CaseBadges';
import { CHANNEL_LABELS, TIER_LABELS, labelOf, optionsOf } from '../../cases/labels';
import { FormError } from '../../components/FormError';
import { QueryError } from '../../components/QueryError';
import { RelativeTime } from '../../components/RelativeTime';
import { notifySuccess } from '../../notify';
import { queryKeys } from '../../query-keys';
import { useCan } from '../../session';

const IDENTITY_LABELS: Record<string, string> = { email: 'Email', phone: 'Phone', chat: 'Chat', external: 'External id' };

export function CustomerPage() {
  const { id = '' } = useParams();
  const customer = useQuery({ queryKey: queryKeys.customer(id), queryFn: () => fetchCustomer(id) });

  if (customer.isPending) return <Loader />;
  if (!customer.data) return <QueryError error={customer.error} onRetry={() => void customer.refetch()} />;
  const data = customer.data;

  return (
    <Stack>
      <Breadcrumbs>
        <Anchor component={Link} to="/customers" size="sm">
          Customers
        </Anchor>
        <Text size="sm">{data.name || 'Customer'}</Text>
      </Breadcrumbs>
      <Group gap="sm">
        <Title order={2}>{data.name || data.identities[0]?.value || 'Unnamed customer'}</Title>
        <TierBadge tier={data.tier} />
      </Group>
      {data.caseCount !== undefined && (
        <Text size="sm" c="dimmed" mt={-8}>
          {data.caseCount === 1 ? '1 case' : `${data.caseCount} cases`}
          {data.openCaseCount ? `, ${data.openCaseCount} open` : ''}
        </Text>
      )}
      {data.mergedIntoId && (
        <Text size="sm">
          This customer was merged into{' '}
          <Anchor component={Link} to={`/customers/${data.mergedIntoId}`}>
            another record
          </Anchor>
          .
        </Text>
      )}
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack>
            <CustomerForm key={`${data.id}:${data.name}:${data.tier}:${data.notes ?? ''}`} customer={data} />
            <Paper withBorder p="md">
              <Title order={4} size="h5" mb="xs">
                Contact details
              </Title>
              {data.identities.length === 0 ? (
                <Text size="sm" c="dimmed">
                  None recorded.
                </Text>
              ) : (
                <Stack gap={4}>
                  {data.identities.map((identity) => (
                    <Group key={identity.id} gap="xs">
                      <Badge size="xs" variant="light" color="gray" w={90}>
                        {IDENTITY_LABELS[identity.kind] ?? identity.kind}
                      </Badge>
                      <Text size="sm">{identity.value}</Text>
                    </Group>
                  ))}
                </Stack>
              )}
              <Title order={4} size="h5" mt="md" mb="xs">
                Organisation
              </Title>
              <Text size="sm" c={data.organisation ? undefined : 'dimmed'}>
                {data.organisation?.name ?? 'None'}
                {data.organisation?.domain ? ` (${data.organisation.domain})` : ''}
              </Text>
            </Paper>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <CustomerTimeline customerId={data.id} />
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

function CustomerForm({ customer }: { customer: CustomerDetail }) {
  const can = useCan();
  const queryClient = useQueryClient();
  const editable = can('cases.work');
  const [name, setName] = useState(customer.name);
  const [tier, setTier] = useState<CustomerTier>(customer.tier);
  const [notes, setNotes] = useState(customer.notes ?? '');

  const save = useMutation({
    mutationFn: (changes: CustomerChanges) => updateCustomer(customer.id, changes),
    onSuccess: (updated) => {
      queryClient.setQueryData(queryKeys.customer(customer.id), (old: CustomerDetail | undefined) => ({ ...old, ...updated }));
      void queryClient.invalidateQueries({ queryKey: queryKeys.customers });
      // Cases show the requester's name and tier.
      void queryClient.invalidateQueries({ queryKey: queryKeys.cases });
      notifySuccess('Customer saved.');
    },
  });

  const changes: CustomerChanges = {};
  if (name.trim() !== customer.name) changes.name = name.trim();
  if (tier !== customer.tier) changes.tier = tier;
  if (notes.trim() !== (customer.notes ?? '')) changes.notes = notes.trim() || null;
  const dirty = Object.keys(changes).length > 0;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (dirty) save.mutate(changes);
  };

  return (
    <Paper withBorder p="md" component="form" onSubmit={submit}>
      <Stack gap="sm">
        <TextInput
          label="Name"
          name="name"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          disabled={!editable}
          maxLength={200}
        />
        <Select
          label="Tier"
          data={optionsOf(TIER_LABELS)}
          value={tier}
          onChange={(v) => v && setTier(v as CustomerTier)}
          allowDeselect={false}
          disabled={!editable}
        />
        <Textarea
          label="Notes"
          name="notes"
          description="What colleagues should know before answering."
          autosize
          minRows={3}
          maxRows={10}
          value={notes}
          onChange={(e) => setNotes(e.currentTarget.value)}
          disabled={!editable}
        />
        <FormError error={save.error} />
        {editable && (
          <Group justify="flex-end">
            <Button type="submit" disabled={!dirty} loading={save.isPending}>
              Save
            </Button>
          </Group>
        )}
      </Stack>
    </Paper>
  );
}

function CustomerTimeline({ customerId }: { customerId: string }) {
  const timeline = useInfiniteQuery({
    queryKey: queryKeys.customerTimeline(customerId),
    queryFn: ({ pageParam }) => fetchCustomerTimeline(customerId, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = timeline.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <Paper withBorder p="md">
      <Title order={3} size="h4" mb="md">
        History
      </Title>
      {timeline.isPending ? (
        <Loader size="sm" />
      ) : timeline.isError && !timeline.data ? (
        <QueryError error={timeline.error} onRetry={() => void timeline.refetch()} />
      ) : items.length === 0 ? (
        <Text c="dimmed" size="sm">
          No contacts yet.
        </Text>
      ) : (
        <Timeline bulletSize={12} lineWidth={2} data-testid="customer-timeline">
          {items.map((item, index) =>
            item.type === 'case' ? (
              <Timeline.Item
                key={`case-${item.caseId}-${index}`}
                title={
                  <Group gap="xs">
                    <Anchor component={Link} to={`/cases/${item.caseId}`} size="sm" fw={600}>
                      #{item.number} {item.subject}
                    </Anchor>
                    <StatusBadge status={item.status} />
                  </Group>
                }
              >
                <Text size="xs" c="dimmed" component="div">
                  <Group gap={4}>
                    Case opened via {labelOf(CHANNEL_LABELS, item.channel).toLowerCase()} ·
                    <RelativeTime iso={item.at} size="xs" c="dimmed" span />
                  </Group>
                </Text>
              </Timeline.Item>
            ) : (
              <Timeline.Item
                key={item.messageId ?? `message-${item.caseId}-${index}`}
                bullet={null}
                title={
                  <Text size="sm">
                    Wrote on{' '}
                    <Anchor component={Link} to={`/cases/${item.caseId}`} size="sm">
                      #{item.number}
                      {item.subject ? ` ${item.subject}` : ''}
                    </Anchor>{' '}
                    <Text span size="xs" c="dimmed">
                      ({labelOf(CHANNEL_LABELS, item.channel).toLowerCase()})
                    </Text>
                  </Text>
                }
              >
                <Text size="sm" c="dimmed" lineClamp={3}>
                  {item.excerpt}
                </Text>
                <RelativeTime iso={item.at} size="xs" c="dimmed" />
              </Timeline.Item>
            ),
          )}
        </Timeline>
      )}
      {timeline.hasNextPage && (
        <Group justify="center" mt="md">
          <Button variant="default" loading={timeline.isFetchingNextPage} onClick={() => void timeline.fetchNextPage()}>
            Load more
          </Button>
        </Group>
      )}
    </Paper>
  );
}
