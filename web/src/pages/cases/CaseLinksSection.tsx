// "Linked cases" on the case page: every case linked to this one (related, duplicate, parent or
// child, follow-up, merged), each a link to it; "Link a case" (find it by number or words, choose
// how it relates) and unlinking. The server adds the inverse link to the other case.
import { ActionIcon, Anchor, Button, Group, Loader, Modal, Select, Stack, Text, Title, Tooltip } from '@mantine/core';
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import type { CaseLink, CaseLinkKind, CaseListItem, CaseView } from '../../api-types';
import { linkCase, listCaseLinks, unlinkCase, type NewLinkKind } from '../../case-api';
import { StatusBadge } from '../../cases/CaseBadges';
import { CasePicker } from '../../cases/CasePicker';
import { ConfirmModal } from '../../components/ConfirmModal';
import { FormError } from '../../components/FormError';
import { QueryError } from '../../components/QueryError';
import { notifySuccess } from '../../notify';
import { queryKeys } from '../../query-keys';
import { useCan } from '../../session';

export const LINK_KIND_LABELS: Record<CaseLinkKind, string> = {
  related: 'Related to',
  duplicate_of: 'Duplicate of',
  parent_of: 'Parent of',
  child_of: 'Child of',
  follow_up_of: 'Follow-up of',
  merged_into: 'Merged into',
  merged_from: 'Merged from',
};

const NEW_LINK_KINDS: NewLinkKind[] = ['related', 'duplicate_of', 'parent_of', 'child_of'];
const UNLINKABLE = new Set<CaseLinkKind>(NEW_LINK_KINDS);

/** Both cases changed: their links, logs and the lists they sit in. */
function refreshBoth(queryClient: QueryClient, caseId: string, otherId: string): void {
  for (const id of [caseId, otherId]) void queryClient.invalidateQueries({ queryKey: queryKeys.case(id) });
  void queryClient.invalidateQueries({ queryKey: queryKeys.caseLists });
}

export function CaseLinksSection({ caseView }: { caseView: CaseView }) {
  const can = useCan();
  const canWork = can('cases.work') && caseView.status !== 'closed';
  const queryClient = useQueryClient();
  const [linking, setLinking] = useState(false);
  const [unlinking, setUnlinking] = useState<CaseLink | null>(null);
  const links = useQuery({ queryKey: queryKeys.caseLinks(caseView.id), queryFn: () => listCaseLinks(caseView.id) });
  const unlink = useMutation({
    mutationFn: (other: CaseLink) => unlinkCase(caseView.id, other.caseId),
    onSuccess: (_, other) => {
      refreshBoth(queryClient, caseView.id, other.caseId);
      notifySuccess(`Case #${other.number} is no longer linked.`);
      setUnlinking(null);
    },
  });

  return (
    <div data-testid="case-links">
      <Group justify="space-between" mb={6}>
        <Title order={4} size="sm" tt="uppercase" c="dimmed">
          Linked cases
        </Title>
        {canWork && (
          <Button size="compact-xs" variant="subtle" onClick={() => setLinking(true)}>
            Link a case
          </Button>
        )}
      </Group>
      {links.isPending ? (
        <Loader size="sm" />
      ) : links.isError ? (
        <QueryError error={links.error} onRetry={() => void links.refetch()} />
      ) : links.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          No linked cases.
        </Text>
      ) : (
        <Stack gap={6}>
          {links.data.map((link) => (
            <Group key={`${link.kind}:${link.caseId}`} gap="xs" wrap="nowrap" data-testid="case-link" data-case-id={link.caseId}>
              <Text size="xs" c="dimmed" w={80} style={{ flexShrink: 0 }} data-testid="case-link-kind">
                {LINK_KIND_LABELS[link.kind] ?? link.kind}
              </Text>
              <Anchor component={Link} to={`/cases/${link.caseId}`} size="sm" style={{ flex: 1, minWidth: 0 }} truncate>
                #{link.number} {link.subject}
              </Anchor>
              <StatusBadge status={link.status} />
              {canWork && UNLINKABLE.has(link.kind) && (
                <Tooltip label="Unlink">
                  <ActionIcon
                    variant="subtle"
                    color="gray"
                    size="sm"
                    aria-label={`Unlink case #${link.number}`}
                    onClick={() => setUnlinking(link)}
                  >
                    ×
                  </ActionIcon>
                </Tooltip>
              )}
            </Group>
          ))}
        </Stack>
      )}
      <Modal opened={linking} onClose={() => setLinking(false)} title="Link a case" centered>
        {linking && (
          <LinkForm
            caseView={caseView}
            exclude={[caseView.id, ...(links.data ?? []).map((l) => l.caseId)]}
            onDone={() => setLinking(false)}
          />
        )}
      </Modal>
      <ConfirmModal
        opened={unlinking !== null}
        title="Unlink this case?"
        confirmLabel="Unlink"
        loading={unlink.isPending}
        error={unlink.error}
        onConfirm={() => unlinking && unlink.mutate(unlinking)}
        onClose={() => setUnlinking(null)}
      >
        The link between this case and #{unlinking?.number} is removed from both cases.
      </ConfirmModal>
    </div>
  );
}

function LinkForm({ caseView, exclude, onDone }: { caseView: CaseView; exclude: string[]; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [other, setOther] = useState<CaseListItem | null>(null);
  const [kind, setKind] = useState<NewLinkKind>('related');
  const [submitted, setSubmitted] = useState(false);
  const link = useMutation({
    mutationFn: (target: CaseListItem) => linkCase(caseView.id, target.id, kind),
    onSuccess: (items, target) => {
      queryClient.setQueryData(queryKeys.caseLinks(caseView.id), items);
      refreshBoth(queryClient, caseView.id, target.id);
      notifySuccess(`Linked case #${target.number}.`);
      onDone();
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (other) link.mutate(other);
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Select
          label="This case is"
          data={NEW_LINK_KINDS.map((value) => ({ value, label: LINK_KIND_LABELS[value] }))}
          value={kind}
          onChange={(value) => value && setKind(value as NewLinkKind)}
          allowDeselect={false}
        />
        <div>
          <CasePicker label="Case" exclude={exclude} value={other} onChange={setOther} />
          {submitted && !other && (
            <Text size="xs" c="red" mt={4}>
              Choose the case to link
            </Text>
          )}
        </div>
        <FormError error={link.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={link.isPending}>
            Link
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
