// Full-text case search: subject, conversation and customer, best matches first, with the
// matching words marked; narrowed by status and priority. The query lives in the URL.
import { Button, Group, Loader, MultiSelect, Stack, Text, TextInput } from '@mantine/core';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { formatCount, listCases, type CaseSearch } from '../../case-api';
import { CaseTable } from '../../cases/CaseTable';
import { PRIORITY_LABELS, STATUS_LABELS, optionsOf } from '../../cases/labels';
import { PageHeader } from '../../components/PageHeader';
import { QueryError } from '../../components/QueryError';
import { queryKeys } from '../../query-keys';

export function SearchPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q')?.trim() ?? '';
  const statuses = params.get('status')?.split(',').filter(Boolean) ?? [];
  const priorities = params.get('priority')?.split(',').filter(Boolean) ?? [];
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);

  const update = (changes: { q?: string; status?: string[]; priority?: string[] }) => {
    const next = new URLSearchParams(params);
    const put = (key: string, value: string | undefined) => (value ? next.set(key, value) : next.delete(key));
    if (changes.q !== undefined) put('q', changes.q.trim());
    if (changes.status !== undefined) put('status', changes.status.join(','));
    if (changes.priority !== undefined) put('priority', changes.priority.join(','));
    setParams(next, { replace: changes.q === undefined });
  };

  const search: CaseSearch = {
    q: q || undefined,
    status: statuses.join(',') || undefined,
    priority: priorities.join(',') || undefined,
    sort: q ? 'relevance' : 'updated_desc',
    limit: '50',
  };
  const enabled = Boolean(search.q || search.status || search.priority);

  const results = useInfiniteQuery({
    queryKey: queryKeys.caseSearch(search),
    queryFn: ({ pageParam }) => listCases({ ...search, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    enabled,
  });
  const items = results.data?.pages.flatMap((page) => page.items) ?? [];
  const firstPage = results.data?.pages[0];
  const total = firstPage?.total !== undefined ? formatCount(firstPage.total, firstPage.totalCapped) : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    update({ q: text });
  };

  return (
    <Stack>
      <PageHeader title="Search" description="Search case subjects, conversations and customers." />
      <form onSubmit={submit}>
        <Group align="flex-end" gap="sm">
          <TextInput
            type="search"
            label="Words"
            aria-label="Search words"
            placeholder="e.g. refund invoice"
            value={text}
            onChange={(event) => setText(event.currentTarget.value)}
            style={{ flex: 1, minWidth: 220 }}
          />
          <Button type="submit">Search</Button>
          <MultiSelect
            label="Status"
            placeholder={statuses.length ? undefined : 'Any'}
            data={optionsOf(STATUS_LABELS)}
            value={statuses}
            onChange={(value) => update({ status: value })}
            clearable
            w={240}
          />
          <MultiSelect
            label="Priority"
            placeholder={priorities.length ? undefined : 'Any'}
            data={optionsOf(PRIORITY_LABELS)}
            value={priorities}
            onChange={(value) => update({ priority: value })}
            clearable
            w={220}
          />
        </Group>
      </form>
      {!enabled ? (
        <Text c="dimmed">Type words to search for, or pick a status or priority.</Text>
      ) : results.isPending ? (
        <Loader />
      ) : results.isError && !results.data ? (
        <QueryError error={results.error} onRetry={() => void results.refetch()} />
      ) : (
        <>
          {total !== undefined && (
            <Text size="sm" c="dimmed" data-testid="search-total">
              {total === '1' ? '1 case' : `${total} cases`}
            </Text>
          )}
          <CaseTable items={items} showSnippets emptyText={q ? `No case matches “${q}”.` : 'No case matches these filters.'} />
          {results.hasNextPage && (
            <Group justify="center">
              <Button variant="default" loading={results.isFetchingNextPage} onClick={() => void results.fetchNextPage()}>
                Load more
              </Button>
            </Group>
          )}
        </>
      )}
    </Stack>
  );
}
