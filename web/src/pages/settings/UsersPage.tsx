import {
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  PasswordInput,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { createUser, listUsers, updateUser, type UserChanges, type UserFilters } from '../../api';
import type { Role, User } from '../../api-types';
import { FormError } from '../../components/FormError';
import { PageHeader } from '../../components/PageHeader';
import { QueryError } from '../../components/QueryError';
import { RoleBadge } from '../../components/RoleBadge';
import { formatDateTime } from '../../format';
import { notifySuccess } from '../../notify';
import { queryKeys } from '../../query-keys';
import { useRoleOptions } from '../../roles';
import { useCan, useMe } from '../../session';

type ActiveFilter = 'all' | 'true' | 'false';

export function UsersPage() {
  const can = useCan();
  const canManage = can('users.manage');
  const [search, setSearch] = useState('');
  const [role, setRole] = useState<Role | null>(null);
  const [active, setActive] = useState<ActiveFilter>('all');
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  // Typing in the search box should not send a request per keystroke.
  const [debouncedSearch] = useDebouncedValue(search.trim(), 300);

  const filters: UserFilters = {
    q: debouncedSearch || undefined,
    role: role ?? undefined,
    active: active === 'all' ? undefined : active,
  };
  const users = useQuery({
    queryKey: queryKeys.userList(filters),
    queryFn: () => listUsers(filters),
    placeholderData: keepPreviousData,
  });

  return (
    <Stack>
      <PageHeader
        order={3}
        title="Users"
        description="Everyone who signs in to Frontline, with their role."
        actions={canManage && <Button onClick={() => setCreating(true)}>New user</Button>}
      />
      <UserFiltersBar
        search={search}
        onSearchChange={setSearch}
        role={role}
        onRoleChange={setRole}
        active={active}
        onActiveChange={setActive}
      />
      {users.isPending ? (
        <Loader />
      ) : users.isError ? (
        <QueryError error={users.error} onRetry={() => void users.refetch()} />
      ) : (
        <UserTable users={users.data.items} onEdit={canManage ? setEditing : undefined} />
      )}
      <Modal opened={creating} onClose={() => setCreating(false)} title="New user">
        <CreateUserForm onDone={() => setCreating(false)} />
      </Modal>
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title="Edit user">
        {editing && <EditUserForm key={editing.id} user={editing} onDone={() => setEditing(null)} />}
      </Modal>
    </Stack>
  );
}

type UserFiltersBarProps = {
  search: string;
  onSearchChange: (value: string) => void;
  role: Role | null;
  onRoleChange: (value: Role | null) => void;
  active: ActiveFilter;
  onActiveChange: (value: ActiveFilter) => void;
};

function UserFiltersBar(props: UserFiltersBarProps) {
  const roleOptions = useRoleOptions();
  return (
    <Group align="flex-end">
      <TextInput
        type="search"
        aria-label="Search users"
        placeholder="Search by name or email"
        value={props.search}
        onChange={(event) => props.onSearchChange(event.currentTarget.value)}
        style={{ flex: 1, minWidth: 200 }}
      />
      <Select
        aria-label="Filter by role"
        placeholder="All roles"
        data={roleOptions}
        value={props.role}
        onChange={(value) => props.onRoleChange(value as Role | null)}
        clearable
        w={200}
      />
      <SegmentedControl
        aria-label="Filter by status"
        value={props.active}
        onChange={(value) => props.onActiveChange(value as ActiveFilter)}
        data={[
          { value: 'all', label: 'All' },
          { value: 'true', label: 'Active' },
          { value: 'false', label: 'Inactive' },
        ]}
      />
    </Group>
  );
}

function UserTable({ users, onEdit }: { users: User[]; onEdit?: (user: User) => void }) {
  if (users.length === 0) {
    return <Text c="dimmed">No users match.</Text>;
  }
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table highlightOnHover verticalSpacing="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Email</Table.Th>
            <Table.Th>Role</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Last sign-in</Table.Th>
            {onEdit && <Table.Th aria-label="Actions" />}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {users.map((user) => (
            <Table.Tr key={user.id} c={user.active ? undefined : 'dimmed'}>
              <Table.Td fw={500}>{user.name}</Table.Td>
              <Table.Td>{user.email}</Table.Td>
              <Table.Td>
                <RoleBadge role={user.role} />
              </Table.Td>
              <Table.Td>
                <Badge variant="dot" color={user.active ? 'teal' : 'gray'}>
                  {user.active ? 'Active' : 'Inactive'}
                </Badge>
              </Table.Td>
              <Table.Td>{formatDateTime(user.lastLoginAt, 'Never')}</Table.Td>
              {onEdit && (
                <Table.Td ta="right">
                  <Button size="xs" variant="subtle" onClick={() => onEdit(user)}>
                    Edit
                  </Button>
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function CreateUserForm({ onDone }: { onDone: () => void }) {
  const queryClient = useQueryClient();
  const roleOptions = useRoleOptions();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const [password, setPassword] = useState('');

  const create = useMutation({
    mutationFn: createUser,
    onSuccess: (user) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.users });
      notifySuccess(`${user.name} can now sign in.`);
      onDone();
    },
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate({ name: name.trim(), email: email.trim(), role, password });
  }

  return (
    <form onSubmit={handleSubmit}>
      <Stack>
        <TextInput label="Name" name="name" required data-autofocus value={name} onChange={(event) => setName(event.currentTarget.value)} />
        <TextInput
          label="Email"
          name="email"
          type="email"
          required
          autoComplete="off"
          value={email}
          onChange={(event) => setEmail(event.currentTarget.value)}
        />
        <Select label="Role" data={roleOptions} value={role} onChange={(value) => value && setRole(value as Role)} allowDeselect={false} />
        <PasswordInput
          label="Password"
          name="password"
          required
          autoComplete="new-password"
          description="Share it with them securely; they can sign in with it straight away."
          value={password}
          onChange={(event) => setPassword(event.currentTarget.value)}
        />
        <FormError error={create.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending}>
            Create user
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function EditUserForm({ user, onDone }: { user: User; onDone: () => void }) {
  const queryClient = useQueryClient();
  const roleOptions = useRoleOptions();
  const me = useMe();
  const [name, setName] = useState(user.name);
  const [role, setRole] = useState<Role>(user.role);
  const [active, setActive] = useState(user.active);
  const [password, setPassword] = useState('');

  const update = useMutation({
    mutationFn: (changes: UserChanges) => updateUser(user.id, changes),
    onSuccess: (updated) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.users });
      // Editing yourself can change your own role and so your permissions.
      if (updated.id === me.user.id) void queryClient.invalidateQueries({ queryKey: queryKeys.me });
      notifySuccess(`Saved ${updated.name}.`);
      onDone();
    },
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // Send only what changed, so a save never overwrites a field someone else just edited.
    const changes: UserChanges = {};
    if (name.trim() !== user.name) changes.name = name.trim();
    if (role !== user.role) changes.role = role;
    if (active !== user.active) changes.active = active;
    if (password) changes.password = password;
    if (Object.keys(changes).length === 0) {
      onDone();
      return;
    }
    update.mutate(changes);
  }

  return (
    <form onSubmit={handleSubmit}>
      <Stack>
        <Text size="sm" c="dimmed">
          {user.email}
        </Text>
        <TextInput label="Name" name="name" required value={name} onChange={(event) => setName(event.currentTarget.value)} />
        <Select label="Role" data={roleOptions} value={role} onChange={(value) => value && setRole(value as Role)} allowDeselect={false} />
        <Switch
          label="Active"
          description="Inactive users cannot sign in."
          checked={active}
          onChange={(event) => setActive(event.currentTarget.checked)}
        />
        <PasswordInput
          label="New password"
          name="password"
          autoComplete="new-password"
          description="Leave empty to keep the current password."
          value={password}
          onChange={(event) => setPassword(event.currentTarget.value)}
        />
        <FormError error={update.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={update.isPending}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
