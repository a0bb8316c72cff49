// Channel health: is every channel customers use actually working? Each mailbox records its last
// inbound message, its last good send and its run of failed sends, and (with IMAP polling) its
// last good poll and run of failed polls; each web form records its last submission (a form sends
// nothing itself: its confirmations go out, and count, on its mailbox). A worker pass every minute
// turns that, and the channel's usual traffic by hour of week, into a state:
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

/** What a channel takes in, one row per message or submission, as `at`. */
function inboundTimes(channel: ChannelRef) {
  return channel.kind === 'mailbox'
    ? sql`select received_at as at from email_messages where mailbox_id = ${channel.id} and direction = 'inbound'`
    : sql`select submitted_at as at from form_submissions where form_id = ${channel.id}`;
}

export type ChannelRef = { kind: ChannelKind; id: string };

/**
 * Mean inbound messages (a form: submissions) per hour for each hour of the week (168 values,
 * Monday 00:00 first), in `timeZone`, over the weeks before today.
 */
export async function usualTraffic(
  db: Tx,
  channel: ChannelRef,
  now: Date,
  timeZone: string,
): Promise<{ perHour: number[]; historyDays: number }> {
  // Up to the start of today: a silence going on today must not lower what counts as usual.
  const until = DateTime.fromJSDate(now, { zone: timeZone }).startOf('day').toJSDate();
  const since = new Date(until.getTime() - usualTrafficWeeks * 7 * 24 * hourMs);
  const rows = await sql<{ how: number; n: string; first: Date | null }>`
    select ((extract(isodow from at at time zone ${timeZone}) - 1) * 24 + extract(hour from at at time zone ${timeZone}))::int as how,
           count(*)::bigint as n, min(at) as first
    from (${inboundTimes(channel)}) as inbound
    where at >= ${since} and at < ${until}
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
  /** What the channel takes in, for the reason of a silence: "mail" (default) or "submission". */
  inboundNoun?: string;
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
      reason: `no ${f.inboundNoun ?? 'mail'} since ${(f.lastInboundAt ?? f.since).toISOString()}; about ${Math.round(f.expectedSinceInbound)} would usually have arrived`,
    };
  return { state: 'ok', reason: null };
}

async function managerIds(db: Tx): Promise<string[]> {
  return (await db.selectFrom('users').select('id').where('role', 'in', ['manager', 'admin']).where('active', '=', true).execute()).map(
    (u) => u.id,
  );
}

type Channel = ChannelRef & { name: string; address: string | null; createdAt: Date };

const kindLabel: Record<ChannelKind, string> = { mailbox: 'Mailbox', form: 'Form' };

/** Every active channel: the mailboxes, then the web forms, each by name. */
async function activeChannels(ctx: ServiceContext): Promise<Channel[]> {
  const mailboxes = await ctx.db
    .selectFrom('mailboxes')
    .select(['id', 'name', 'address', 'created_at'])
    .where('active', '=', true)
    .orderBy('name')
    .orderBy('id')
    .execute();
  const forms = await ctx.db
    .selectFrom('forms')
    .select(['id', 'name', 'slug', 'created_at'])
    .where('active', '=', true)
    .orderBy('name')
    .orderBy('id')
    .execute();
  return [
    ...mailboxes.map((m) => ({ kind: 'mailbox' as const, id: m.id, name: m.name, address: m.address, createdAt: m.created_at })),
    ...forms.map((f) => ({
      kind: 'form' as const,
      id: f.id,
      name: f.name,
      address: `${ctx.config.publicUrl}/forms/${f.slug}`,
      createdAt: f.created_at,
    })),
  ];
}

function healthRow(db: Tx, channel: ChannelRef) {
  return db
    .selectFrom('channel_health')
    .selectAll()
    .where('channel_kind', '=', channel.kind)
    .where('channel_id', '=', channel.id)
    .executeTakeFirst();
}

/** One pass over every active channel: recompute each state and record the changes. */
export async function checkChannelHealth(ctx: ServiceContext): Promise<{ checked: number; changed: number }> {
  const now = ctx.clock.now();
  const channels = await activeChannels(ctx);
  let changed = 0;
  for (const ch of channels) {
    await ensureRow(ctx.db, ch.kind, ch.id, now);
    const row = (await healthRow(ctx.db, ch))!;
    const traffic = await usualTraffic(ctx.db, ch, now, ctx.config.timeZone);
    const silentFrom = row.last_inbound_at ?? ch.createdAt;
    const expected = traffic.historyDays >= minHistoryDays ? expectedArrivals(traffic.perHour, silentFrom, now, ctx.config.timeZone) : null;
    const next = decideState({
      consecutiveErrors: row.consecutive_errors,
      consecutivePollErrors: row.consecutive_poll_errors,
      lastPollError: row.last_poll_error,
      lastInboundAt: row.last_inbound_at,
      expectedSinceInbound: expected,
      since: silentFrom,
      inboundNoun: ch.kind === 'form' ? 'submission' : 'mail',
    });
    const stateChanged = next.state !== row.state;
    await inTransaction(ctx.db, async (trx) => {
      // Only the pass that moves the state (the row still holds the old one) records the change.
      const moved = await trx
        .updateTable('channel_health')
        .set({ state: next.state, reason: next.reason, checked_at: now, ...(stateChanged ? { state_since: now } : {}) })
        .where('channel_kind', '=', ch.kind)
        .where('channel_id', '=', ch.id)
        .where('state', '=', row.state)
        .executeTakeFirst();
      if (!stateChanged || Number(moved.numUpdatedRows) === 0) return;
      changed++;
      await trx
        .insertInto('channel_health_events')
        .values({ channel_kind: ch.kind, channel_id: ch.id, from_state: row.state, to_state: next.state, reason: next.reason, at: now })
        .execute();
      await notifyUsers(trx, await managerIds(trx), {
        kind: 'channel_state',
        caseId: null,
        title: `${kindLabel[ch.kind]} ${ch.name} is ${next.state}${next.reason ? `: ${next.reason}` : ''}`,
        data: { channelKind: ch.kind, channelId: ch.id, from: row.state, to: next.state },
        at: now,
      });
    });
  }
  return { checked: channels.length, changed };
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
  const channels = await activeChannels(ctx);
  const rows = await ctx.db.selectFrom('channel_health').selectAll().execute();
  const rowOf = new Map(rows.map((r) => [`${r.channel_kind}:${r.channel_id}`, r]));
  const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
  const out: ChannelHealthView[] = [];
  for (const ch of channels) {
    const r = rowOf.get(`${ch.kind}:${ch.id}`);
    const traffic = await usualTraffic(ctx.db, ch, now, ctx.config.timeZone);
    out.push({
      kind: ch.kind,
      id: ch.id,
      name: ch.name,
      address: ch.address,
      state: r?.state ?? 'ok',
      stateSince: (r?.state_since ?? ch.createdAt).toISOString(),
      reason: r?.reason ?? null,
      lastInboundAt: iso(r?.last_inbound_at),
      lastSendOkAt: iso(r?.last_send_ok_at),
      lastErrorAt: iso(r?.last_error_at),
      lastError: r?.last_error ?? null,
      consecutiveErrors: r?.consecutive_errors ?? 0,
      lastPollOkAt: iso(r?.last_poll_ok_at),
      lastPollErrorAt: iso(r?.last_poll_error_at),
      lastPollError: r?.last_poll_error ?? null,
      consecutivePollErrors: r?.consecutive_poll_errors ?? 0,
      checkedAt: iso(r?.checked_at),
      usualPerHour: traffic.perHour.map((v) => Math.round(v * 100) / 100),
    });
  }
  return out;
}

async function channelExists(db: Tx, kind: ChannelKind, id: string): Promise<boolean> {
  const row =
    kind === 'mailbox'
      ? await db.selectFrom('mailboxes').select('id').where('id', '=', id).executeTakeFirst()
      : await db.selectFrom('forms').select('id').where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}

export async function listChannelEvents(ctx: ServiceContext, kind: ChannelKind, id: string, actor: Actor) {
  assertCanRead(actor);
  if (!(await channelExists(ctx.db, kind, id))) throw new AppError('not_found', `channel ${kind}/${id} does not exist`);
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
