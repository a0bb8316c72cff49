// The case list used by the inbox and the search page: one row per case, a keyboard cursor
// (j/k or arrows move it, Enter opens, x ticks the row), optional checkboxes for bulk changes, and
// each case's SLA countdown and escalation marker.
import { Anchor, Checkbox, Stack, Table, Text } from '@mantine/core';
import { useEffect, useRef, useState, type MouseEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import type { CaseListItem } from '../api-types';
import { RelativeTime } from '../components/RelativeTime';
import { isActivatable, isInsideWidget, isTypingTarget } from '../keyboard';
import { SlaCell } from '../sla/SlaListBadge';
import { PriorityBadge, StatusBadge } from './CaseBadges';
import { Snippet } from './MessageBody';

type CaseTableProps = {
  items: CaseListItem[];
  /** Row checkboxes for bulk changes; omit for a list without them. */
  checked?: ReadonlySet<string>;
  onCheckedChange?: (next: Set<string>) => void;
  /** Whether j/k, arrows, Enter and x act on this table (one table per page should). */
  keyboard?: boolean;
  showSnippets?: boolean;
  emptyText?: string;
};

export function CaseTable({ items, checked, onCheckedChange, keyboard = true, showSnippets = false, emptyText }: CaseTableProps) {
  const navigate = useNavigate();
  const [cursorId, setCursorId] = useState<string | null>(null);
  const lastIndex = useRef(0);
  const rows = useRef(new Map<string, HTMLTableRowElement>());
  const selectable = checked !== undefined && onCheckedChange !== undefined;

  // The cursor follows its case when the list reorders (live updates); if the case left the
  // list, it stays at the same position.
  let cursor = cursorId === null ? -1 : items.findIndex((item) => item.id === cursorId);
  if (cursorId !== null && cursor === -1 && items.length > 0) cursor = Math.min(lastIndex.current, items.length - 1);
  if (cursor >= 0) lastIndex.current = cursor;
  const cursorItem = cursor >= 0 ? items[cursor] : undefined;

  const toggle = (id: string) => {
    if (!selectable) return;
    const next = new Set(checked);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onCheckedChange(next);
  };

  // Latest values for the one keydown listener.
  const state = useRef({ items, cursor, cursorItem, toggle, navigate });
  state.current = { items, cursor, cursorItem, toggle, navigate };

  useEffect(() => {
    if (!keyboard) return;
    const move = (delta: number) => {
      const { items: list, cursor: at } = state.current;
      if (list.length === 0) return;
      const nextIndex = at < 0 ? (delta > 0 ? 0 : list.length - 1) : Math.max(0, Math.min(list.length - 1, at + delta));
      const next = list[nextIndex];
      if (!next) return;
      setCursorId(next.id);
      rows.current.get(next.id)?.scrollIntoView({ block: 'nearest' });
      // Focus left on a link or button (the view just clicked) would take Enter for itself.
      const focused = document.activeElement;
      if (focused instanceof HTMLElement && focused !== document.body) focused.blur();
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      if (isTypingTarget(event.target) || isInsideWidget(event.target)) return;
      switch (event.key) {
        case 'j':
        case 'ArrowDown':
          event.preventDefault();
          move(1);
          break;
        case 'k':
        case 'ArrowUp':
          event.preventDefault();
          move(-1);
          break;
        case 'x': {
          const item = state.current.cursorItem;
          if (item) {
            event.preventDefault();
            state.current.toggle(item.id);
          }
          break;
        }
        case 'Enter': {
          const item = state.current.cursorItem;
          if (item && !isActivatable(event.target)) {
            event.preventDefault();
            void state.current.navigate(`/cases/${item.id}`);
          }
          break;
        }
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [keyboard]);

  if (items.length === 0) {
    return (
      <Text c="dimmed" py="xl" ta="center" data-testid="case-list-empty">
        {emptyText ?? 'No cases here.'}
      </Text>
    );
  }

  const allChecked = selectable && items.every((item) => checked.has(item.id));
  const someChecked = selectable && items.some((item) => checked.has(item.id));

  const onRowClick = (event: MouseEvent, item: CaseListItem) => {
    // Clicks on the checkbox or the subject link do their own thing.
    if (event.target instanceof Element && event.target.closest('input, a, button, label')) return;
    if (event.ctrlKey || event.metaKey) {
      window.open(`/cases/${item.id}`, '_blank', 'noopener');
      return;
    }
    void navigate(`/cases/${item.id}`);
  };

  return (
    <Table.ScrollContainer minWidth={900}>
      <Table highlightOnHover verticalSpacing="xs" aria-label="Cases">
        <Table.Thead>
          <Table.Tr>
            {selectable && (
              <Table.Th w={36}>
                <Checkbox
                  aria-label="Select all cases shown"
                  checked={allChecked}
                  indeterminate={someChecked && !allChecked}
                  onChange={() => onCheckedChange(allChecked ? new Set() : new Set(items.map((item) => item.id)))}
                />
              </Table.Th>
            )}
            <Table.Th w={80}>#</Table.Th>
            <Table.Th>Subject</Table.Th>
            <Table.Th>Requester</Table.Th>
            <Table.Th w={100}>Status</Table.Th>
            <Table.Th w={100}>Priority</Table.Th>
            <Table.Th w={160}>SLA</Table.Th>
            <Table.Th>Assignee</Table.Th>
            <Table.Th w={130}>Updated</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((item, index) => {
            const isCursor = index === cursor;
            const isChecked = selectable && checked.has(item.id);
            return (
              <Table.Tr
                key={item.id}
                ref={(node) => {
                  if (node) rows.current.set(item.id, node);
                  else rows.current.delete(item.id);
                }}
                data-testid="case-row"
                data-case-id={item.id}
                data-cursor={isCursor || undefined}
                aria-selected={isCursor}
                onClick={(event) => onRowClick(event, item)}
                style={{
                  cursor: 'pointer',
                  boxShadow: isCursor ? 'inset 3px 0 0 var(--mantine-primary-color-filled)' : undefined,
                  background: isCursor
                    ? 'var(--mantine-primary-color-light)'
                    : isChecked
                      ? 'var(--mantine-color-default-hover)'
                      : undefined,
                }}
              >
                {selectable && (
                  <Table.Td onClick={(event) => event.stopPropagation()}>
                    <Checkbox aria-label={`Select case ${item.number}`} checked={isChecked} onChange={() => toggle(item.id)} />
                  </Table.Td>
                )}
                <Table.Td>
                  <Text size="sm" c="dimmed">
                    #{item.number}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Stack gap={2}>
                    <Anchor component={Link} to={`/cases/${item.id}`} size="sm" fw={item.status === 'new' ? 700 : 500} c="inherit">
                      {item.subject}
                    </Anchor>
                    {showSnippets && item.snippet && <Snippet html={item.snippet} />}
                  </Stack>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" truncate maw={200} title={item.requester.email ?? undefined}>
                    {item.requester.name || item.requester.email || '—'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={item.status} />
                </Table.Td>
                <Table.Td>
                  <PriorityBadge priority={item.priority} />
                </Table.Td>
                <Table.Td>
                  <SlaCell item={item} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c={item.assigneeName ? undefined : 'dimmed'} truncate maw={180}>
                    {item.assigneeName ?? (item.teamName ? `${item.teamName} (unassigned)` : 'Unassigned')}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <RelativeTime iso={item.updatedAt} c="dimmed" />
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
