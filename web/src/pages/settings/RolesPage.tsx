import { Loader, Stack, Table, Text, Tooltip } from '@mantine/core';
import type { RoleInfo } from '../../api-types';
import { PageHeader } from '../../components/PageHeader';
import { QueryError } from '../../components/QueryError';
import { useRoles } from '../../roles';

/** Read-only: roles and their permissions are defined in code, so they are the same on every install. */
export function RolesPage() {
  const roles = useRoles();

  return (
    <Stack>
      <PageHeader order={3} title="Roles" description="What each role may do. Roles are built in; give a person a role on the Users tab." />
      {roles.isPending ? (
        <Loader />
      ) : roles.isError ? (
        <QueryError error={roles.error} onRetry={() => void roles.refetch()} />
      ) : (
        <>
          <RoleList roles={roles.data.items} />
          <PermissionMatrix roles={roles.data.items} />
        </>
      )}
    </Stack>
  );
}

function RoleList({ roles }: { roles: RoleInfo[] }) {
  return (
    <Table verticalSpacing="xs" striped>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Role</Table.Th>
          <Table.Th>Description</Table.Th>
          <Table.Th ta="right">Permissions</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {roles.map((role) => (
          <Table.Tr key={role.role}>
            <Table.Td fw={500}>{role.label}</Table.Td>
            <Table.Td>
              <Text size="sm" c="dimmed">
                {role.description}
              </Text>
            </Table.Td>
            <Table.Td ta="right">{role.permissions.length}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function PermissionMatrix({ roles }: { roles: RoleInfo[] }) {
  const permissions = [...new Set(roles.flatMap((role) => role.permissions))].sort();

  return (
    <Table.ScrollContainer minWidth={720}>
      <Table withTableBorder withColumnBorders highlightOnHover aria-label="Permissions by role">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Permission</Table.Th>
            {roles.map((role) => (
              <Table.Th key={role.role} ta="center">
                <Tooltip label={role.description} multiline w={260} withArrow>
                  <span>{role.label}</span>
                </Tooltip>
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {permissions.map((permission) => (
            <Table.Tr key={permission}>
              <Table.Td>
                <Text size="sm" ff="monospace">
                  {permission}
                </Text>
              </Table.Td>
              {roles.map((role) => (
                <Table.Td key={role.role} ta="center">
                  {role.permissions.includes(permission) ? (
                    <Text c="teal" fw={700} aria-label="granted">
                      ✓
                    </Text>
                  ) : (
                    <Text c="dimmed" aria-label="not granted">
                      ·
                    </Text>
                  )}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
