// Fans case changes out to live pages. The source is PostgreSQL NOTIFY (sent inside each
// change's transaction, so only committed changes arrive, from any app instance); one LISTEN per
// process feeds every subscriber.
import type { Database } from '../../db/open.js';
import { caseChangesChannel, type CaseChangeNotice } from '../cases/case-events.js';

export type CaseChangeListener = (notice: CaseChangeNotice) => void;

export type CaseChangeHub = {
  subscribe(listener: CaseChangeListener): Promise<() => void>;
  close(): Promise<void>;
};

export function createCaseChangeHub(database: Pick<Database, 'listen'>): CaseChangeHub {
  const listeners = new Set<CaseChangeListener>();
  let stopListening: Promise<() => Promise<void>> | null = null;

  const dispatch = (payload: string) => {
    let notice: CaseChangeNotice;
    try {
      notice = JSON.parse(payload) as CaseChangeNotice;
    } catch {
      return;
    }
    for (const l of listeners) l(notice);
  };

  return {
    async subscribe(listener) {
      stopListening ??= database.listen(caseChangesChannel, dispatch);
      await stopListening;
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
      if (stopListening) await (await stopListening)();
      stopListening = null;
    },
  };
}
