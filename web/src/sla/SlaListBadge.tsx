// The SLA state of a case in a list row: time left to the soonest unmet target counting down live
// ("12 min", orange under an hour), "Breached" in red, "Paused" while every clock is stopped, and
// the "Escalated" marker. The list gives the due instant; the countdown is wall-clock time to it.
import { Badge, Group, Text, Tooltip } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { CaseListItem } from '../api-types';
import { formatDateTime } from '../format';

// One timer for every badge on the page, so a long list does not run one per row.
const TICK_MS = 15_000;
const listeners = new Set<(now: number) => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: (now: number) => void): () => void {
  listeners.add(listener);
  timer ??= setInterval(() => {
    const now = Date.now();
    for (const l of listeners) l(now);
  }, TICK_MS);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => subscribe(setNow), []);
  return now;
}

/** "12 min", "5 h", "3 d": time left, short enough for a list cell. */
export function formatCountdown(minutes: number): string {
  const m = Math.max(0, Math.floor(minutes));
  if (m < 60) return `${m} min`;
  if (m < 48 * 60) return `${Math.floor(m / 60)} h`;
  return `${Math.floor(m / 1440)} d`;
}

export type ListSlaState = { kind: 'none' } | { kind: 'paused' } | { kind: 'breached' } | { kind: 'running'; minutesLeft: number };

/** What the row's badge says now: a due instant that passed since the list was read is a breach. */
export function listSlaState(sla: CaseListItem['sla'], now: number): ListSlaState {
  if (!sla) return { kind: 'none' };
  if (sla.breached) return { kind: 'breached' };
  if (!sla.nextDueAt) return { kind: 'paused' };
  const minutesLeft = (new Date(sla.nextDueAt).getTime() - now) / 60_000;
  if (minutesLeft <= 0) return { kind: 'breached' };
  return { kind: 'running', minutesLeft };
}

export function SlaListBadge({ sla }: { sla: CaseListItem['sla'] }) {
  const now = useNow();
  const state = listSlaState(sla, now);
  const due = sla?.nextDueAt ? `Next target due ${formatDateTime(sla.nextDueAt)}` : undefined;
  switch (state.kind) {
    case 'none':
      return (
        <Text size="sm" c="dimmed" data-testid="sla-list-badge" data-state="none">
          —
        </Text>
      );
    case 'paused':
      return (
        <Badge
          size="sm"
          variant="light"
          color="gray"
          data-testid="sla-list-badge"
          data-state="paused"
          title="Every running clock is paused"
        >
          Paused
        </Badge>
      );
    case 'breached':
      return (
        <Badge size="sm" variant="filled" color="red" data-testid="sla-list-badge" data-state="breached" title={due}>
          Breached
        </Badge>
      );
    case 'running': {
      const soon = state.minutesLeft < 60;
      return (
        <Badge
          size="sm"
          variant={soon ? 'filled' : 'light'}
          color={soon ? 'orange' : 'blue'}
          data-testid="sla-list-badge"
          data-state={soon ? 'at_risk' : 'running'}
          title={due}
        >
          {formatCountdown(state.minutesLeft)}
        </Badge>
      );
    }
  }
}

export function EscalatedMarker({ at }: { at: string }) {
  return (
    <Tooltip label={`Escalated ${formatDateTime(at)}`}>
      <Badge size="sm" variant="outline" color="red" data-testid="escalated-marker">
        Escalated
      </Badge>
    </Tooltip>
  );
}

/** The SLA cell of a case row: the badge and, when escalated, the marker beside it. */
export function SlaCell({ item }: { item: Pick<CaseListItem, 'sla' | 'escalatedAt'> }) {
  return (
    <Group gap={4} wrap="nowrap">
      <SlaListBadge sla={item.sla ?? null} />
      {item.escalatedAt && <EscalatedMarker at={item.escalatedAt} />}
    </Group>
  );
}
