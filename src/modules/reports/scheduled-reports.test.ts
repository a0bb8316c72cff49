// Scheduled reports: next runs in local time (DST included), the summary's wording from figures,
// and a weekly report that arrives at a real SMTP server as an email with a PDF and CSV files,
// once per period however many passes run.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestMailbox } from '../../../test/email-helpers.js';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';
import { startSmtpSink, type SmtpSink } from '../../../test/smtp-sink.js';
import { sendDueEmails } from '../email/outbound.js';
import { writeSummary } from './report-document.js';
import { nextRunAt, runDueReports } from './scheduled-reports.js';

describe('next run', () => {
  const base = { hour: 7, weekday: null, day_of_month: null, time_zone: 'Europe/London' };
  test('daily, weekly and monthly at a local hour, across the clocks going back', () => {
    // London leaves summer time on Sunday 25 October 2026: 07:00 is 06:00Z before, 07:00Z after.
    expect(nextRunAt({ ...base, frequency: 'daily' }, new Date('2026-10-24T06:30:00Z')).toISOString()).toBe('2026-10-25T07:00:00.000Z');
    expect(nextRunAt({ ...base, frequency: 'daily' }, new Date('2026-10-23T05:00:00Z')).toISOString()).toBe('2026-10-23T06:00:00.000Z');
    expect(nextRunAt({ ...base, frequency: 'weekly', weekday: 1 }, new Date('2026-11-23T07:00:00Z')).toISOString()).toBe(
      '2026-11-30T07:00:00.000Z',
    );
    expect(nextRunAt({ ...base, frequency: 'monthly', day_of_month: 1 }, new Date('2026-11-23T07:00:00Z')).toISOString()).toBe(
      '2026-12-01T07:00:00.000Z',
    );
  });
});

test('the summary names the biggest changes and the standards missed, with where', () => {
  const lines = writeSummary(
    {
      title: 'Weekly',
      period: { from: new Date(0), to: new Date(0), label: 'last week' },
      previous: { from: new Date(0), to: new Date(0), label: 'the week before' },
      headline: [
        { metric: 'created', label: 'Cases created', unit: 'cases', now: 120, before: 100 },
        { metric: 'first_reply_time', label: 'First reply time (mean)', unit: 'minutes', now: 30, before: 60 },
        { metric: 'reopen_rate', label: 'Reopen rate', unit: 'percent', now: 5, before: 5 },
      ],
      createdByDay: [],
      attainment: [
        { target: 'firstReply', label: 'First reply', percent: 82.5, cycles: 40, worstTeam: { team: 'Billing', percent: 60, cycles: 10 } },
        { target: 'resolution', label: 'Resolution', percent: 95, cycles: 30, worstTeam: null },
      ],
      teams: [],
    },
    90,
  );
  expect(lines).toEqual([
    '120 cases were created in last week (100 in the period before).',
    'First reply time (mean) fell 50 %: 30 min against 60 min.',
    'Cases created rose 20 %: 120 against 100.',
    'First reply standard missed: 82.5 % on time against a 90 % goal (40 cases); lowest in Billing at 60.0 % (10 cases).',
  ]);
});

