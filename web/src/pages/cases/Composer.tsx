// Writing on a case: a public reply or an internal note, with the status to leave the case in,
// and macros (canned replies with field changes) previewed before they are applied.
import { Button, Group, Kbd, Loader, Paper, Select, Stack, Tabs, Text, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { CaseStatus, CaseView, Macro } from '../../api-types';
import { previewMacro } from '../../case-api';
import { useAddMessage, useApplyMacro } from '../../cases/case-mutations';
import { PRIORITY_LABELS, STATUS_LABELS, TYPE_LABELS, labelOf, optionsOf } from '../../cases/labels';
import { useAssignableUsers, useMacros, useTeams } from '../../cases/lookups';
import { FormError } from '../../components/FormError';
import { queryKeys } from '../../query-keys';
import { useCan } from '../../session';

type Mode = 'reply' | 'note';

const SUBMIT_STATUSES: readonly CaseStatus[] = ['open', 'pending', 'on_hold', 'solved'];

export function Composer({ caseView }: { caseView: CaseView }) {
  const can = useCan();
  const [mode, setMode] = useState<Mode>('reply');
  const [body, setBody] = useState('');
  // null: leave the status as it is (a reply to a new case opens it, on the server).
  const [submitAs, setSubmitAs] = useState<CaseStatus | null>(null);
  const send = useAddMessage(caseView.id);

  if (!can('cases.work')) return null;
  if (caseView.status === 'closed') return null;

  // A reply to a new case opens it (the server does that); anything else stays as it is unless
  // the person picks another status.
  const unchanged: CaseStatus = mode === 'reply' && caseView.status === 'new' ? 'open' : caseView.status;
  const shownStatus: CaseStatus = submitAs ?? unchanged;
  const statusOptions = optionsOf(STATUS_LABELS, SUBMIT_STATUSES.includes(unchanged) ? SUBMIT_STATUSES : [unchanged, ...SUBMIT_STATUSES]);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const text = body.trim();
    if (!text || send.isPending) return;
    const status = submitAs !== null && submitAs !== caseView.status ? submitAs : undefined;
    send.mutate(
      { kind: mode, body: text, ...(status ? { status } : {}) },
      {
        onSuccess: () => {
          setBody('');
          setSubmitAs(null);
          notifications.show({ color: 'teal', message: mode === 'reply' ? 'Reply sent.' : 'Note added.' });
        },
      },
    );
  };

  const who = caseView.requester.name || caseView.requester.email || 'the customer';

  return (
    <Paper
      withBorder
      p="sm"
      component="section"
      aria-label="Composer"
      style={mode === 'note' ? { background: 'var(--mantine-color-yellow-light)' } : undefined}
    >
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Tabs value={mode} onChange={(value) => value && setMode(value as Mode)} variant="pills">
            <Tabs.List>
              <Tabs.Tab value="reply">Reply</Tabs.Tab>
              <Tabs.Tab value="note">Internal note</Tabs.Tab>
            </Tabs.List>
          </Tabs>
          <Textarea
            label="Message"
            description={mode === 'reply' ? `${who} will receive this.` : 'Only your colleagues see internal notes.'}
            placeholder={mode === 'reply' ? 'Write your reply…' : 'Write a note for the team…'}
            autosize
            minRows={4}
            maxRows={16}
            value={body}
            onChange={(event) => setBody(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) submit();
            }}
          />
          <FormError error={send.error} />
          <Group justify="space-between" align="flex-end">
            <MacroPicker caseView={caseView} />
            <Group gap="sm" align="flex-end">
              <Select
                label="Submit as"
                data={statusOptions}
                value={shownStatus}
                onChange={(value) => value && setSubmitAs(value as CaseStatus)}
                allowDeselect={false}
                w={140}
              />
              <Button type="submit" loading={send.isPending} disabled={!body.trim()} title="Ctrl+Enter">
                Send
              </Button>
            </Group>
          </Group>
          <Text size="xs" c="dimmed">
            <Kbd size="xs">Ctrl</Kbd> + <Kbd size="xs">Enter</Kbd> sends.
          </Text>
        </Stack>
      </form>
    </Paper>
  );
}

