// Scheduled reports: a dashboard with its filters, sent daily, weekly or monthly at a local hour to
// recipients, as an email with a PDF (charts and a written summary) and CSV files, through the
// email outbox. Each due schedule is claimed with SKIP LOCKED and moved to its next run in the
// same transaction that queues the emails, so a report goes out once per period however many
// workers run.
import { DateTime } from 'luxon';
import type { Selectable } from 'kysely';
import type { ReportSchedulesTable } from '../../db/schema.js';
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { createDirectoryFileStore } from '../../lib/file-store.js';
import { inTransaction } from '../../lib/transaction.js';
import { assertPermission, hasPermission, type Actor } from '../auth/permissions.js';
import { newMessageId } from '../email/outbound.js';
import { gatherReport, renderReportPdf, reportCsvFiles, type Dashboard } from './report-document.js';

type ScheduleRow = Selectable<ReportSchedulesTable>;
export type Frequency = 'daily' | 'weekly' | 'monthly';

export type ScheduleInput = {
  name: string;
  dashboard: Dashboard;
  filters?: { teamId?: string; channel?: string; categoryId?: string };
  frequency: Frequency;
  hour: number;
  weekday?: number | null;
  dayOfMonth?: number | null;
  timeZone: string;
  recipients: string[];
  goalPercent?: number;
  active?: boolean;
};

/** The first run strictly after `after`: the local hour on the day (weekday / day of month) it asks for. */
export function nextRunAt(
  s: { frequency: Frequency; hour: number; weekday: number | null; day_of_month: number | null; time_zone: string },
  after: Date,
): Date {
  let t = DateTime.fromJSDate(after, { zone: s.time_zone }).startOf('hour');
  for (let i = 0; i < 24 * 62; i++) {
    t = t.plus({ hours: 1 });
    if (t.hour !== s.hour) continue;
    if (s.frequency === 'weekly' && t.weekday !== (s.weekday ?? 1)) continue;
    if (s.frequency === 'monthly' && t.day !== (s.day_of_month ?? 1)) continue;
    if (t.toJSDate() > after) return t.toJSDate();
  }
  throw new AppError('internal', 'no next run found for the schedule');
}

export type ScheduleView = {
  id: string;
  name: string;
  ownerId: string | null;
  dashboard: Dashboard;
  filters: Record<string, string>;
  frequency: Frequency;
  hour: number;
  weekday: number | null;
  dayOfMonth: number | null;
  timeZone: string;
  recipients: string[];
  goalPercent: number;
  active: boolean;
  nextRunAt: string;
  lastRunAt: string | null;
  lastError: string | null;
};

function toView(r: ScheduleRow): ScheduleView {
  return {
    id: r.id,
    name: r.name,
    ownerId: r.owner_id,
    dashboard: r.dashboard,
    filters: r.filters,
    frequency: r.frequency,
    hour: r.hour,
    weekday: r.weekday,
    dayOfMonth: r.day_of_month,
    timeZone: r.time_zone,
    recipients: r.recipients,
    goalPercent: r.goal_percent,
    active: r.active,
    nextRunAt: r.next_run_at.toISOString(),
    lastRunAt: r.last_run_at?.toISOString() ?? null,
    lastError: r.last_error,
  };
}

/** Managers and admins see every schedule; other report readers their own. */
async function findSchedule(db: Tx, id: string, actor: Actor): Promise<ScheduleRow> {
  const row = await db.selectFrom('report_schedules').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || (!hasPermission(actor, 'cases.read_all') && row.owner_id !== actor.userId))
    throw new AppError('not_found', `report schedule ${id} does not exist`);
  return row;
}

function normalise(input: ScheduleInput) {
  if (input.frequency === 'weekly' && !input.weekday)
    throw new AppError('validation_failed', 'weekday: a weekly report needs a weekday (1 = Monday)', { field: 'weekday' });
  if (input.frequency === 'monthly' && !input.dayOfMonth)
    throw new AppError('validation_failed', 'dayOfMonth: a monthly report needs a day of the month (1–28)', { field: 'dayOfMonth' });
  return {
    weekday: input.frequency === 'weekly' ? (input.weekday ?? null) : null,
    day_of_month: input.frequency === 'monthly' ? (input.dayOfMonth ?? null) : null,
    recipients: [...new Set(input.recipients.map((r) => r.trim().toLowerCase()))],
  };
}

