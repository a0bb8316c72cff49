// Case and report exports: CSV and XLSX downloads of exactly the cases the filters select (in the
// reader's scope), across several read batches, and of a metric's rows and drill-down.
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type Requester, type TestApp } from '../../../test/helpers.js';
import { csvCell } from '../../lib/table-export.js';

let t: TestApp;
let manager: { as: Requester };
let agent: { as: Requester; user: { id: string } };
let teamA: string;

/** RFC 4180 parsing for the checks: quoted fields, doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const body = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && body[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  return rows;
}

beforeAll(async () => {
  t = await startTestApp({ start: '2026-11-23T09:00:00Z' });
  manager = await t.userWithToken('manager');
  agent = await t.userWithToken('agent');
  teamA = (await t.database.db.insertInto('teams').values({ name: 'Team A' }).returning('id').executeTakeFirstOrThrow()).id;
  const teamB = (await t.database.db.insertInto('teams').values({ name: 'Team B' }).returning('id').executeTakeFirstOrThrow()).id;
  await t.database.db.insertInto('team_members').values({ team_id: teamA, user_id: agent.user.id, membership: 'member' }).execute();
  await agent.as({
    method: 'POST',
    url: '/api/cases',
    body: {
      subject: 'Refund, "urgent"\nplease',
      teamId: teamA,
      tags: ['vip'],
      requester: { email: 'zoe@example.com', name: 'Zoë Ångström' },
    },
  });
  await manager.as({
    method: 'POST',
    url: '/api/cases',
    body: { subject: '=HYPERLINK("http://evil")', teamId: teamB, requester: { email: 'x@example.com' } },
  });
  // Many more, in bulk, so the export reads several batches.
  const customer = (await t.database.db.selectFrom('customers').select('id').limit(1).executeTakeFirstOrThrow()).id;
  await sql`insert into cases (subject, requester_id, team_id, created_at, updated_at)
            select 'Bulk ' || g, ${customer}::uuid, ${teamB}::uuid, now(), now() from generate_series(1, 4500) g`.execute(t.database.db);
});
afterAll(() => t.close());

test('CSV cells: quotes, commas and line breaks are quoted; formulas are defused', () => {
  expect(csvCell('plain')).toBe('plain');
  expect(csvCell('a,b')).toBe('"a,b"');
  expect(csvCell('say "hi"')).toBe('"say ""hi"""');
  expect(csvCell('=1+1')).toBe("'=1+1");
  expect(csvCell(-3)).toBe('-3');
  expect(csvCell(null)).toBe('');
});

describe('case exports', () => {
  test('CSV: every selected case in number order, across batches, with the right headers', async () => {
    const res = await manager.as({ url: '/api/cases/export?format=csv' });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="cases-\d{8}T\d{4}Z\.csv"$/);
    const rows = parseCsv(res.body);
    expect(rows[0]!.slice(0, 3)).toEqual(['Number', 'Subject', 'Status']);
    expect(rows).toHaveLength(1 + 4502);
    const numbers = rows.slice(1).map((r) => Number(r[0]));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(new Set(numbers).size).toBe(4502);
    const first = rows[1]!;
    expect(first[1]).toBe('Refund, "urgent"\nplease');
    expect(first[6]).toBe('Zoë Ångström');
    expect(first[7]).toBe('zoe@example.com');
    expect(first[11]).toBe('vip');
    expect(rows[2]![1]).toBe('\'=HYPERLINK("http://evil")');
  });

  test('filters and scope: an agent exports only what they may see', async () => {
    const mine = parseCsv((await agent.as({ url: `/api/cases/export?teamId=${teamA}` })).body);
    expect(mine.slice(1).map((r) => r[1])).toEqual(['Refund, "urgent"\nplease']);
    const all = parseCsv((await agent.as({ url: '/api/cases/export' })).body);
    expect(all).toHaveLength(2);
    expect((await manager.as({ url: '/api/cases/export?format=pdf' })).statusCode).toBe(400);
    const backOffice = await t.userWithToken('back_office');
    expect((await backOffice.as({ url: '/api/cases/export' })).statusCode).toBe(403);
  });

  test('XLSX: a real workbook with the same rows', async () => {
    const res = await manager.as({ url: `/api/cases/export?format=xlsx&tags=vip` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    expect(sheet.rowCount).toBe(2);
    expect(sheet.getRow(1).getCell(2).value).toBe('Subject');
    expect(sheet.getRow(2).getCell(2).value).toBe('Refund, "urgent"\nplease');
    expect(sheet.getRow(2).getCell(7).value).toBe('Zoë Ångström');
  });
});

describe('report exports', () => {
  const period = `from=${encodeURIComponent('2026-11-23T00:00:00Z')}&to=${encodeURIComponent('2026-11-24T00:00:00Z')}`;
  test('a metric’s rows and a figure’s cases', async () => {
    const rows = parseCsv((await manager.as({ url: `/api/reports/metrics/created/export?${period}&groupBy=team` })).body);
    expect(rows[0]).toEqual(['team', 'created (cases)', 'cases']);
    // The bulk rows bypassed the services, so only the two cases made through the API count.
    expect(
      rows
        .slice(1)
        .map((r) => Number(r[2]))
        .reduce((a, b) => a + b, 0),
    ).toBe(2);
    const drill = parseCsv(
      (await manager.as({ url: `/api/reports/metrics/created/cases/export?${period}&groupBy=team&group=${teamA}` })).body,
    );
    expect(drill.slice(1).map((r) => r[1])).toEqual(['Refund, "urgent"\nplease']);
    expect((await agent.as({ url: `/api/reports/metrics/created/export?${period}` })).statusCode).toBe(403);
  });
});
