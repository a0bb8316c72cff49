// One team or department: its members, who leads it, adding and removing people.
import { Badge, Button, Drawer, Group, Loader, Select, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { fetchGroup, listUsers, removeGroupMember, setGroupMember } from '../../api';
import type { GroupDetail, GroupMember, Membership } from '../../api-types';
import { QueryError } from '../../components/QueryError';
import { RoleBadge } from '../../components/RoleBadge';
import { notifyError } from '../../notify';
import { queryKeys } from '../../query-keys';
import { DepartmentServiceSection } from './DepartmentServiceSection';
import type { GroupConfig } from './GroupsPage';

type GroupDrawerProps = {
  config: GroupConfig;
  groupId: string | null;
  opened: boolean;
  canManage: boolean;
  onClose: () => void;
};

export function GroupDrawer({ config, groupId, opened, canManage, onClose }: GroupDrawerProps) {
  const group = useQuery({
    queryKey: queryKeys.group(config.kind, groupId ?? ''),
    queryFn: () => fetchGroup(config.kind, groupId ?? ''),
    enabled: groupId !== null,
  });

  return (
    <Drawer
      opened={opened && groupId !== null}
      onClose={onClose}
      position="right"
      size="lg"
      title={<Title order={4}>{group.data?.name ?? config.title}</Title>}
    >
      {group.isPending ? (
        <Loader />
      ) : group.isError ? (
        <QueryError error={group.error} onRetry={() => void group.refetch()} />
      ) : (
        <Stack>
          {group.data.description && (
            <Text size="sm" c="dimmed">
              {group.data.description}
            </Text>
          )}
          {canManage && <AddMemberForm config={config} group={group.data} />}
          <MemberTable config={config} group={group.data} canManage={canManage} />
          {config.kind === 'departments' && <DepartmentServiceSection departmentId={group.data.id} canManage={canManage} />}
        </Stack>
      )}
    </Drawer>
  );
}

/** Keeps the detail and the list (member counts, heads) in step after a membership change. */
function useMembershipMutations(config: GroupConfig, groupId: string) {
  const queryClient = useQueryClient();
  const refresh = (detail?: GroupDetail) => {
    if (detail) queryClient.setQueryData(queryKeys.group(config.kind, groupId), detail);
    void queryClient.invalidateQueries({ queryKey: queryKeys.groups(config.kind) });
  };

  const setMember = useMutation({
    mutationFn: (input: { userId: string; membership: Membership }) => setGroupMember({ kind: config.kind, groupId, ...input }),
    onSuccess: refresh,
    onError: (error) => notifyError(error, 'Could not change the membership'),
  });
  const removeMember = useMutation({
    mutationFn: (userId: string) => removeGroupMember({ kind: config.kind, groupId, userId }),
    onSuccess: () => refresh(),
    onError: (error) => notifyError(error, 'Could not remove the member'),
  });
  return { setMember, removeMember };
}

function AddMemberForm({ config, group }: { config: GroupConfig; group: GroupDetail }) {
  const [userId, setUserId] = useState<string | null>(null);
  const { setMember } = useMembershipMutations(config, group.id);
  const users = useQuery({
    queryKey: queryKeys.userList({ active: 'true' }),
    queryFn: () => listUsers({ active: 'true' }),
  });

  const memberIds = new Set(group.members.map((member) => member.userId));
  const candidates = (users.data?.items ?? [])
    .filter((user) => !memberIds.has(user.id))
    .map((user) => ({ value: user.id, label: `${user.name} (${user.email})` }));

  function addMember() {
    if (!userId) return;
    setMember.mutate({ userId, membership: 'member' }, { onSuccess: () => setUserId(null) });
  }

  return (
    <Group align="flex-end" wrap="nowrap">
      <Select
        label={`Add someone to this ${config.singular}`}
        placeholder={users.isPending ? 'Loading people…' : 'Search by name or email'}
        data={candidates}
        value={userId}
        onChange={setUserId}
        searchable
        clearable
        nothingFoundMessage={users.isError ? 'Could not load people' : 'Nobody else to add'}
        style={{ flex: 1 }}
      />
      <Button onClick={addMember} disabled={!userId} loading={setMember.isPending}>
        Add
      </Button>
    </Group>
  );
}

function MemberTable({ config, group, canManage }: { config: GroupConfig; group: GroupDetail; canManage: boolean }) {
  const { setMember, removeMember } = useMembershipMutations(config, group.id);

  if (group.members.length === 0) {
    return <Text c="dimmed">No members yet.</Text>;
  }

  // Leads first, then by name: the people to ask come top.
  const members = [...group.members].sort((a, b) => Number(isLead(b, config)) - Number(isLead(a, config)) || a.name.localeCompare(b.name));

  return (
    <Table verticalSpacing="xs">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Member</Table.Th>
          <Table.Th>Role</Table.Th>
          <Table.Th>{config.leadLabel}</Table.Th>
          {canManage && <Table.Th aria-label="Actions" />}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {members.map((member) => (
          <Table.Tr key={member.userId}>
            <Table.Td>
              <Text size="sm" fw={500}>
                {member.name}
              </Text>
              <Text size="xs" c="dimmed">
                {member.email}
              </Text>
            </Table.Td>
            <Table.Td>
              <RoleBadge role={member.role} />
            </Table.Td>
            <Table.Td>
              {canManage ? (
                <Switch
                  aria-label={`${config.leadLabel}: ${member.name}`}
                  checked={isLead(member, config)}
                  disabled={setMember.isPending && setMember.variables?.userId === member.userId}
                  onChange={(event) =>
                    setMember.mutate({
                      userId: member.userId,
                      membership: event.currentTarget.checked ? config.leadMembership : 'member',
                    })
                  }
                />
              ) : (
                isLead(member, config) && <Badge variant="light">{config.leadLabel}</Badge>
              )}
            </Table.Td>
            {canManage && (
              <Table.Td ta="right">
                <Button
                  size="xs"
                  variant="subtle"
                  color="red"
                  loading={removeMember.isPending && removeMember.variables === member.userId}
                  onClick={() => removeMember.mutate(member.userId)}
                >
                  Remove
                </Button>
              </Table.Td>
            )}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function isLead(member: GroupMember, config: GroupConfig): boolean {
  return member.membership === config.leadMembership;
}
