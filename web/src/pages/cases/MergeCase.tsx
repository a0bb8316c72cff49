// "Merge into…" from the case's "⋯" menu: choose the case this one duplicates, confirm (this case
// closes and its conversation moves there), and go to that case. A merged case says where it went.
import { Alert, Anchor, Button, Group, Stack, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import type { CaseListItem, CaseView } from '../../api-types';
import { fetchCase, mergeCase } from '../../case-api';
import { CasePicker } from '../../cases/CasePicker';
import { applyCaseResult } from '../../cases/case-mutations';
import { FormError } from '../../components/FormError';
import { notifySuccess } from '../../notify';
import { queryKeys } from '../../query-keys';

export function MergeForm({ caseView, onDone }: { caseView: CaseView; onDone: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [target, setTarget] = useState<CaseListItem | null>(null);
  const [confirming, setConfirming] = useState(false);
  const merge = useMutation({
    mutationFn: (into: CaseListItem) => mergeCase(caseView.id, into.id),
    onSuccess: (updated) => {
      applyCaseResult(queryClient, updated);
      void queryClient.invalidateQueries({ queryKey: queryKeys.case(caseView.id) });
      notifySuccess(`Case #${caseView.number} merged into #${updated.number}.`);
      onDone();
      void navigate(`/cases/${updated.id}`);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!target) return;
    if (!confirming) setConfirming(true);
    else merge.mutate(target);
  };

  return (
    <form onSubmit={submit} noValidate data-testid="merge-form">
      <Stack>
        <CasePicker
          label="Merge into"
          exclude={[caseView.id]}
          value={target}
          onChange={(value) => {
            setTarget(value);
            setConfirming(false);
          }}
          allow={(item) => item.status !== 'closed'}
        />
        {target && confirming && (
          <Alert color="orange" variant="light" data-testid="merge-confirm">
            <Text size="sm">
              Case #{caseView.number} will be <b>closed</b> and its whole conversation will move to #{target.number} “{target.subject}”.
              This cannot be undone.
            </Text>
          </Alert>
        )}
        {!confirming && (
          <Text size="xs" c="dimmed">
            This case closes and its conversation moves to the case you choose.
          </Text>
        )}
        <FormError error={merge.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" color={confirming ? 'red' : undefined} disabled={!target} loading={merge.isPending}>
            {confirming && target ? `Merge into #${target.number}` : 'Continue'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** "Merged into #N" on a case that was merged, linking to where its conversation went. */
export function MergedBanner({ caseView }: { caseView: CaseView }) {
  const targetId = caseView.mergedIntoId;
  const target = useQuery({
    queryKey: queryKeys.case(targetId ?? ''),
    queryFn: () => fetchCase(targetId!),
    enabled: !!targetId,
  });
  if (!targetId) return null;
  return (
    <Alert color="gray" data-testid="merged-banner">
      Merged into{' '}
      <Anchor component={Link} to={`/cases/${targetId}`}>
        {target.data ? `#${target.data.number} ${target.data.subject}` : 'another case'}
      </Anchor>
      . Its conversation continues there.
    </Alert>
  );
}
