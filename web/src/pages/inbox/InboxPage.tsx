// The agent's inbox: saved views with live counts on the left, the selected view's cases on the
// right, with keyboard navigation, bulk changes and "New case". Quick filters narrow the view to
// the cases breaching within the hour, already breached, or escalated (?filter= in the URL).
import { Badge, Box, Button, Group, Kbd, Loader, NavLink, Paper, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import type { CaseListItem, SavedView } from '../../api-types';
import { formatCount, listViewCases, listViews } from '../../case-api';
import { CaseTable } from '../../cases/CaseTable';
import { PageHeader } from '../../components/PageHeader';
import { QueryError } from '../../components/QueryError';
import { usePollUnlessLive } from '../../live';
import { queryKeys } from '../../query-keys';
import { useCan } from '../../session';
import { QUICK_FILTERS, listQuickCases, type QuickFilter } from '../../sla-api';
import { BulkActionBar } from './BulkActionBar';
import { NewCaseModal } from './NewCaseModal';
import { ViewEditorDrawer, canEditView } from './ViewEditor';

export function InboxPage() {
  const { viewId } = useParams();
  const navigate = useNavigate();
  const can = useCan();
  const refetchInterval = usePollUnlessLive();
  const [creating, setCreating] = useState(false);
  // The view editor: undefined closed, null a new view, else the view being changed.
  const [editingView, setEditingView] = useState<SavedView | null | undefined>(undefined);
  const views = useQuery({ queryKey: queryKeys.views, queryFn: listViews, refetchInterval });

  // /inbox alone opens the first view.
  const firstViewId = views.data?.[0]?.id;
  useEffect(() => {
    if (!viewId && firstViewId) void navigate(`/inbox/views/${firstViewId}`, { replace: true });
  }, [viewId, firstViewId, navigate]);

  const currentView = views.data?.find((view) => view.id === viewId);

  return (
    <>
      <PageHeader title="Inbox" actions={can('cases.work') && <Button onClick={() => setCreating(true)}>New case</Button>} />
      <Group align="flex-start" wrap="nowrap" gap="lg">
        <Paper withBorder p="xs" w={240} style={{ flexShrink: 0 }} component="aside" aria-label="Views">
          <ViewList
            views={views.data}
            error={views.error}
            pending={views.isPending}
            currentId={viewId}
            onRetry={() => void views.refetch()}
          />
          {(can('cases.work') || can('cases.read_all')) && (
            <Button variant="subtle" size="xs" fullWidth mt="xs" onClick={() => setEditingView(null)}>
              + New view
            </Button>
          )}
        </Paper>
        <Box style={{ flex: 1, minWidth: 0 }}>
          {viewId ? (
            <ViewCases
              key={viewId}
              viewId={viewId}
              view={currentView}
              onEdit={currentView && canEditView(currentView, can) ? () => setEditingView(currentView) : undefined}
            />
          ) : views.isPending ? (
            <Loader />
          ) : views.data && views.data.length === 0 ? (
            <Text c="dimmed">There are no views yet.</Text>
          ) : null}
        </Box>
      </Group>
      <NewCaseModal opened={creating} onClose={() => setCreating(false)} />
      <ViewEditorDrawer view={editingView ?? null} opened={editingView !== undefined} onClose={() => setEditingView(undefined)} />
    </>
  );
}

type ViewListProps = {
  views: SavedView[] | undefined;
  error: unknown;
  pending: boolean;
  currentId: string | undefined;
  onRetry: () => void;
};

function ViewList({ views, error, pending, currentId, onRetry }: ViewListProps) {
  if (pending) return <Loader size="sm" m="sm" />;
  if (!views) return <QueryError error={error} onRetry={onRetry} />;
  const shared = views.filter((view) => view.builtIn || view.ownerId === null);
  const mine = views.filter((view) => !view.builtIn && view.ownerId !== null);
  const item = (view: SavedView) => (
    <NavLink
      key={view.id}
      component={Link}
      to={`/inbox/views/${view.id}`}
      label={view.name}
      active={view.id === currentId}
      data-testid={`view-${view.builtIn ?? view.id}`}
      rightSection={
        <Badge size="sm" variant={view.id === currentId ? 'filled' : 'light'} color="gray" data-testid="view-count">
          {view.count === null ? '–' : formatCount(view.count, view.countCapped)}
        </Badge>
      }
    />
  );
  return (
    <Stack gap={4}>
      {shared.map(item)}
      {mine.length > 0 && (
        <>
          <Text size="xs" c="dimmed" fw={600} tt="uppercase" px="sm" pt="sm">
            My views
          </Text>
          {mine.map(item)}
        </>
      )}
    </Stack>
  );
}

const QUICK_LABELS: Record<QuickFilter, string> = {
  at_risk: 'Breaching within 1 hour',
  breached: 'Breached',
  escalated: 'Escalated',
};

const QUICK_EMPTY: Record<QuickFilter, string> = {
  at_risk: 'Nothing in this view falls due within the hour.',
  breached: 'No case in this view has a breached target.',
  escalated: 'No case in this view is escalated.',
};

function useQuickFilter(): [QuickFilter | null, (next: QuickFilter | null) => void] {
  const [params, setParams] = useSearchParams();
  const value = params.get('filter');
  const quick = QUICK_FILTERS.find((q) => q === value) ?? null;
  const setQuick = (next: QuickFilter | null) =>
    setParams(
      (old) => {
        const updated = new URLSearchParams(old);
        if (next) updated.set('filter', next);
        else updated.delete('filter');
        return updated;
      },
      { replace: true },
    );
  return [quick, setQuick];
}

function ViewCases({ viewId, view, onEdit }: { viewId: string; view: SavedView | undefined; onEdit?: (() => void) | undefined }) {
  const refetchInterval = usePollUnlessLive();
  const can = useCan();
  const [quick, setQuick] = useQuickFilter();
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const cases = useInfiniteQuery({
    queryKey: quick ? queryKeys.viewQuickCases(viewId, quick) : queryKeys.viewCases(viewId),
    queryFn: ({ pageParam }) => (quick ? listQuickCases(viewId, quick, pageParam) : listViewCases(viewId, pageParam)),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    refetchInterval,
  });

  // Pages fetched at different moments can overlap once cases move; show each case once.
  const items = useMemo(() => {
    const seen = new Set<string>();
    const list: CaseListItem[] = [];
    for (const page of cases.data?.pages ?? []) {
      for (const item of page.items) {
        if (seen.has(item.id)) continue;
        seen.add(item.id);
        list.push(item);
      }
    }
    return list;
  }, [cases.data]);

  // Ticks on cases that left the view are dropped.
  const visibleChecked = useMemo(() => new Set(items.filter((item) => checked.has(item.id)).map((item) => item.id)), [items, checked]);
  const firstPage = cases.data?.pages[0];
  const total = firstPage?.total !== undefined ? formatCount(firstPage.total, firstPage.totalCapped) : undefined;

  return (
    <Stack gap="sm">
      <Group justify="space-between" align="baseline">
        <Group gap="xs" align="baseline">
          <Title order={3} size="h4">
            {view?.name ?? 'Cases'}
            {quick && (
              <Text span c="dimmed" inherit>
                {' '}
                · {QUICK_LABELS[quick]}
              </Text>
            )}
          </Title>
          {onEdit && (
            <Button variant="subtle" size="compact-xs" onClick={onEdit}>
              Edit view
            </Button>
          )}
        </Group>
        <Text size="xs" c="dimmed">
          {total !== undefined ? `${items.length} of ${total} · ` : ''}
          <Kbd size="xs">j</Kbd>/<Kbd size="xs">k</Kbd> move · <Kbd size="xs">Enter</Kbd> open · <Kbd size="xs">x</Kbd> select
        </Text>
      </Group>
      <SegmentedControl
        aria-label="Quick filter"
        data-testid="quick-filters"
        size="xs"
        style={{ alignSelf: 'flex-start' }}
        value={quick ?? 'all'}
        onChange={(value) => setQuick(QUICK_FILTERS.find((q) => q === value) ?? null)}
        data={[{ value: 'all', label: 'All' }, ...QUICK_FILTERS.map((q) => ({ value: q, label: QUICK_LABELS[q] }))]}
      />
      {can('cases.work') && visibleChecked.size > 0 && (
        <BulkActionBar caseIds={[...visibleChecked]} onDone={(remaining) => setChecked(new Set(remaining))} />
      )}
      {cases.isPending ? (
        <Loader />
      ) : cases.isError && !cases.data ? (
        <QueryError error={cases.error} onRetry={() => void cases.refetch()} />
      ) : (
        <>
          <CaseTable
            items={items}
            checked={can('cases.work') ? visibleChecked : undefined}
            onCheckedChange={setChecked}
            emptyText={quick ? QUICK_EMPTY[quick] : 'No cases in this view. Nice work.'}
          />
          {cases.hasNextPage && (
            <Group justify="center">
              <Button variant="default" loading={cases.isFetchingNextPage} onClick={() => void cases.fetchNextPage()}>
                Load more
              </Button>
            </Group>
          )}
        </>
      )}
    </Stack>
  );
}
