// Channel health: is every channel customers use actually working? Each mailbox records its last
// inbound message, its last good send and its run of failed sends, and (with IMAP polling) its
// last good poll and run of failed polls; a worker pass every minute turns that, and the
// channel's usual traffic by hour of week, into a state:
//   down      — 5 or more sends, or 5 or more IMAP polls, in a row failed;
//   degraded  — the latest send or IMAP poll failed (fewer than 5 in a row);
//   silent    — nothing came in for so long that, at the usual rates of those hours, at least
//               `silentExpectedMessages` messages would have arrived (P(no mail) ≈ e^-5 < 1 %);
//   ok        — otherwise.
// A change of state is an event kept for the channel's history and a notification to managers.
import { sql } from 'kysely';
import { DateTime } from 'luxon';
import type { ChannelKind, ChannelState } from '../../db/schema.js';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { inTransaction } from '../../lib/transaction.js';
import { assertPermission, hasPermission, type Actor } from '../auth/permissions.js';
import { notifyUsers } from '../notifications/notifications.service.js';

export const downAfterErrors = 5;
export const silentExpectedMessages = 5;
/** Weeks of history the usual traffic is averaged over. */
export const usualTrafficWeeks = 8;
/** Less history than this and "usual" means nothing yet: a channel is never called silent. */
const minHistoryDays = 14;

const hourMs = 3_600_000;