function MacroPicker({ caseView }: { caseView: CaseView }) {
  const macros = useMacros();
  const [macroId, setMacroId] = useState<string | null>(null);
  const apply = useApplyMacro(caseView.id);
  const active = (macros.data ?? []).filter((macro) => macro.active);
  const chosen = active.find((macro) => macro.id === macroId);

  return (
    <Stack gap="xs" style={{ flex: 1, minWidth: 240, maxWidth: 520 }}>
      <Select
        label="Macro"
        placeholder={macros.isError ? 'Macros unavailable' : active.length === 0 && !macros.isPending ? 'No macros yet' : 'Choose a macro'}
        data={active.map((macro) => ({ value: macro.id, label: macro.name }))}
        value={macroId}
        onChange={setMacroId}
        searchable
        clearable
        disabled={macros.isError || active.length === 0}
        nothingFoundMessage="No macro by that name"
      />
      {chosen && (
        <MacroPreviewBox
          key={chosen.id}
          caseView={caseView}
          macro={chosen}
          applying={apply.isPending}
          error={apply.error}
          onApply={() =>
            apply.mutate(chosen.id, {
              onSuccess: () => {
                notifications.show({ color: 'teal', message: `Macro “${chosen.name}” applied.` });
                setMacroId(null);
              },
            })
          }
          onCancel={() => setMacroId(null)}
        />
      )}
    </Stack>
  );
}

type MacroPreviewBoxProps = {
  caseView: CaseView;
  macro: Macro;
  applying: boolean;
  error: unknown;
  onApply: () => void;
  onCancel: () => void;
};

function MacroPreviewBox({ caseView, macro, applying, error, onApply, onCancel }: MacroPreviewBoxProps) {
  const preview = useQuery({
    // The version is part of the key: the preview follows the case when it changes.
    queryKey: [...queryKeys.macroPreview(caseView.id, macro.id), caseView.version],
    queryFn: () => previewMacro(caseView.id, macro.id),
    staleTime: 0,
    gcTime: 0,
  });
  const describeChange = useChangeDescriber();
  const changes = Object.entries(preview.data?.changes ?? macro.actions ?? {}).filter(([, value]) => value !== undefined && value !== null);
  const replyBody = preview.data?.replyBody ?? null;
  const kind = (preview.data?.replyKind ?? macro.replyKind) === 'note' ? 'Internal note' : 'Reply';

  return (
    <Paper withBorder p="sm" data-testid="macro-preview">
      <Stack gap="xs">
        {macro.description && (
          <Text size="xs" c="dimmed">
            {macro.description}
          </Text>
        )}
        {preview.isPending ? (
          <Loader size="xs" />
        ) : preview.isError ? (
          <Text size="xs" c="red">
            Could not preview this macro: {preview.error.message}
          </Text>
        ) : (
          replyBody && (
            <>
              <Text size="xs" fw={600}>
                {kind} to be sent
              </Text>
              <Text size="sm" style={{ whiteSpace: 'pre-wrap' }} data-testid="macro-preview-body">
                {replyBody}
              </Text>
            </>
          )
        )}
        {changes.length > 0 && (
          <Text size="xs" c="dimmed">
            Then: {changes.map(([key, value]) => describeChange(key, value)).join(' · ')}
          </Text>
        )}
        <FormError error={error} />
        <Group gap="xs">
          <Button size="xs" onClick={onApply} loading={applying} disabled={preview.isPending}>
            Apply macro
          </Button>
          <Button size="xs" variant="default" onClick={onCancel}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

/** "Status: Pending", "Assignee: Ann Smith", "Add tags: refund" for a macro's changes. */
function useChangeDescriber(): (key: string, value: unknown) => string {
  const users = useAssignableUsers();
  const teams = useTeams();
  return (key, value) => {
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    switch (key) {
      case 'status':
        return `Status: ${labelOf(STATUS_LABELS, text)}`;
      case 'priority':
        return `Priority: ${labelOf(PRIORITY_LABELS, text)}`;
      case 'type':
        return `Type: ${labelOf(TYPE_LABELS, text)}`;
      case 'assigneeId':
        return `Assignee: ${users.find((u) => u.id === value)?.name ?? (value === 'me' ? 'me' : 'someone')}`;
      case 'teamId':
        return `Team: ${teams.data?.find((t) => t.id === value)?.name ?? 'another team'}`;
      case 'addTags':
        return `Add tags: ${text}`;
      case 'removeTags':
        return `Remove tags: ${text}`;
      case 'tags':
        return `Tags: ${text}`;
      default:
        return `${key.replace(/([A-Z])/g, ' $1').toLowerCase()}: ${typeof value === 'object' ? JSON.stringify(value) : text}`;
    }
  };
}
