// The case's title and fields: subject, status, priority, type, assignee, team, category, tags.
// Each change is sent on its own with the version on screen. "Escalate to manager" is in the "⋯"
// menu beside the title; an escalated case says so, and why, under it.
import { Alert, Anchor, Button, Group, Paper, Select, SimpleGrid, Stack, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import type { CasePriority, CaseStatus, CaseType, CaseView } from '../../api-types';
import { StatusBadge } from '../../cases/CaseBadges';
import { useCaseUpdate } from '../../cases/case-mutations';
import { CHANNEL_LABELS, PRIORITY_LABELS, STATUS_LABELS, TYPE_LABELS, labelOf, optionsOf } from '../../cases/labels';
import { useAssignableUsers, useCategories, useTeams } from '../../cases/lookups';
import { RelativeTime } from '../../components/RelativeTime';
import { useCan, useMe } from '../../session';
import { CaseActionsMenu, EscalatedBadge, EscalationNotice } from './CaseEscalation';

type Option = { value: string; label: string; disabled?: boolean };

/** Options with the current value kept even when the list does not have it (inactive, not loaded). */
function withCurrent(options: Option[], value: string | null, label: string | null): Option[] {
  if (!value || options.some((option) => option.value === value)) return options;
  return [{ value, label: label ?? 'Unknown' }, ...options];
}

function statusOptions(current: CaseStatus): Option[] {
  return optionsOf(STATUS_LABELS).map((option) => ({
    ...option,
    // The server's rules: never back to new; only a solved case can be closed.
    disabled:
      option.value !== current && (option.value === 'new' || (option.value === 'closed' && current !== 'solved') || current === 'closed'),
  }));
}

export function CaseHeader({ caseView }: { caseView: CaseView }) {
  const { user } = useMe();
  const can = useCan();
  const update = useCaseUpdate(caseView.id);
  const users = useAssignableUsers();
  const teams = useTeams();
  const categories = useCategories();
  const closed = caseView.status === 'closed';
  const editable = can('cases.work') && !closed;

  // While a change is on its way, the control shows where it is going.
  const pending = update.isPending ? update.variables : undefined;
  const shown = { ...caseView, ...pending };

  const assigneeOptions = withCurrent(
    users.map((u) => ({ value: u.id, label: u.id === user.id ? `${u.name} (me)` : u.name })),
    caseView.assigneeId,
    caseView.assigneeName,
  );
  const teamOptions = withCurrent(
    (teams.data ?? []).map((team) => ({ value: team.id, label: team.name })),
    caseView.teamId,
    caseView.teamName,
  );
  const categoryOptions = withCurrent(
    (categories.data ?? []).filter((c) => c.active).map((c) => ({ value: c.id, label: c.path || c.name })),
    caseView.categoryId,
    caseView.categoryName,
  );

  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <SubjectEditor caseView={caseView} editable={editable} onSave={(subject) => update.mutate({ subject })} saving={update.isPending} />
        <Group gap="sm" wrap="nowrap" style={{ flexShrink: 0 }}>
          <EscalatedBadge caseView={caseView} />
          <StatusBadge status={caseView.status} testId="case-status" />
          {editable && !caseView.assigneeId && (
            <Button onClick={() => update.mutate({ assigneeId: user.id })} loading={update.isPending && pending?.assigneeId === user.id}>
              Take it
            </Button>
          )}
          {editable && <CaseActionsMenu caseView={caseView} />}
        </Group>
      </Group>
      <Text size="sm" c="dimmed" component="div">
        <Group gap={6}>
          <span>
            From{' '}
            <Anchor component={Link} to={`/customers/${caseView.requester.id}`} size="sm">
              {caseView.requester.name || caseView.requester.email || 'unknown customer'}
            </Anchor>{' '}
            via {labelOf(CHANNEL_LABELS, caseView.channel).toLowerCase()} · opened
          </span>
          <RelativeTime iso={caseView.createdAt} span c="dimmed" />
          <span>· updated</span>
          <RelativeTime iso={caseView.updatedAt} span c="dimmed" />
          {caseView.reopenCount > 0 && <span>· reopened {caseView.reopenCount}×</span>}
        </Group>
      </Text>
      <EscalationNotice caseView={caseView} />
      {closed && (
        <Alert color="gray" variant="light">
          This case is closed and cannot change. If the customer writes again, a follow-up case opens.
        </Alert>
      )}
      <Paper withBorder p="sm">
        <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="sm" verticalSpacing="xs">
          <Select
            label="Status"
            data={statusOptions(caseView.status)}
            value={shown.status}
            onChange={(v) => v && v !== caseView.status && update.mutate({ status: v as CaseStatus })}
            allowDeselect={false}
            disabled={!editable}
          />
          <Select
            label="Priority"
            data={optionsOf(PRIORITY_LABELS)}
            value={shown.priority}
            onChange={(v) => v && v !== caseView.priority && update.mutate({ priority: v as CasePriority })}
            allowDeselect={false}
            disabled={!editable}
          />
          <Select
            label="Type"
            data={optionsOf(TYPE_LABELS)}
            value={shown.type}
            onChange={(v) => v && v !== caseView.type && update.mutate({ type: v as CaseType })}
            allowDeselect={false}
            disabled={!editable}
          />
          <Select
            label="Assignee"
            placeholder="Unassigned"
            data={assigneeOptions}
            value={shown.assigneeId}
            onChange={(v) => v !== caseView.assigneeId && update.mutate({ assigneeId: v })}
            searchable
            clearable
            disabled={!editable}
          />
          <Select
            label="Team"
            placeholder="No team"
            data={teamOptions}
            value={shown.teamId}
            onChange={(v) => v !== caseView.teamId && update.mutate({ teamId: v })}
            searchable
            clearable
            disabled={!editable}
          />
          <Select
            label="Category"
            placeholder={categories.isError ? 'Categories unavailable' : 'No category'}
            data={categoryOptions}
            value={shown.categoryId}
            onChange={(v) => v !== caseView.categoryId && update.mutate({ categoryId: v })}
            searchable
            clearable
            disabled={!editable || categories.isError}
          />
        </SimpleGrid>
        <TagsInput
          mt="xs"
          label="Tags"
          placeholder={editable ? 'Add a tag and press Enter' : undefined}
          value={shown.tags}
          onChange={(tags) => update.mutate({ tags })}
          maxTags={50}
          clearable={false}
          disabled={!editable}
          splitChars={[',', ' ']}
        />
      </Paper>
    </Stack>
  );
}

