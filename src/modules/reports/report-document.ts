// A dashboard as a document for people who do not open Frontline: the figures of a period against
// the period before, a short written summary (the biggest changes, the standards missed and where
// they fall short most), charts drawn straight into a PDF with pdfkit (no browser needed), and the
// same figures as CSV files.
import PDFDocument from 'pdfkit';
import { DateTime } from 'luxon';
import type { ServiceContext } from '../../lib/context.js';
import { csvCell } from '../../lib/table-export.js';
import { systemActor } from '../auth/permissions.js';
import { computeMetric, type ReportQuery } from './metrics.js';

export type Dashboard = 'operations' | 'service_standards' | 'team_performance' | 'back_office';
export const dashboardTitles: Record<Dashboard, string> = {
  operations: 'Operations',
  service_standards: 'Service standards',
  team_performance: 'Team performance',
  back_office: 'Back office',
};

type Filters = { teamId?: string; channel?: string; categoryId?: string };
type Period = { from: Date; to: Date; label: string };

export type ReportData = {
  title: string;
  period: Period;
  previous: Period;
  headline: { metric: string; label: string; unit: string; now: number | null; before: number | null }[];
  createdByDay: { day: string; created: number }[];
  attainment: {
    target: string;
    label: string;
    percent: number | null;
    cycles: number;
    worstTeam: { team: string; percent: number; cycles: number } | null;
  }[];
  teams: { team: string; created: number; solved: number; firstReplyMinutes: number | null }[];
  summary: string[];
};

const headlineMetrics = [
  { metric: 'created', label: 'Cases created' },
  { metric: 'solved', label: 'Cases solved' },
  { metric: 'backlog', label: 'Open at the end' },
  { metric: 'first_reply_time', label: 'First reply time (mean)' },
  { metric: 'resolution_time', label: 'Resolution time (mean)' },
  { metric: 'reopen_rate', label: 'Reopen rate' },
] as const;

const targets = [
  { target: 'firstReply', label: 'First reply' },
  { target: 'nextReply', label: 'Next reply' },
  { target: 'periodicUpdate', label: 'Periodic update' },
  { target: 'resolution', label: 'Resolution' },
] as const;

/** The period a run at `runAt` reports on: yesterday, the seven days before today, or last month (local). */
export function reportPeriod(
  frequency: 'daily' | 'weekly' | 'monthly',
  runAt: Date,
  timeZone: string,
): { period: Period; previous: Period } {
  const today = DateTime.fromJSDate(runAt, { zone: timeZone }).startOf('day');
  const span =
    frequency === 'daily'
      ? { from: today.minus({ days: 1 }), to: today, back: { days: 1 } }
      : frequency === 'weekly'
        ? { from: today.minus({ days: 7 }), to: today, back: { days: 7 } }
        : { from: today.startOf('month').minus({ months: 1 }), to: today.startOf('month'), back: { months: 1 } };
  const label = (from: DateTime, to: DateTime) =>
    frequency === 'monthly'
      ? from.toFormat('LLLL yyyy')
      : frequency === 'daily'
        ? from.toFormat('cccc d LLLL yyyy')
        : `${from.toFormat('d LLL')} – ${to.minus({ days: 1 }).toFormat('d LLL yyyy')}`;
  const prevFrom = span.from.minus(span.back);
  return {
    period: { from: span.from.toJSDate(), to: span.to.toJSDate(), label: label(span.from, span.to) },
    previous: { from: prevFrom.toJSDate(), to: span.from.toJSDate(), label: label(prevFrom, span.from) },
  };
}

async function total(
  ctx: ServiceContext,
  metric: string,
  p: Period,
  f: Filters,
  tz: string,
  extra: Partial<ReportQuery> = {},
): Promise<{ value: number | null; cases: number }> {
  const r = await computeMetric(
    ctx,
    metric,
    { from: p.from.toISOString(), to: p.to.toISOString(), groupBy: 'total', timeZone: tz, ...f, ...extra },
    systemActor,
  );
  return r.rows[0] ?? { value: metric === 'created' || metric === 'solved' || metric === 'backlog' ? 0 : null, cases: 0 };
}

async function grouped(
  ctx: ServiceContext,
  metric: string,
  p: Period,
  f: Filters,
  tz: string,
  groupBy: ReportQuery['groupBy'],
  extra: Partial<ReportQuery> = {},
) {
  return (
    await computeMetric(
      ctx,
      metric,
      { from: p.from.toISOString(), to: p.to.toISOString(), groupBy, timeZone: tz, ...f, ...extra },
      systemActor,
    )
  ).rows;
}