export async function listSchedules(ctx: ServiceContext, actor: Actor): Promise<ScheduleView[]> {
  assertPermission(actor, 'reports.read');
  let q = ctx.db.selectFrom('report_schedules').selectAll().orderBy('name');
  if (!hasPermission(actor, 'cases.read_all')) q = q.where('owner_id', '=', actor.userId);
  return (await q.execute()).map(toView);
}

export async function createSchedule(ctx: ServiceContext, input: ScheduleInput, actor: Actor): Promise<ScheduleView> {
  assertPermission(actor, 'reports.read');
  const n = normalise(input);
  const at = ctx.clock.now();
  const row = await ctx.db
    .insertInto('report_schedules')
    .values({
      name: input.name.trim(),
      owner_id: actor.via === 'system' ? null : actor.userId,
      dashboard: input.dashboard,
      filters: JSON.stringify(input.filters ?? {}),
      frequency: input.frequency,
      hour: input.hour,
      ...n,
      time_zone: input.timeZone,
      goal_percent: input.goalPercent ?? 90,
      active: input.active ?? true,
      next_run_at: nextRunAt(
        { frequency: input.frequency, hour: input.hour, weekday: n.weekday, day_of_month: n.day_of_month, time_zone: input.timeZone },
        at,
      ),
      created_at: at,
      updated_at: at,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toView(row);
}

export async function updateSchedule(
  ctx: ServiceContext,
  id: string,
  changes: Partial<ScheduleInput>,
  actor: Actor,
): Promise<ScheduleView> {
  assertPermission(actor, 'reports.read');
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const cur = toView(await findSchedule(trx, id, actor));
    const next: ScheduleInput = {
      name: changes.name ?? cur.name,
      dashboard: changes.dashboard ?? cur.dashboard,
      filters: changes.filters ?? cur.filters,
      frequency: changes.frequency ?? cur.frequency,
      hour: changes.hour ?? cur.hour,
      weekday: changes.weekday !== undefined ? changes.weekday : cur.weekday,
      dayOfMonth: changes.dayOfMonth !== undefined ? changes.dayOfMonth : cur.dayOfMonth,
      timeZone: changes.timeZone ?? cur.timeZone,
      recipients: changes.recipients ?? cur.recipients,
      goalPercent: changes.goalPercent ?? cur.goalPercent,
      active: changes.active ?? cur.active,
    };
    const n = normalise(next);
    const row = await trx
      .updateTable('report_schedules')
      .set({
        name: next.name.trim(),
        dashboard: next.dashboard,
        filters: JSON.stringify(next.filters ?? {}),
        frequency: next.frequency,
        hour: next.hour,
        ...n,
        time_zone: next.timeZone,
        goal_percent: next.goalPercent ?? 90,
        active: next.active ?? true,
        next_run_at: nextRunAt(
          { frequency: next.frequency, hour: next.hour, weekday: n.weekday, day_of_month: n.day_of_month, time_zone: next.timeZone },
          at,
        ),
        updated_at: at,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toView(row);
  });
}

export async function deleteSchedule(ctx: ServiceContext, id: string, actor: Actor): Promise<void> {
  assertPermission(actor, 'reports.read');
  await findSchedule(ctx.db, id, actor);
  await ctx.db.deleteFrom('report_schedules').where('id', '=', id).execute();
}

/** The PDF a run now would send (for the settings page's preview). */
export async function previewSchedulePdf(ctx: ServiceContext, id: string, actor: Actor): Promise<Buffer> {
  assertPermission(actor, 'reports.read');
  const s = await findSchedule(ctx.db, id, actor);
  return renderReportPdf(await gatherReport(ctx, inputOf(s), ctx.clock.now()));
}

function inputOf(s: ScheduleRow) {
  return {
    name: s.name,
    dashboard: s.dashboard,
    filters: s.filters,
    frequency: s.frequency,
    timeZone: s.time_zone,
    goalPercent: s.goal_percent,
  };
}

/** Builds one run's files and queues one email per recipient, in the caller's transaction. */
async function queueReport(ctx: ServiceContext, trx: Tx, s: ScheduleRow, runAt: Date): Promise<number> {
  const mailbox =
    (await trx
      .selectFrom('mailboxes')
      .select(['id', 'address'])
      .where('notify_staff', '=', true)
      .where('active', '=', true)
      .orderBy('created_at')
      .executeTakeFirst()) ??
    (await trx
      .selectFrom('mailboxes')
      .select(['id', 'address'])
      .where('active', '=', true)
      .where('smtp_settings', 'is not', null)
      .orderBy('created_at')
      .executeTakeFirst());
  if (!mailbox) throw new AppError('unavailable', 'no active mailbox can send reports: mark one with notifyStaff');
  const data = await gatherReport({ ...ctx, db: trx as ServiceContext['db'] }, inputOf(s), runAt);
  const store = createDirectoryFileStore(ctx.config.filesDir);
  const pdf = await store.put(await renderReportPdf(data));
  const files = [{ filename: `${data.period.label.replace(/[^\w-]+/g, '-')}.pdf`, contentType: 'application/pdf', storageKey: pdf.key }];
  for (const f of reportCsvFiles(data))
    files.push({ filename: f.filename, contentType: 'text/csv', storageKey: (await store.put(f.content)).key });
  const body = [
    `${data.title}: ${data.period.label}`,
    '',
    ...data.summary,
    '',
    'The PDF has the figures and charts; the CSV files hold the same figures.',
  ].join('\n');
  for (const to of s.recipients)
    await trx
      .insertInto('email_outbox')
      .values({
        kind: 'report',
        case_id: null,
        case_message_id: null,
        mailbox_id: mailbox.id,
        from_address: mailbox.address,
        to_address: to,
        subject: `[Frontline] ${data.title}: ${data.period.label}`,
        body_text: body,
        body_html: null,
        message_id: newMessageId(mailbox.address),
        in_reply_to: null,
        reference_ids: [],
        attachments: JSON.stringify(files),
        next_attempt_at: runAt,
        created_at: runAt,
        updated_at: runAt,
      })
      .execute();
  return s.recipients.length;
}

/** The worker's pass: every due schedule is claimed, moved to its next run, and its emails queued. */
export async function runDueReports(ctx: ServiceContext, batch = 10): Promise<{ reports: number; emails: number; failed: number }> {
  const now = ctx.clock.now();
  const result = { reports: 0, emails: 0, failed: 0 };
  await inTransaction(ctx.db, async (trx) => {
    const due = await trx
      .selectFrom('report_schedules')
      .selectAll()
      .where('active', '=', true)
      .where('next_run_at', '<=', now)
      .orderBy('next_run_at')
      .limit(batch)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const s of due) {
      const next = nextRunAt(s, now);
      try {
        result.emails += await queueReport(ctx, trx, s, s.next_run_at);
        result.reports++;
        await trx
          .updateTable('report_schedules')
          .set({ next_run_at: next, last_run_at: now, last_error: null })
          .where('id', '=', s.id)
          .execute();
      } catch (err) {
        // A report that cannot be built now is skipped to its next run, with the reason shown.
        result.failed++;
        await trx
          .updateTable('report_schedules')
          .set({ next_run_at: next, last_error: (err as Error).message })
          .where('id', '=', s.id)
          .execute();
      }
    }
  });
  return result;
}

/** Sends the report for the latest period now, outside the schedule (e.g. to check it). */
export async function sendScheduleNow(ctx: ServiceContext, id: string, actor: Actor): Promise<{ emails: number }> {
  assertPermission(actor, 'reports.read');
  return inTransaction(ctx.db, async (trx) => ({
    emails: await queueReport(ctx, trx, await findSchedule(trx, id, actor), ctx.clock.now()),
  }));
}
