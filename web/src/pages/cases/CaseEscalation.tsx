// Escalation on the case page: "Escalate to manager" asks for a reason and marks the case escalated
// (the managers and the team's leaders are notified); an escalated case says so, when and why.
import { ActionIcon, Alert, Badge, Button, Group, Menu, Modal, Stack, Text, Textarea, Tooltip } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { CaseView } from '../../api-types';
import { applyCaseResult } from '../../cases/case-mutations';
import { FormError } from '../../components/FormError';
import { RelativeTime } from '../../components/RelativeTime';
import { formatDateTime } from '../../format';
import { notifySuccess } from '../../notify';
import { escalateCase } from '../../sla-api';
import { MergeForm } from './MergeCase';

export function EscalatedBadge({ caseView }: { caseView: CaseView }) {
  if (!caseView.escalatedAt) return null;
  return (
    <Tooltip label={caseView.escalationReason ?? 'Escalated'} multiline maw={320}>
      <Badge color="red" variant="outline" data-testid="case-escalated" style={{ flexShrink: 0 }}>
        Escalated
      </Badge>
    </Tooltip>
  );
}

/** The escalation's when and why, under the case's title. */
export function EscalationNotice({ caseView }: { caseView: CaseView }) {
  if (!caseView.escalatedAt) return null;
  return (
    <Alert color="red" variant="light" p="xs" data-testid="case-escalation">
      <Group gap={6} wrap="wrap">
        <Text size="sm" fw={600}>
          Escalated to the managers
        </Text>
        <RelativeTime iso={caseView.escalatedAt} size="sm" c="dimmed" />
        {caseView.escalationReason && (
          <Text size="sm" data-testid="case-escalation-reason" style={{ overflowWrap: 'anywhere' }}>
            — {caseView.escalationReason}
          </Text>
        )}
      </Group>
    </Alert>
  );
}

/** The case's less frequent actions, behind "⋯": escalating to a manager, merging into another case. */
export function CaseActionsMenu({ caseView }: { caseView: CaseView }) {
  const [opened, setOpened] = useState(false);
  // A fresh form each time the modal opens.
  const [openCount, setOpenCount] = useState(0);
  const [merging, setMerging] = useState(false);
  return (
    <>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <ActionIcon variant="default" size="lg" aria-label="More actions">
            ⋯
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item
            color="red"
            onClick={() => {
              setOpenCount((n) => n + 1);
              setOpened(true);
            }}
          >
            {caseView.escalatedAt ? 'Escalate again' : 'Escalate to manager'}
          </Menu.Item>
          {!caseView.mergedIntoId && <Menu.Item onClick={() => setMerging(true)}>Merge into…</Menu.Item>}
        </Menu.Dropdown>
      </Menu>
      <Modal opened={opened} onClose={() => setOpened(false)} title="Escalate to manager" centered>
        <EscalateForm key={openCount} caseView={caseView} onDone={() => setOpened(false)} />
      </Modal>
      <Modal opened={merging} onClose={() => setMerging(false)} title={`Merge case #${caseView.number} into another`} centered>
        {merging && <MergeForm caseView={caseView} onDone={() => setMerging(false)} />}
      </Modal>
    </>
  );
}

function EscalateForm({ caseView, onDone }: { caseView: CaseView; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const escalate = useMutation({
    mutationFn: (text: string) => escalateCase(caseView.id, text),
    onSuccess: (updated) => {
      applyCaseResult(queryClient, updated);
      notifySuccess(`Case #${updated.number} escalated; the managers have been notified.`);
      onDone();
    },
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitted(true);
    const text = reason.trim();
    if (text) escalate.mutate(text);
  }

  return (
    <form onSubmit={handleSubmit} noValidate>
      <Stack>
        <Text size="sm">
          The managers and the leaders of the case&apos;s team are notified, and the case shows as escalated in every list.
        </Text>
        {caseView.escalatedAt && (
          <Text size="xs" c="dimmed">
            Already escalated {formatDateTime(caseView.escalatedAt)}
            {caseView.escalationReason ? ` (“${caseView.escalationReason}”)` : ''}. A new reason replaces it.
          </Text>
        )}
        <Textarea
          label="Reason"
          name="reason"
          description="What the manager needs to know or decide."
          required
          data-autofocus
          autosize
          minRows={3}
          maxLength={2000}
          value={reason}
          onChange={(event) => setReason(event.currentTarget.value)}
          error={submitted && !reason.trim() ? 'Give a reason' : undefined}
        />
        <FormError error={escalate.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" color="red" loading={escalate.isPending}>
            Escalate
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
