// Live updates: one EventSource on /api/stream for the signed-in app. A `case` event refreshes that
// case (page, conversation, event log) and every case list and view count on screen, so what an
// agent looks at follows what others do without a reload. While the stream is down, pages poll.
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { CaseChangeNotice, CaseView } from './api-types';
import { queryKeys } from './query-keys';

export type LiveState = 'connecting' | 'live' | 'offline';

const LiveContext = createContext<LiveState>('offline');

/** How often lists and open cases poll while the live stream is not connected. */
export const POLL_WHEN_OFFLINE_MS = 30_000;

/** Whether live updates are flowing; pages poll while they are not. */
export function useLiveState(): LiveState {
  return useContext(LiveContext);
}

/** A refetchInterval for queries that live updates keep fresh: none while live, polling otherwise. */
export function usePollUnlessLive(): number | false {
  return useLiveState() === 'live' ? false : POLL_WHEN_OFFLINE_MS;
}

function parseNotice(data: unknown): CaseChangeNotice | null {
  if (typeof data !== 'string') return null;
  try {
    const notice = JSON.parse(data) as Partial<CaseChangeNotice>;
    return typeof notice.caseId === 'string' ? (notice as CaseChangeNotice) : null;
  } catch {
    return null;
  }
}

/**
 * Coalesces bursts (a bulk change sends one event per case) into one refresh of the lists, and
 * skips refetching a case whose newer version this page already holds (its own change).
 */
function createRefresher(queryClient: QueryClient) {
  const changed = new Map<string, number>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // An SLA warning or breach was raised: it may have brought the reader a notification.
  let alerted = false;

  const flush = () => {
    timer = undefined;
    for (const [caseId, version] of changed) {
      const cached = queryClient.getQueryData<CaseView>(queryKeys.case(caseId));
      if (cached && cached.version >= version) {
        // The case itself is current; its conversation, log and clocks may still have moved on
        // (an SLA alert, say, changes the log but not the case's version).
        void queryClient.invalidateQueries({ queryKey: queryKeys.caseMessages(caseId) });
        void queryClient.invalidateQueries({ queryKey: queryKeys.caseEvents(caseId) });
        void queryClient.invalidateQueries({ queryKey: queryKeys.caseSla(caseId) });
        void queryClient.invalidateQueries({ queryKey: queryKeys.caseDepartmentRequests(caseId) });
      } else {
        void queryClient.invalidateQueries({ queryKey: queryKeys.case(caseId) });
      }
    }
    changed.clear();
    if (alerted) void queryClient.invalidateQueries({ queryKey: queryKeys.notifications });
    alerted = false;
    void queryClient.invalidateQueries({ queryKey: queryKeys.caseLists });
    void queryClient.invalidateQueries({ queryKey: queryKeys.views });
    void queryClient.invalidateQueries({ queryKey: queryKeys.customers });
  };

  return {
    caseChanged(notice: CaseChangeNotice) {
      changed.set(notice.caseId, Math.max(changed.get(notice.caseId) ?? 0, Number(notice.version) || Number.MAX_SAFE_INTEGER));
      if (notice.kind === 'sla_alert') alerted = true;
      timer ??= setTimeout(flush, 150);
    },
    /** After a gap in the stream: anything may have changed. */
    everything() {
      void queryClient.invalidateQueries({ queryKey: queryKeys.cases });
      void queryClient.invalidateQueries({ queryKey: queryKeys.notifications });
      void queryClient.invalidateQueries({ queryKey: queryKeys.views });
      void queryClient.invalidateQueries({ queryKey: queryKeys.customers });
    },
    stop() {
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

export function LiveUpdatesProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');

  useEffect(() => {
    if (typeof EventSource === 'undefined') {
      setState('offline');
      return;
    }
    const refresh = createRefresher(queryClient);
    let source: EventSource | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let connectedBefore = false;

    const connect = () => {
      setState('connecting');
      const current = new EventSource('/api/stream');
      source = current;
      current.addEventListener('open', () => {
        failures = 0;
        setState('live');
        // Reconnected after a drop: events sent meanwhile are lost, so refresh what is shown.
        if (connectedBefore) refresh.everything();
        connectedBefore = true;
      });
      current.addEventListener('case', (event) => {
        const notice = parseNotice((event as MessageEvent).data);
        if (notice) refresh.caseChanged(notice);
      });
      current.addEventListener('error', () => {
        if (current.readyState !== EventSource.CLOSED) {
          // The browser reconnects by itself (network blip, server restart).
          setState('connecting');
          return;
        }
        // The browser gave up (an error status, e.g. signed out or not available): retry later.
        current.close();
        setState('offline');
        failures += 1;
        retryTimer = setTimeout(connect, Math.min(60_000, 2_000 * 2 ** Math.min(failures, 5)));
      });
    };

    connect();
    return () => {
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      refresh.stop();
      source?.close();
    };
  }, [queryClient]);

  return <LiveContext.Provider value={state}>{children}</LiveContext.Provider>;
}