async function ensureRow(db: Tx, kind: ChannelKind, id: string, at: Date): Promise<void> {
  await db
    .insertInto('channel_health')
    .values({ channel_kind: kind, channel_id: id, state_since: at })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function recordInbound(db: Tx, kind: ChannelKind, id: string, at: Date): Promise<void> {
  await ensureRow(db, kind, id, at);
  await db
    .updateTable('channel_health')
    .set({ last_inbound_at: at })
    .where('channel_kind', '=', kind)
    .where('channel_id', '=', id)
    .where((eb) => eb.or([eb('last_inbound_at', 'is', null), eb('last_inbound_at', '<', at)]))
    .execute();
}

export async function recordSend(db: Tx, kind: ChannelKind, id: string, at: Date, error: string | null): Promise<void> {
  await ensureRow(db, kind, id, at);
  await db
    .updateTable('channel_health')
    .set((eb) =>
      error === null
        ? { last_send_ok_at: at, consecutive_errors: 0 }
        : { last_error_at: at, last_error: error.slice(0, 1000), consecutive_errors: eb('consecutive_errors', '+', 1) },
    )
    .where('channel_kind', '=', kind)
    .where('channel_id', '=', id)
    .execute();
}

/** One IMAP poll of a mailbox: a success ends the run of failures, a failure lengthens it. */
export async function recordPoll(db: Tx, kind: ChannelKind, id: string, at: Date, error: string | null): Promise<void> {
  await ensureRow(db, kind, id, at);
  await db
    .updateTable('channel_health')
    .set((eb) =>
      error === null
        ? { last_poll_ok_at: at, consecutive_poll_errors: 0 }
        : { last_poll_error_at: at, last_poll_error: error.slice(0, 1000), consecutive_poll_errors: eb('consecutive_poll_errors', '+', 1) },
    )
    .where('channel_kind', '=', kind)
    .where('channel_id', '=', id)
    .execute();
}

/**
 * Mean inbound messages per hour for each hour of the week (168 values, Monday 00:00 first), in
 * `timeZone`, over the weeks before today.
 */
export async function usualTraffic(
  db: Tx,
  mailboxId: string,
  now: Date,
  timeZone: string,
): Promise<{ perHour: number[]; historyDays: number }> {
  // Up to the start of today: a silence going on today must not lower what counts as usual.
  const until = DateTime.fromJSDate(now, { zone: timeZone }).startOf('day').toJSDate();
  const since = new Date(until.getTime() - usualTrafficWeeks * 7 * 24 * hourMs);
  const rows = await sql<{ how: number; n: string; first: Date | null }>`
    select ((extract(isodow from received_at at time zone ${timeZone}) - 1) * 24 + extract(hour from received_at at time zone ${timeZone}))::int as how,
           count(*)::bigint as n, min(received_at) as first
    from email_messages
    where mailbox_id = ${mailboxId} and direction = 'inbound' and received_at >= ${since} and received_at < ${until}
    group by 1`.execute(db);
  const first = rows.rows.reduce<number | null>((m, r) => (r.first && (m === null || r.first.getTime() < m) ? r.first.getTime() : m), null);
  const historyDays = first === null ? 0 : (until.getTime() - first) / (24 * hourMs);
  // How many times each hour of the week occurred in the history (from the local day of the first
  // message): the divisor of its count.
  const occurrences = Array.from({ length: 168 }, () => 0);
  if (first !== null) {
    let t = DateTime.fromMillis(Math.max(first, since.getTime()), { zone: timeZone }).startOf('day');
    const end = DateTime.fromJSDate(until, { zone: timeZone });
    for (let i = 0; i < usualTrafficWeeks * 168 + 48 && t < end; i++, t = t.plus({ hours: 1 }))
      occurrences[(t.weekday - 1) * 24 + t.hour]! += 1;
  }
  const perHour = Array.from({ length: 168 }, () => 0);
  for (const r of rows.rows) perHour[r.how] = Number(r.n) / Math.max(1, occurrences[r.how]!);
  return { perHour, historyDays };
}

/** Messages expected between `from` and `to` at the usual rates, hour by hour (partial hours pro rata). */
export function expectedArrivals(perHour: readonly number[], from: Date, to: Date, timeZone: string): number {
  let total = 0;
  let t = DateTime.fromJSDate(from, { zone: timeZone });
  const end = DateTime.fromJSDate(to, { zone: timeZone });
  for (let i = 0; i < 24 * 7 * usualTrafficWeeks && t < end; i++) {
    const hourEnd = t.startOf('hour').plus({ hours: 1 });
    const sliceEnd = hourEnd < end ? hourEnd : end;
    const fraction = sliceEnd.diff(t).as('milliseconds') / hourMs;
    total += perHour[(t.weekday - 1) * 24 + t.hour]! * fraction;
    t = sliceEnd;
  }
  return total;
}

export type HealthFacts = {
  consecutiveErrors: number;
  /** Failed IMAP polls in a row, and the latest one's error (mailboxes polled over IMAP). */
  consecutivePollErrors?: number;
  lastPollError?: string | null;
  lastInboundAt: Date | null;
  expectedSinceInbound: number | null;
  since: Date;
};

function pollFailure(f: HealthFacts): string {
  const n = f.consecutivePollErrors ?? 0;
  const what = n === 1 ? 'the last IMAP poll failed' : `${n} IMAP polls in a row failed`;
  return f.lastPollError ? `${what}: ${f.lastPollError.slice(0, 200)}` : what;
}

export function decideState(f: HealthFacts): { state: ChannelState; reason: string | null } {
  const pollErrors = f.consecutivePollErrors ?? 0;
  if (f.consecutiveErrors >= downAfterErrors) return { state: 'down', reason: `${f.consecutiveErrors} sends in a row failed` };
  if (pollErrors >= downAfterErrors) return { state: 'down', reason: pollFailure(f) };
  if (f.consecutiveErrors > 0)
    return { state: 'degraded', reason: `the last ${f.consecutiveErrors === 1 ? 'send' : `${f.consecutiveErrors} sends`} failed` };
  if (pollErrors > 0) return { state: 'degraded', reason: pollFailure(f) };
  if (f.expectedSinceInbound !== null && f.expectedSinceInbound >= silentExpectedMessages)
    return {
      state: 'silent',
      reason: `no mail since ${(f.lastInboundAt ?? f.since).toISOString()}; about ${Math.round(f.expectedSinceInbound)} would usually have arrived`,
    };
  return { state: 'ok', reason: null };
}

async function managerIds(db: Tx): Promise<string[]> {
  return (await db.selectFrom('users').select('id').where('role', 'in', ['manager', 'admin']).where('active', '=', true).execute()).map(
    (u) => u.id,
  );
}

/** One pass over every active mailbox: recompute each state and record the changes. */
export async function checkChannelHealth(ctx: ServiceContext): Promise<{ checked: number; changed: number }> {
  const now = ctx.clock.now();
  const mailboxes = await ctx.db.selectFrom('mailboxes').select(['id', 'name', 'created_at']).where('active', '=', true).execute();
  let changed = 0;
  for (const mb of mailboxes) {
    await ensureRow(ctx.db, 'mailbox', mb.id, now);
    const row = await ctx.db
      .selectFrom('channel_health')
      .selectAll()
      .where('channel_kind', '=', 'mailbox')
      .where('channel_id', '=', mb.id)
      .executeTakeFirstOrThrow();
    const traffic = await usualTraffic(ctx.db, mb.id, now, ctx.config.timeZone);
    const silentFrom = row.last_inbound_at ?? mb.created_at;
    const expected = traffic.historyDays >= minHistoryDays ? expectedArrivals(traffic.perHour, silentFrom, now, ctx.config.timeZone) : null;
    const next = decideState({
      consecutiveErrors: row.consecutive_errors,
      consecutivePollErrors: row.consecutive_poll_errors,
      lastPollError: row.last_poll_error,
      lastInboundAt: row.last_inbound_at,
      expectedSinceInbound: expected,
      since: silentFrom,
    });
    const stateChanged = next.state !== row.state;
    await inTransaction(ctx.db, async (trx) => {
      // Only the pass that moves the state (the row still holds the old one) records the change.
      const moved = await trx
        .updateTable('channel_health')
        .set({ state: next.state, reason: next.reason, checked_at: now, ...(stateChanged ? { state_since: now } : {}) })
        .where('channel_kind', '=', 'mailbox')
        .where('channel_id', '=', mb.id)
        .where('state', '=', row.state)
        .executeTakeFirst();
      if (!stateChanged || Number(moved.numUpdatedRows) === 0) return;
      changed++;
      await trx
        .insertInto('channel_health_events')
        .values({ channel_kind: 'mailbox', channel_id: mb.id, from_state: row.state, to_state: next.state, reason: next.reason, at: now })
        .execute();
      await notifyUsers(trx, await managerIds(trx), {
        kind: 'channel_state',
        caseId: null,
        title: `Mailbox ${mb.name} is ${next.state}${next.reason ? `: ${next.reason}` : ''}`,
        data: { channelKind: 'mailbox', channelId: mb.id, from: row.state, to: next.state },
        at: now,
      });
    });
  }
  return { checked: mailboxes.length, changed };
}

export type ChannelHealthView = {
  kind: ChannelKind;
  id: string;
  name: string;
  address: string | null;
  state: ChannelState;
  stateSince: string;
  reason: string | null;
  lastInboundAt: string | null;
  lastSendOkAt: string | null;
  lastErrorAt: string | null;
  lastError: string | null;
  consecutiveErrors: number;
  lastPollOkAt: string | null;
  lastPollErrorAt: string | null;
  lastPollError: string | null;
  consecutivePollErrors: number;
  checkedAt: string | null;
  /** Mean inbound messages per hour for each hour of the week, Monday 00:00 first (168 values). */
  usualPerHour: number[];
};

function assertCanRead(actor: Actor): void {
  if (!hasPermission(actor, 'channels.manage')) assertPermission(actor, 'reports.read');
}

export async function listChannelHealth(ctx: ServiceContext, actor: Actor): Promise<ChannelHealthView[]> {
  assertCanRead(actor);
  const now = ctx.clock.now();
  const rows = await ctx.db
    .selectFrom('mailboxes as mb')
    .leftJoin('channel_health as h', (j) => j.onRef('h.channel_id', '=', 'mb.id').on('h.channel_kind', '=', 'mailbox'))
    .select([
      'mb.id',
      'mb.name',
      'mb.address',
      'mb.created_at',
      'h.state',
      'h.state_since',
      'h.reason',
      'h.last_inbound_at',
      'h.last_send_ok_at',
      'h.last_error_at',
      'h.last_error',
      'h.consecutive_errors',
      'h.last_poll_ok_at',
      'h.last_poll_error_at',
      'h.last_poll_error',
      'h.consecutive_poll_errors',
      'h.checked_at',
    ])
    .where('mb.active', '=', true)
    .orderBy('mb.name')
    .execute();
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  const out: ChannelHealthView[] = [];
  for (const r of rows) {
    const traffic = await usualTraffic(ctx.db, r.id, now, ctx.config.timeZone);
    out.push({
      kind: 'mailbox',
      id: r.id,
      name: r.name,
      address: r.address,
      state: r.state ?? 'ok',
      stateSince: (r.state_since ?? r.created_at).toISOString(),
      reason: r.reason,
      lastInboundAt: iso(r.last_inbound_at),
      lastSendOkAt: iso(r.last_send_ok_at),
      lastErrorAt: iso(r.last_error_at),
      lastError: r.last_error,
      consecutiveErrors: r.consecutive_errors ?? 0,
      lastPollOkAt: iso(r.last_poll_ok_at),
      lastPollErrorAt: iso(r.last_poll_error_at),
      lastPollError: r.last_poll_error,
      consecutivePollErrors: r.consecutive_poll_errors ?? 0,
      checkedAt: iso(r.checked_at),
      usualPerHour: traffic.perHour.map((v) => Math.round(v * 100) / 100),
    });
  }
  return out;
}

export async function listChannelEvents(ctx: ServiceContext, kind: ChannelKind, id: string, actor: Actor) {
  assertCanRead(actor);
  const exists = await ctx.db.selectFrom('mailboxes').select('id').where('id', '=', id).executeTakeFirst();
  if (kind !== 'mailbox' || !exists) throw new AppError('not_found', `channel ${kind}/${id} does not exist`);
  const rows = await ctx.db
    .selectFrom('channel_health_events')
    .selectAll()
    .where('channel_kind', '=', kind)
    .where('channel_id', '=', id)
    .orderBy('id', 'desc')
    .limit(200)
    .execute();
  return rows.map((r) => ({ from: r.from_state, to: r.to_state, reason: r.reason, at: r.at.toISOString() }));
}