describe('a weekly report', () => {
  let t: TestApp;
  let manager: { as: Requester };
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await startTestApp({ start: '2026-11-16T09:00:00Z' });
    manager = await t.userWithToken('manager');
    const admin = await t.userWithToken('admin');
    await createTestMailbox(admin.as, {
      address: 'reports@acme.test',
      notifyStaff: true,
      smtp: { host: '127.0.0.1', port: smtp.port, secure: false },
    });
    const agent = await t.userWithToken('agent');
    for (let i = 0; i < 3; i++) {
      t.clock.set(`2026-11-1${7 + i}T10:00:00Z`);
      await agent.as({ method: 'POST', url: '/api/cases', body: { subject: `Case ${i}`, requester: { email: `r${i}@example.org` } } });
    }
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  test('arrives as an email with a PDF and CSV files, once per week', async () => {
    t.clock.set('2026-11-20T12:00:00Z');
    const created = await manager.as({
      method: 'POST',
      url: '/api/reports/schedules',
      body: {
        name: 'Weekly for the board',
        dashboard: 'service_standards',
        frequency: 'weekly',
        weekday: 1,
        hour: 7,
        timeZone: 'Europe/London',
        recipients: ['board@example.org', 'ceo@example.org'],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().nextRunAt).toBe('2026-11-23T07:00:00.000Z');
    expect(await runDueReports(t.ctx)).toEqual({ reports: 0, emails: 0, failed: 0 });
    t.clock.set('2026-11-23T07:01:00Z');
    const [a, b] = await Promise.all([runDueReports(t.ctx), runDueReports(t.ctx)]);
    expect(a.reports + b.reports).toBe(1);
    expect(await sendDueEmails(t.ctx)).toMatchObject({ sent: 2 });
    expect(smtp.received).toHaveLength(2);
    const mail = smtp.received[0]!;
    expect(mail.subject).toBe('[Frontline] Weekly for the board — Service standards: 16 Nov – 22 Nov 2026');
    expect(mail.text).toContain('3 cases were created in 16 Nov – 22 Nov 2026 (0 in the period before).');
    const names = mail.attachments.map((x) => x.filename);
    expect(names).toEqual(['16-Nov-22-Nov-2026.pdf', 'figures.csv', 'created-by-day.csv', 'sla-attainment.csv', 'teams.csv']);
    const pdf = mail.attachments[0]!;
    expect(pdf.contentType).toBe('application/pdf');
    expect(pdf.content.subarray(0, 5).toString()).toBe('%PDF-');
    const figures = mail.attachments.find((x) => x.filename === 'figures.csv')!.content.toString('utf8');
    expect(figures).toContain('Cases created,3,0');
    const byDay = mail.attachments.find((x) => x.filename === 'created-by-day.csv')!.content.toString('utf8');
    expect(byDay.split('\r\n').slice(1, 8)).toEqual([
      '2026-11-16,0',
      '2026-11-17,1',
      '2026-11-18,1',
      '2026-11-19,1',
      '2026-11-20,0',
      '2026-11-21,0',
      '2026-11-22,0',
    ]);
    const schedules = (await manager.as({ url: '/api/reports/schedules' })).json().items;
    expect(schedules[0]).toMatchObject({ nextRunAt: '2026-11-30T07:00:00.000Z', lastError: null });
    // Later passes that week send nothing more.
    t.clock.set('2026-11-24T07:01:00Z');
    expect(await runDueReports(t.ctx)).toMatchObject({ reports: 0 });
  });

  test('validation, the preview PDF and who may see a schedule', async () => {
    const bad = await manager.as({
      method: 'POST',
      url: '/api/reports/schedules',
      body: { name: 'x', dashboard: 'operations', frequency: 'weekly', hour: 7, timeZone: 'Europe/London', recipients: ['a@example.org'] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details).toMatchObject({ field: 'weekday' });
    const badTz = await manager.as({
      method: 'POST',
      url: '/api/reports/schedules',
      body: { name: 'x', dashboard: 'operations', frequency: 'daily', hour: 7, timeZone: '+01:00', recipients: ['a@example.org'] },
    });
    expect(badTz.statusCode).toBe(400);
    const id = (await manager.as({ url: '/api/reports/schedules' })).json().items[0].id;
    const pdf = await manager.as({ url: `/api/reports/schedules/${id}/preview.pdf` });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const leader = await t.userWithToken('team_leader');
    expect((await leader.as({ url: `/api/reports/schedules/${id}/preview.pdf` })).statusCode).toBe(404);
    const agent = await t.userWithToken('agent');
    expect((await agent.as({ url: '/api/reports/schedules' })).statusCode).toBe(403);
  });
});
