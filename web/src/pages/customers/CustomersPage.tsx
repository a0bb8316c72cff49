// Customers: find a person by name, email address or phone number.
import { Anchor, Badge, Button, Group, Loader, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { listCustomers } from '../../case-api';
import { TierBadge } from '../../cases/CaseBadges';
import { PageHeader } from '../../components/PageHeader';
import { QueryError } from '../../components/QueryError';
import { formatDate } from '../../format';
import { queryKeys } from '../../query-keys';

export function CustomersPage() {
  const [params, setParams] = useSearchParams();
  const search = params.get('q') ?? '';
  const [q] = useDebouncedValue(search.trim(), 300);

  const customers = useInfiniteQuery({
    queryKey: queryKeys.customerList(q),
    queryFn: ({ pageParam }) => listCustomers({ q: q || undefined, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  const items = customers.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <Stack>
      <PageHeader title="Customers" description="Everyone who contacted you, on any channel, with their history." />
      <TextInput
        type="search"
        aria-label="Search customers"
        placeholder="Search by name, email or phone"
        value={search}
        onChange={(event) => {
          const value = event.currentTarget.value;
          setParams(value ? { q: value } : {}, { replace: true });
        }}
        maw={480}
        autoFocus
      />
      {customers.isPending ? (
        <Loader />
      ) : customers.isError && !customers.data ? (
        <QueryError error={customers.error} onRetry={() => void customers.refetch()} />
      ) : items.length === 0 ? (
        <Text c="dimmed">{q ? `No customer matches “${q}”.` : 'No customers yet.'}</Text>
      ) : (
        <>
          <Table.ScrollContainer minWidth={720}>
            <Table highlightOnHover aria-label="Customers">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Email</Table.Th>
                  <Table.Th>Phone</Table.Th>
                  <Table.Th>Organisation</Table.Th>
                  <Table.Th>Tier</Table.Th>
                  <Table.Th>Open cases</Table.Th>
                  <Table.Th>Customer since</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((customer) => (
                  <Table.Tr key={customer.id} data-testid="customer-row">
                    <Table.Td>
                      <Anchor component={Link} to={`/customers/${customer.id}`} size="sm" fw={500}>
                        {customer.name || customer.emails[0] || customer.phones[0] || 'Unnamed customer'}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{customer.emails.join(', ') || '—'}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{customer.phones.join(', ') || '—'}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{customer.organisationName ?? '—'}</Text>
                    </Table.Td>
                    <Table.Td>
                      <TierBadge tier={customer.tier} />
                    </Table.Td>
                    <Table.Td>
                      {customer.openCaseCount > 0 ? <Badge variant="light">{customer.openCaseCount}</Badge> : <Text size="sm">0</Text>}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatDate(customer.createdAt)}</Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {customers.hasNextPage && (
            <Group justify="center">
              <Button variant="default" loading={customers.isFetchingNextPage} onClick={() => void customers.fetchNextPage()}>
                Load more
              </Button>
            </Group>
          )}
        </>
      )}
    </Stack>
  );
}
