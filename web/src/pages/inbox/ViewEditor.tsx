// The saved-view editor: a drawer with the view's name, whether it is personal or shared, its
// filters and sort, a live count of what the filters select before saving, and deleting it.
// Shared views are changed by those with cases.configure; anyone who works cases keeps their own.
import {
  Alert,
  Badge,
  Button,
  Divider,
  Drawer,
  Group,
  Loader,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import type { CaseFilters, CasePriority, CaseSort, CaseStatus, CaseType, Channel, SavedView } from '../../api-types';
import { countCases, createView, deleteView, updateView } from '../../case-api';
import { CHANNEL_LABELS, PRIORITY_LABELS, STATUS_LABELS, TYPE_LABELS, optionsOf } from '../../cases/labels';
import { useAssignableUsers, useCategories, useTeams } from '../../cases/lookups';
import { ConfirmModal } from '../../components/ConfirmModal';
import { FormError } from '../../components/FormError';
import { notifySuccess } from '../../notify';
import { queryKeys } from '../../query-keys';
import { useCan, useMe } from '../../session';

const SORT_LABELS: Record<Exclude<CaseSort, 'relevance'>, string> = {
  updated_desc: 'Recently updated first',
  updated_asc: 'Least recently updated first',
  created_desc: 'Newest first',
  created_asc: 'Oldest first',
  priority_desc: 'Highest priority first',
  number_desc: 'Highest number first',
};

/** Who may change a view: its owner (personal views are only ever seen by their owner), or configurers for shared ones. */
export function canEditView(view: SavedView, can: (permission: string) => boolean): boolean {
  return view.ownerId !== null ? can('cases.work') || can('cases.read_all') : can('cases.configure');
}

type Form = {
  name: string;
  shared: boolean;
  status: CaseStatus[];
  priority: CasePriority[];
  type: CaseType[];
  channel: Channel[];
  teamId: string | null;
  assigneeId: string | null;
  tags: string[];
  categoryId: string | null;
  createdWithinDays: number | string;
  updatedWithinDays: number | string;
  sla: string | null;
  escalated: string;
  sort: string;
};

function strings<T extends string>(value: unknown): T[] {
  return Array.isArray(value) ? (value.filter((v) => typeof v === 'string') as T[]) : [];
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value ? value : null;
}

function formOf(view: SavedView | null): Form {
  const f = view?.filters ?? {};
  return {
    name: view?.name ?? '',
    shared: view ? view.ownerId === null : false,
    status: strings(f.status),
    priority: strings(f.priority),
    type: strings(f.type),
    channel: strings(f.channel),
    teamId: text(f.teamId),
    assigneeId: text(f.assigneeId),
    tags: strings(f.tags),
    categoryId: text(f.categoryId),
    createdWithinDays: typeof f.createdWithinDays === 'number' ? f.createdWithinDays : '',
    updatedWithinDays: typeof f.updatedWithinDays === 'number' ? f.updatedWithinDays : '',
    sla: text(f.sla),
    escalated: f.escalated === true ? 'yes' : f.escalated === false ? 'no' : 'any',
    sort: view?.sort && view.sort in SORT_LABELS ? view.sort : 'updated_desc',
  };
}

/** The form's filters over the view's own, so those the editor does not show (a search, a requester) stay. */
function filtersOf(form: Form, base: Record<string, unknown>): CaseFilters {
  const out: Record<string, unknown> = { ...base };
  const set = (key: keyof CaseFilters, value: unknown, keep: boolean) => {
    if (keep) out[key] = value;
    else delete out[key];
  };
  set('status', form.status, form.status.length > 0);
  set('priority', form.priority, form.priority.length > 0);
  set('type', form.type, form.type.length > 0);
  set('channel', form.channel, form.channel.length > 0);
  set('teamId', form.teamId, !!form.teamId);
  set('assigneeId', form.assigneeId, !!form.assigneeId);
  set('tags', form.tags, form.tags.length > 0);
  set('categoryId', form.categoryId, !!form.categoryId);
  set('createdWithinDays', Number(form.createdWithinDays), typeof form.createdWithinDays === 'number');
  set('updatedWithinDays', Number(form.updatedWithinDays), typeof form.updatedWithinDays === 'number');
  set('sla', form.sla, !!form.sla);
  set('escalated', form.escalated === 'yes', form.escalated !== 'any');
  return out as CaseFilters;
}

type ViewEditorProps = {
  /** The view to edit; null to make a new one. */
  view: SavedView | null;
  opened: boolean;
  onClose: () => void;
};

export function ViewEditorDrawer({ view, opened, onClose }: ViewEditorProps) {
  return (
    <Drawer opened={opened} onClose={onClose} title={view ? `Edit view “${view.name}”` : 'New view'} position="right" size="md">
      {/* A fresh form for each opening. */}
      {opened && <ViewForm key={view?.id ?? 'new'} view={view} onClose={onClose} />}
    </Drawer>
  );
}

function ViewForm({ view, onClose }: { view: SavedView | null; onClose: () => void }) {
  const can = useCan();
  const { user } = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<Form>(() => formOf(view));
  const [submitted, setSubmitted] = useState(false);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const users = useAssignableUsers();
  const teams = useTeams();
  const categories = useCategories();
  const patch = (changes: Partial<Form>) => setForm((old) => ({ ...old, ...changes }));

  const filters = useMemo(() => filtersOf(form, view?.filters ?? {}), [form, view]);
  const [debouncedFilters] = useDebouncedValue(filters, 300);
  const preview = useQuery({
    queryKey: queryKeys.caseCount(debouncedFilters),
    queryFn: () => countCases(debouncedFilters),
    placeholderData: (previous) => previous,
  });

  const afterChange = () => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.views });
    void queryClient.invalidateQueries({ queryKey: queryKeys.caseLists });
  };
  const save = useMutation({
    mutationFn: () => {
      const input = { name: form.name.trim(), filters, sort: form.sort as CaseSort };
      return view ? updateView(view.id, input) : createView({ ...input, shared: form.shared });
    },
    onSuccess: (saved) => {
      afterChange();
      notifySuccess(view ? `View “${saved.name}” saved.` : `View “${saved.name}” created.`);
      onClose();
      void navigate(`/inbox/views/${saved.id}`);
    },
  });
  const remove = useMutation({
    mutationFn: () => deleteView(view!.id),
    onSuccess: () => {
      afterChange();
      notifySuccess(`View “${view!.name}” deleted.`);
      setConfirmingDelete(false);
      onClose();
      void navigate('/inbox');
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (form.name.trim()) save.mutate();
  };

  const canShare = can('cases.configure');
  const assigneeOptions = [
    { value: 'me', label: 'Me (whoever looks at the view)' },
    { value: 'none', label: 'Unassigned' },
    ...users.map((u) => ({ value: u.id, label: u.id === user.id ? `${u.name} (you)` : u.name })),
  ];
  const teamOptions = [{ value: 'none', label: 'No team' }, ...(teams.data ?? []).map((t) => ({ value: t.id, label: t.name }))];
  const categoryOptions = (categories.data ?? []).filter((c) => c.active).map((c) => ({ value: c.id, label: c.path || c.name }));

  return (
    <form onSubmit={submit} noValidate data-testid="view-editor">
      <Stack gap="sm">
        <TextInput
          label="Name"
          name="name"
          required
          data-autofocus
          maxLength={100}
          value={form.name}
          onChange={(event) => patch({ name: event.currentTarget.value })}
          error={submitted && !form.name.trim() ? 'Give the view a name' : undefined}
        />
        <div>
          <Text size="sm" fw={500} mb={4}>
            Who sees it
          </Text>
          <SegmentedControl
            aria-label="Who sees it"
            fullWidth
            disabled={!!view || !canShare}
            value={form.shared ? 'shared' : 'personal'}
            onChange={(value) => patch({ shared: value === 'shared' })}
            data={[
              { value: 'personal', label: 'Only me' },
              { value: 'shared', label: 'Everyone (shared)' },
            ]}
          />
          <Text size="xs" c="dimmed" mt={4}>
            {view
              ? 'Whether a view is shared is set when it is made.'
              : canShare
                ? 'A shared view appears in everyone’s inbox, counted for each person.'
                : 'Only managers and administrators make shared views.'}
          </Text>
        </div>
        <Divider label="Filters" labelPosition="left" />
        <SimpleGrid cols={2} spacing="sm" verticalSpacing="sm">
          <MultiSelect
            label="Status"
            placeholder={form.status.length ? undefined : 'Any'}
            data={optionsOf(STATUS_LABELS)}
            value={form.status}
            onChange={(value) => patch({ status: value as CaseStatus[] })}
            clearable
          />
          <MultiSelect
            label="Priority"
            placeholder={form.priority.length ? undefined : 'Any'}
            data={optionsOf(PRIORITY_LABELS)}
            value={form.priority}
            onChange={(value) => patch({ priority: value as CasePriority[] })}
            clearable
          />
          <MultiSelect
            label="Type"
            placeholder={form.type.length ? undefined : 'Any'}
            data={optionsOf(TYPE_LABELS)}
            value={form.type}
            onChange={(value) => patch({ type: value as CaseType[] })}
            clearable
          />
          <MultiSelect
            label="Channel"
            placeholder={form.channel.length ? undefined : 'Any'}
            data={optionsOf(CHANNEL_LABELS)}
            value={form.channel}
            onChange={(value) => patch({ channel: value as Channel[] })}
            clearable
          />
          <Select
            label="Team"
            placeholder="Any"
            data={teamOptions}
            value={form.teamId}
            onChange={(value) => patch({ teamId: value })}
            searchable
            clearable
          />
          <Select
            label="Assignee"
            placeholder="Anyone"
            data={assigneeOptions}
            value={form.assigneeId}
            onChange={(value) => patch({ assigneeId: value })}
            searchable
            clearable
          />
          <Select
            label="Category"
            placeholder="Any"
            data={categoryOptions}
            value={form.categoryId}
            onChange={(value) => patch({ categoryId: value })}
            searchable
            clearable
          />
          <TagsInput
            label="Tags"
            description="Cases with all of them"
            value={form.tags}
            onChange={(tags) => patch({ tags })}
            maxTags={20}
            splitChars={[',', ' ']}
          />
          <NumberInput
            label="Created within (days)"
            placeholder="Any time"
            min={1}
            max={3650}
            allowDecimal={false}
            value={form.createdWithinDays}
            onChange={(value) => patch({ createdWithinDays: value })}
          />
          <NumberInput
            label="Updated within (days)"
            placeholder="Any time"
            min={1}
            max={3650}
            allowDecimal={false}
            value={form.updatedWithinDays}
            onChange={(value) => patch({ updatedWithinDays: value })}
          />
          <Select
            label="SLA"
            placeholder="Any"
            data={[
              { value: 'breached', label: 'Breached' },
              { value: 'at_risk', label: 'At risk (due within the hour)' },
            ]}
            value={form.sla}
            onChange={(value) => patch({ sla: value })}
            clearable
          />
          <Select
            label="Escalated"
            data={[
              { value: 'any', label: 'Any' },
              { value: 'yes', label: 'Escalated only' },
              { value: 'no', label: 'Not escalated' },
            ]}
            value={form.escalated}
            onChange={(value) => patch({ escalated: value ?? 'any' })}
            allowDeselect={false}
          />
        </SimpleGrid>
        <Select
          label="Sort"
          data={optionsOf(SORT_LABELS)}
          value={form.sort}
          onChange={(value) => patch({ sort: value ?? 'updated_desc' })}
          allowDeselect={false}
        />
        <Alert variant="light" color={preview.isError ? 'red' : 'blue'} p="xs">
          <Group gap="xs">
            <Text size="sm">Cases these filters select for you now:</Text>
            {preview.isError ? (
              <Text size="sm">these filters are not valid yet</Text>
            ) : preview.data === undefined ? (
              <Loader size="xs" />
            ) : (
              <Badge data-testid="view-preview-count" variant="filled">
                {preview.data}
              </Badge>
            )}
            {preview.isFetching && preview.data !== undefined && <Loader size="xs" />}
          </Group>
        </Alert>
        <FormError error={save.error} />
        <Group justify="space-between">
          {view && !view.builtIn ? (
            <Button color="red" variant="subtle" onClick={() => setConfirmingDelete(true)}>
              Delete view
            </Button>
          ) : (
            <span />
          )}
          <Group gap="xs">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {view ? 'Save view' : 'Create view'}
            </Button>
          </Group>
        </Group>
      </Stack>
      <ConfirmModal
        opened={confirmingDelete}
        title="Delete this view?"
        confirmLabel="Delete view"
        loading={remove.isPending}
        error={remove.error}
        onConfirm={() => remove.mutate()}
        onClose={() => setConfirmingDelete(false)}
      >
        “{view?.name}” disappears from {view?.ownerId === null ? 'everyone’s inbox' : 'your inbox'}. The cases it lists are not touched.
      </ConfirmModal>
    </form>
  );
}