const unitOf = (metric: string) => (metric.endsWith('_time') ? 'minutes' : metric.endsWith('_rate') ? 'percent' : 'cases');

export function formatValue(unit: string, v: number | null): string {
  if (v === null) return '—';
  if (unit === 'percent') return `${v.toFixed(1)} %`;
  if (unit === 'minutes') return v >= 120 ? `${(v / 60).toFixed(1)} h` : `${Math.round(v)} min`;
  return String(Math.round(v * 100) / 100);
}

/** The written summary: the three biggest relative changes, then each standard below its goal and where. */
export function writeSummary(data: Omit<ReportData, 'summary'>, goalPercent: number): string[] {
  const lines: string[] = [];
  const changes = data.headline
    .filter((h) => h.now !== null && h.before !== null && h.before !== 0 && h.metric !== 'backlog')
    .map((h) => ({ h, rel: (h.now! - h.before!) / Math.abs(h.before!) }))
    .filter((c) => Math.abs(c.rel) >= 0.05)
    .sort((a, b) => Math.abs(b.rel) - Math.abs(a.rel))
    .slice(0, 3);
  const created = data.headline.find((h) => h.metric === 'created');
  lines.push(`${created?.now ?? 0} cases were created in ${data.period.label} (${created?.before ?? 0} in the period before).`);
  for (const { h, rel } of changes)
    lines.push(
      `${h.label} ${rel > 0 ? 'rose' : 'fell'} ${Math.abs(Math.round(rel * 100))} %: ${formatValue(h.unit, h.now)} against ${formatValue(h.unit, h.before)}.`,
    );
  const missed = data.attainment.filter((a) => a.percent !== null && a.percent < goalPercent);
  if (missed.length === 0 && data.attainment.some((a) => a.percent !== null))
    lines.push(`Every service standard met its ${goalPercent} % goal.`);
  for (const a of missed)
    lines.push(
      `${a.label} standard missed: ${a.percent!.toFixed(1)} % on time against a ${goalPercent} % goal (${a.cycles} cases)` +
        (a.worstTeam ? `; lowest in ${a.worstTeam.team} at ${a.worstTeam.percent.toFixed(1)} % (${a.worstTeam.cycles} cases).` : '.'),
    );
  return lines;
}

export async function gatherReport(
  ctx: ServiceContext,
  input: {
    name: string;
    dashboard: Dashboard;
    filters: Filters;
    frequency: 'daily' | 'weekly' | 'monthly';
    timeZone: string;
    goalPercent: number;
  },
  runAt: Date,
): Promise<ReportData> {
  const { period, previous } = reportPeriod(input.frequency, runAt, input.timeZone);
  const tz = input.timeZone;
  const f = input.filters;
  const teamNames = new Map((await ctx.db.selectFrom('teams').select(['id', 'name']).execute()).map((t) => [t.id, t.name]));
  const teamName = (id: string) => (id === 'none' ? 'No team' : (teamNames.get(id) ?? id));
  const headline = [];
  for (const m of headlineMetrics) {
    const now = await total(ctx, m.metric, period, f, tz);
    const before = await total(ctx, m.metric, previous, f, tz);
    headline.push({ metric: m.metric, label: m.label, unit: unitOf(m.metric), now: now.value, before: before.value });
  }
  const createdRows = await grouped(ctx, 'created', period, f, tz, 'day');
  const createdByDay: ReportData['createdByDay'] = [];
  for (let d = DateTime.fromJSDate(period.from, { zone: tz }); d.toJSDate() < period.to; d = d.plus({ days: 1 })) {
    const day = d.toISODate()!;
    createdByDay.push({ day, created: createdRows.find((r) => r.group === day)?.value ?? 0 });
  }
  const attainment: ReportData['attainment'] = [];
  for (const t of targets) {
    const all = await total(ctx, 'sla_attainment', period, f, tz, { target: t.target });
    const byTeam = (await grouped(ctx, 'sla_attainment', period, f, tz, 'team', { target: t.target })).filter(
      (r) => r.value !== null && r.cases >= 3,
    );
    const worst = byTeam.sort((a, b) => a.value! - b.value!)[0];
    attainment.push({
      target: t.target,
      label: t.label,
      percent: all.cases > 0 ? all.value : null,
      cycles: all.cases,
      worstTeam: worst ? { team: teamName(worst.group), percent: worst.value!, cycles: worst.cases } : null,
    });
  }
  const byTeam = async (metric: string) => new Map((await grouped(ctx, metric, period, f, tz, 'team')).map((r) => [r.group, r.value]));
  const created = await byTeam('created');
  const solved = await byTeam('solved');
  const firstReply = await byTeam('first_reply_time');
  const teams = [...new Set([...created.keys(), ...solved.keys()])]
    .map((id) => ({
      team: teamName(id),
      created: created.get(id) ?? 0,
      solved: solved.get(id) ?? 0,
      firstReplyMinutes: firstReply.get(id) ?? null,
    }))
    .sort((a, b) => b.created - a.created);
  const data = {
    title: `${input.name} — ${dashboardTitles[input.dashboard]}`,
    period,
    previous,
    headline,
    createdByDay,
    attainment,
    teams,
  };
  return { ...data, summary: writeSummary(data, input.goalPercent) };
}