type SubjectEditorProps = { caseView: CaseView; editable: boolean; saving: boolean; onSave: (subject: string) => void };

function SubjectEditor({ caseView, editable, saving, onSave }: SubjectEditorProps) {
  const [draft, setDraft] = useState<string | null>(null);

  if (draft === null) {
    return (
      <Group gap="xs" align="baseline" wrap="nowrap" style={{ minWidth: 0 }}>
        <Title order={2} size="h3" style={{ overflowWrap: 'anywhere' }}>
          <Text span c="dimmed" inherit>
            #{caseView.number}
          </Text>{' '}
          <span data-testid="case-subject">{caseView.subject}</span>
        </Title>
        {editable && (
          <Button variant="subtle" size="compact-xs" onClick={() => setDraft(caseView.subject)} aria-label="Edit subject">
            Edit
          </Button>
        )}
      </Group>
    );
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const subject = draft.trim();
    if (subject && subject !== caseView.subject) onSave(subject);
    setDraft(null);
  };

  return (
    <form onSubmit={submit} style={{ flex: 1 }}>
      <Group gap="xs" wrap="nowrap" align="flex-end">
        <TextInput
          aria-label="Subject"
          value={draft}
          onChange={(event) => setDraft(event.currentTarget.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') setDraft(null);
          }}
          maxLength={500}
          style={{ flex: 1 }}
          autoFocus
        />
        <Button type="submit" size="sm" loading={saving} disabled={!draft.trim()}>
          Save
        </Button>
        <Button variant="default" size="sm" onClick={() => setDraft(null)}>
          Cancel
        </Button>
      </Group>
    </form>
  );
}
