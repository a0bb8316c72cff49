// The case event log: every change to a case writes one row here, in the change's transaction.
// It is the audit trail shown on the case and the source that metrics are computed from.
import { sql } from 'kysely';
import type { Tx } from '../../lib/context.js';
import type { Actor } from '../auth/permissions.js';

export type CaseEventKind =
  | 'created'
  | 'status_changed'
  | 'priority_changed'
  | 'type_changed'
  | 'subject_changed'
  | 'category_changed'
  | 'tags_changed'
  | 'assignment_changed'
  | 'custom_fields_changed'
  | 'customer_message'
  | 'public_reply'
  | 'internal_note'
  | 'reopened'
  | 'follow_up_created'
  | 'follower_added'
  | 'follower_removed'
  | 'linked'
  | 'unlinked'
  | 'merged'
  | 'merged_into'
  | 'auto_closed'
  | 'macro_applied'
  | 'requester_changed'
  | 'automated_message'
  | 'sla_policy_changed'
  | 'sla_warning'
  | 'sla_breached'
  | 'escalated'
  | 'email_send_failed'
  | 'email_send_retried'
  | 'department_request_created'
  | 'department_request_clarification'
  | 'department_request_clarified'
  | 'department_request_assigned'
  | 'department_request_answered'
  | 'department_request_declined'
  | 'department_request_cancelled'
  | 'department_request_escalated';

export type EventActor = { kind: 'user'; userId: string } | { kind: 'customer'; customerId: string } | { kind: 'system' };

export function eventActorOf(actor: Actor): EventActor {
  return actor.via === 'system' ? { kind: 'system' } : { kind: 'user', userId: actor.userId };
}

export type NewCaseEvent = { caseId: string; actor: EventActor; kind: CaseEventKind; before?: unknown; after?: unknown; at: Date };

export async function appendCaseEvent(trx: Tx, event: NewCaseEvent): Promise<void> {
  await appendCaseEvents(trx, [event]);
}

/**
 * Several events in one statement; ids follow the array order, so each case's events keep theirs.
 * Columns go as arrays: the statement's text is the same for any number of events, which spares
 * building (and PostgreSQL parsing) a VALUES list of eight parameters per event.
 */
export async function appendCaseEvents(trx: Tx, events: readonly NewCaseEvent[]): Promise<void> {
  if (events.length === 0) return;
  const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
  await sql`insert into case_events (case_id, actor_kind, actor_user_id, actor_customer_id, kind, before, after, at)
    select case_id, actor_kind, actor_user_id, actor_customer_id, kind, before, after, at
    from unnest(${events.map((e) => e.caseId)}::uuid[], ${events.map((e) => e.actor.kind)}::text[],
                ${events.map((e) => (e.actor.kind === 'user' ? e.actor.userId : null))}::uuid[],
                ${events.map((e) => (e.actor.kind === 'customer' ? e.actor.customerId : null))}::uuid[],
                ${events.map((e) => e.kind)}::text[], ${events.map((e) => json(e.before))}::jsonb[],
                ${events.map((e) => json(e.after))}::jsonb[], ${events.map((e) => e.at.toISOString())}::timestamptz[])
      with ordinality as e(case_id, actor_kind, actor_user_id, actor_customer_id, kind, before, after, at, position)
    order by position`.execute(trx);
}

export const caseChangesChannel = 'frontline_case_changes';

export type CaseChangeNotice = {
  caseId: string;
  number: string;
  version: number;
  teamId: string | null;
  assigneeId: string | null;
  kind: string;
};

/** Announces a change to other instances and live pages; PostgreSQL delivers it on commit only. */
export async function notifyCaseChange(trx: Tx, notice: CaseChangeNotice): Promise<void> {
  await notifyCaseChanges(trx, [notice]);
}

/** Several notices in one statement (a batch of new cases). */
export async function notifyCaseChanges(trx: Tx, notices: readonly CaseChangeNotice[]): Promise<void> {
  if (notices.length === 1) {
    await sql`select pg_notify(${caseChangesChannel}, ${JSON.stringify(notices[0])})`.execute(trx);
  } else if (notices.length > 1) {
    const payloads = notices.map((n) => JSON.stringify(n));
    await sql`select pg_notify(${caseChangesChannel}, p) from unnest(${payloads}::text[]) with ordinality as t(p, i) order by i`.execute(
      trx,
    );
  }
}