// ---------------------------------------------------------------------------------------------
// Files

function csv(rows: (string | number | null)[][]): Buffer {
  return Buffer.from(`\uFEFF${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`, 'utf8');
}

export function reportCsvFiles(data: ReportData): { filename: string; content: Buffer }[] {
  return [
    {
      filename: 'figures.csv',
      content: csv([['figure', 'this period', 'period before'], ...data.headline.map((h) => [h.label, h.now, h.before])]),
    },
    { filename: 'created-by-day.csv', content: csv([['day', 'created'], ...data.createdByDay.map((d) => [d.day, d.created])]) },
    {
      filename: 'sla-attainment.csv',
      content: csv([
        ['target', 'percent on time', 'cases', 'lowest team', 'its percent'],
        ...data.attainment.map((a) => [a.label, a.percent, a.cycles, a.worstTeam?.team ?? null, a.worstTeam?.percent ?? null]),
      ]),
    },
    {
      filename: 'teams.csv',
      content: csv([
        ['team', 'created', 'solved', 'first reply minutes (mean)'],
        ...data.teams.map((t) => [t.team, t.created, t.solved, t.firstReplyMinutes]),
      ]),
    },
  ];
}

function barChart(
  doc: PDFKit.PDFDocument,
  title: string,
  bars: { label: string; value: number }[],
  opts: { max?: number; suffix?: string } = {},
) {
  const left = 60;
  const width = 480;
  const height = 120;
  doc
    .fontSize(11)
    .fillColor('#111')
    .text(title, left, doc.y + 8);
  const top = doc.y + 6;
  const max = opts.max ?? Math.max(1, ...bars.map((b) => b.value));
  const slot = width / Math.max(1, bars.length);
  doc
    .moveTo(left, top + height)
    .lineTo(left + width, top + height)
    .strokeColor('#999')
    .stroke();
  bars.forEach((b, i) => {
    const h = (b.value / max) * height;
    doc.rect(left + i * slot + slot * 0.15, top + height - h, slot * 0.7, h).fill('#228be6');
    doc
      .fillColor('#333')
      .fontSize(7)
      .text(`${Math.round(b.value * 10) / 10}${opts.suffix ?? ''}`, left + i * slot, top + height - h - 10, {
        width: slot,
        align: 'center',
      });
    doc.fontSize(7).text(b.label, left + i * slot, top + height + 3, { width: slot, align: 'center' });
  });
  doc.x = left;
  doc.y = top + height + 22;
}

export function renderReportPdf(data: ReportData): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: data.title } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.fontSize(18).fillColor('#111').text(data.title);
    doc.fontSize(11).fillColor('#555').text(`${data.period.label} (compared with ${data.previous.label})`);
    doc.moveDown();
    doc.fontSize(12).fillColor('#111').text('Summary');
    doc.fontSize(10);
    for (const line of data.summary) doc.text(`• ${line}`, { indent: 8 });
    doc.moveDown();
    doc.fontSize(12).text('Figures');
    doc.fontSize(10);
    for (const h of data.headline) doc.text(`${h.label}: ${formatValue(h.unit, h.now)}   (before: ${formatValue(h.unit, h.before)})`);
    if (data.createdByDay.length > 1)
      barChart(
        doc,
        'Cases created per day',
        data.createdByDay.map((d) => ({ label: d.day.slice(5), value: d.created })),
      );
    barChart(
      doc,
      'SLA attainment per target (% on time)',
      data.attainment.map((a) => ({ label: a.label, value: a.percent ?? 0 })),
      { max: 100, suffix: ' %' },
    );
    if (data.teams.length > 0) {
      doc.fontSize(12).fillColor('#111').text('Teams');
      doc.fontSize(10);
      for (const t of data.teams)
        doc.text(`${t.team}: ${t.created} created, ${t.solved} solved, first reply ${formatValue('minutes', t.firstReplyMinutes)}`);
    }
    doc.end();
  });
}
