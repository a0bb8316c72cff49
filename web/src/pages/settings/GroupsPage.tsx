// Teams and departments: the API gives both the same shape, so one page serves both, told apart
// by a config (path, words, the permission that manages them, and what their "lead" is called).
import { Anchor, Button, Group, Loader, Modal, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { createGroup, deleteGroup, listGroups, updateGroup, type GroupInput } from '../../api';
import type { Group as GroupItem, GroupKind } from '../../api-types';
import { ConfirmModal } from '../../components/ConfirmModal';
import { FormError } from '../../components/FormError';
import { PageHeader } from '../../components/PageHeader';
import { QueryError } from '../../components/QueryError';
import { formatDate } from '../../format';
import { notifySuccess } from '../../notify';
import { queryKeys } from '../../query-keys';
import { useCan } from '../../session';
import { GroupDrawer } from './GroupDrawer';

export type GroupConfig = {
  kind: GroupKind;
  title: string;
  singular: string;
  description: string;
  managePermission: string;
  leadMembership: 'leader' | 'head';
  leadLabel: string;
};

export const TEAM_CONFIG: GroupConfig = {
  kind: 'teams',
  title: 'Teams',
  singular: 'team',
  description: 'Groups of people who work cases together, each with its leaders.',
  managePermission: 'teams.manage',
  leadMembership: 'leader',
  leadLabel: 'Leader',
};

export const DEPARTMENT_CONFIG: GroupConfig = {
  kind: 'departments',
  title: 'Departments',
  singular: 'department',
  description: 'Parts of the company (billing, logistics, sales…) that the front line asks for answers.',
  managePermission: 'departments.manage',
  leadMembership: 'head',
  leadLabel: 'Head',
};

export function TeamsPage() {
  return <GroupsPage config={TEAM_CONFIG} />;
}

export function DepartmentsPage() {
  return <GroupsPage config={DEPARTMENT_CONFIG} />;
}

function GroupsPage({ config }: { config: GroupConfig }) {
  const can = useCan();
  const canManage = can(config.managePermission);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<GroupItem | null>(null);
  const [deleting, setDeleting] = useState<GroupItem | null>(null);
  // The drawer keeps showing the last group while it slides shut, hence two pieces of state.
  const [openId, setOpenId] = useState<string | null>(null);
  const [drawerOpened, setDrawerOpened] = useState(false);
  const groups = useQuery({ queryKey: queryKeys.groupList(config.kind), queryFn: () => listGroups(config.kind) });

  return (
    <Stack>
      <PageHeader
        order={3}
        title={config.title}
        description={config.description}
        actions={canManage && <Button onClick={() => setCreating(true)}>New {config.singular}</Button>}
      />
      {groups.isPending ? (
        <Loader />
      ) : groups.isError ? (
        <QueryError error={groups.error} onRetry={() => void groups.refetch()} />
      ) : (
        <GroupTable
          config={config}
          groups={groups.data.items}
          onOpen={(group) => {
            setOpenId(group.id);
            setDrawerOpened(true);
          }}
          onEdit={canManage ? setEditing : undefined}
          onDelete={canManage ? setDeleting : undefined}
        />
      )}

      <Modal opened={creating} onClose={() => setCreating(false)} title={`New ${config.singular}`}>
        <GroupForm config={config} onDone={() => setCreating(false)} />
      </Modal>
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title={`Edit ${config.singular}`}>
        {editing && <GroupForm key={editing.id} config={config} group={editing} onDone={() => setEditing(null)} />}
      </Modal>
      <DeleteGroupModal config={config} group={deleting} onClose={() => setDeleting(null)} />
      <GroupDrawer config={config} groupId={openId} opened={drawerOpened} canManage={canManage} onClose={() => setDrawerOpened(false)} />
    </Stack>
  );
}

type GroupTableProps = {
  config: GroupConfig;
  groups: GroupItem[];
  onOpen: (group: GroupItem) => void;
  onEdit?: (group: GroupItem) => void;
  onDelete?: (group: GroupItem) => void;
};

function GroupTable({ config, groups, onOpen, onEdit, onDelete }: GroupTableProps) {
  if (groups.length === 0) {
    return <Text c="dimmed">No {config.title.toLowerCase()} yet.</Text>;
  }
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table highlightOnHover verticalSpacing="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Description</Table.Th>
            <Table.Th ta="right">Members</Table.Th>
            <Table.Th>Created</Table.Th>
            <Table.Th aria-label="Actions" />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {groups.map((group) => (
            <Table.Tr key={group.id}>
              <Table.Td>
                <Anchor component="button" type="button" fw={500} onClick={() => onOpen(group)}>
                  {group.name}
                </Anchor>
              </Table.Td>
              <Table.Td>
                <Text size="sm" c="dimmed" lineClamp={2}>
                  {group.description || '—'}
                </Text>
              </Table.Td>
              <Table.Td ta="right">{group.memberCount}</Table.Td>
              <Table.Td>{formatDate(group.createdAt)}</Table.Td>
              <Table.Td>
                <Group gap={4} justify="flex-end" wrap="nowrap">
                  <Button size="xs" variant="subtle" onClick={() => onOpen(group)}>
                    Members
                  </Button>
                  {onEdit && (
                    <Button size="xs" variant="subtle" onClick={() => onEdit(group)}>
                      Edit
                    </Button>
                  )}
                  {onDelete && (
                    <Button size="xs" variant="subtle" color="red" onClick={() => onDelete(group)}>
                      Delete
                    </Button>
                  )}
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Creates a group, or renames / re-describes one when `group` is given. */
function GroupForm({ config, group, onDone }: { config: GroupConfig; group?: GroupItem; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(group?.name ?? '');
  const [description, setDescription] = useState(group?.description ?? '');

  const save = useMutation({
    mutationFn: (input: GroupInput) => (group ? updateGroup(config.kind, group.id, input) : createGroup(config.kind, input)),
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.groups(config.kind) });
      notifySuccess(group ? `Saved ${saved.name}.` : `Created ${saved.name}.`);
      onDone();
    },
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const trimmed = description.trim();
    // An emptied description is cleared (null); on create it is simply left out.
    save.mutate(group ? { name: name.trim(), description: trimmed || null } : { name: name.trim(), description: trimmed || undefined });
  }

  return (
    <form onSubmit={handleSubmit}>
      <Stack>
        <TextInput label="Name" name="name" required data-autofocus value={name} onChange={(event) => setName(event.currentTarget.value)} />
        <Textarea
          label="Description"
          name="description"
          autosize
          minRows={2}
          value={description}
          onChange={(event) => setDescription(event.currentTarget.value)}
        />
        <FormError error={save.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {group ? 'Save' : `Create ${config.singular}`}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function DeleteGroupModal({ config, group, onClose }: { config: GroupConfig; group: GroupItem | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: (id: string) => deleteGroup(config.kind, id),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.groups(config.kind) });
      notifySuccess(`Deleted ${group?.name ?? `the ${config.singular}`}.`);
      close();
    },
  });

  function close() {
    remove.reset();
    onClose();
  }

  return (
    <ConfirmModal
      opened={group !== null}
      title={`Delete ${config.singular}`}
      confirmLabel="Delete"
      loading={remove.isPending}
      error={remove.error}
      onConfirm={() => group && remove.mutate(group.id)}
      onClose={close}
    >
      Delete <strong>{group?.name}</strong>? Its {group?.memberCount ?? 0} member(s) stay in Frontline; only the {config.singular} and its
      memberships go.
    </ConfirmModal>
  );
}
