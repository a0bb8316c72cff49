// Full-text search over cases, against a small corpus: what each query finds and what it must
// not find, stemming and exact names/emails, phrases, exclusions and or, ranking (a subject hit
// above a message hit), snippets, combination with filters and views, and case scope.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type Requester, type TestApp } from './helpers.js';

type Person = { as: Requester; user: { id: string } };
type Item = { id: string; subject: string; rank?: number; snippet?: string | null; updatedAt: string };
type Page = { items: Item[]; nextCursor: string | null; total: number };

const customers = {
  ann: { name: 'Ann Smith', email: 'ann.smith@example.com' },
  bob: { name: 'Bob Jones', email: 'bob.jones@acme.test' },
  carla: { name: 'Carla Gómez', email: 'carla@gomez.example' },
  dieter: { name: 'Dieter Müller', email: 'dieter.mueller@example.de' },
  eve: { name: 'Eve Okafor', email: 'eve@okafor.example' },
  frank: { name: 'Frank Li', email: 'frank.li@example.org' },
  grace: { name: 'Grace Hopper', email: 'ghopper@navy.example' },
} as const;

type Team = 'one' | 'two' | null;
// key: [subject, first message, requester, team]
const corpus: Record<string, [string, string, keyof typeof customers, Team]> = {
  refundSubject: ['Refund for damaged parcel', 'The box arrived crushed and the vase inside is in pieces.', 'ann', 'one'],
  refundMessage: ['Where is my order?', 'I asked for a refund last week but nothing has happened since.', 'bob', 'one'],
  refundsPolicy: ['Question about refunds policy', 'Do sale items qualify?', 'carla', null],
  refundedTwice: ['Payment taken twice', 'You charged my card twice; it was refunded only once.', 'dieter', 'two'],
  password: ['Password reset not working', 'The reset link expires immediately.', 'eve', 'one'],
  invoice: ['Invoice copy needed', 'Please send invoice 2024-118 again for our accounts.', 'frank', null],
  billing: ['Billing address change', 'We moved to a new office; update the billing address.', 'grace', 'two'],
  brokenScreen: ['Broken screen on delivery', 'The screen was broken when the courier handed it over.', 'ann', null],
  flicker: ['Display flickers', 'Nothing is broken, but the screen flickers at night.', 'bob', 'one'],
  cancel: ['Cancel my subscription', 'I want to cancel before the renewal date.', 'carla', 'one'],
  login: ['Login problems on the mobile app', 'The app crashes after I type my password.', 'dieter', null],
  jonesMention: ['Feedback on your agent', 'Mr Jones on the phone was very helpful.', 'eve', 'one'],
  late: ['Delivery is late', 'The courier has not arrived yet.', 'frank', 'two'],
  size: ['Wrong size shoes', 'I ordered size 42 and got 44.', 'grace', 'one'],
  characters: ['Strange characters in forms', 'When I write a < b & c > "d" the refund form breaks.', 'ann', 'one'],
  giftCard: ['Gift card balance', 'How do I check my gift card balance?', 'bob', null],
  warranty: ['Warranty claim for kettle', 'The kettle stopped heating after two months.', 'carla', 'two'],
  address: ['Address update', 'Please use my new address from now on.', 'dieter', 'one'],
  erase: ['Delete my account', 'Please erase all my personal data.', 'eve', null],
  priceMatch: ['Price match request', 'I saw it cheaper elsewhere, can you match?', 'frank', 'one'],
  missing: ['Missing item in box', 'The charger was not in the box.', 'grace', null],
  exchange: ['Exchange instead of refund?', 'Can I swap it for another colour?', 'ann', 'two'],
  unsubscribe: ['Unsubscribe from newsletter', 'Stop sending me emails.', 'bob', 'one'],
  vat: ['VAT number on invoices', 'Our VAT number is missing from the invoice.', 'carla', 'one'],
  damaged: ['Damaged goods again', 'Second damaged parcel this month, I want my money back.', 'dieter', null],
  loyalty: ['Loyalty points missing', 'My points from the last order did not show.', 'eve', 'two'],
  hours: ['Opening hours', 'When is your phone line open?', 'frank', null],
  norway: ['Shipping to Norway', 'Do you ship to Norway and what does it cost?', 'grace', 'one'],
  coupon: ['Coupon code rejected', 'The code SPRING24 says invalid.', 'ann', null],
  kettleTwo: ['Second kettle', 'Another kettle, same problem: it will not heat.', 'bob', 'two'],
};

let t: TestApp;
let manager: Person;
let agentOne: Person;
let agentTwo: Person;
const teams: Record<'one' | 'two', string> = { one: '', two: '' };
const ids: Record<string, string> = {};
const keyOf = new Map<string, string>();

async function search(as: Requester, query: string): Promise<Page> {
  const res = await as({ url: `/api/cases?${query.includes('limit=') ? '' : 'limit=200&'}${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** The corpus keys a query finds, sorted, checking the total agrees. */
async function hits(as: Requester, query: string): Promise<string[]> {
  const page = await search(as, query);
  expect(page.total).toBe(page.items.length);
  return page.items.map((i) => keyOf.get(i.id)!).sort();
}

const q = (text: string) => `q=${encodeURIComponent(text)}`;
const sorted = (...keys: string[]) => [...keys].sort();

beforeAll(async () => {
  t = await startTestApp();
  manager = await t.userWithToken('manager');
  agentOne = await t.userWithToken('agent');
  agentTwo = await t.userWithToken('agent');
  for (const key of ['one', 'two'] as const) {
    teams[key] = (await manager.as({ method: 'POST', url: '/api/teams', body: { name: `Team ${key}` } })).json().id;
  }
  await manager.as({ method: 'PUT', url: `/api/teams/${teams.one}/members/${agentOne.user.id}`, body: { membership: 'member' } });
  await manager.as({ method: 'PUT', url: `/api/teams/${teams.two}/members/${agentTwo.user.id}`, body: { membership: 'member' } });
  for (const [key, [subject, body, who, team]] of Object.entries(corpus)) {
    const res = await manager.as({
      method: 'POST',
      url: '/api/cases',
      body: { subject, requester: customers[who], message: { body }, teamId: team ? teams[team] : null, channel: 'email' },
    });
    expect(res.statusCode, res.body).toBe(201);
    ids[key] = res.json().id;
    keyOf.set(res.json().id, key);
    t.clock.advance({ minutes: 1 });
  }
});
afterAll(() => t.close());

describe('what a search finds and misses', () => {
  test('a word finds its other forms, in subjects and in messages, and nothing else', async () => {
    const refund = sorted('refundSubject', 'refundMessage', 'refundsPolicy', 'refundedTwice', 'characters', 'exchange');
    expect(await hits(manager.as, q('refund'))).toEqual(refund);
    expect(await hits(manager.as, q('refunds'))).toEqual(refund);
    expect(await hits(manager.as, q('REFUNDED'))).toEqual(refund);
    // "money back" is not the word refund.
    expect(refund).not.toContain('damaged');
    expect(await hits(manager.as, q('kettle'))).toEqual(sorted('warranty', 'kettleTwo'));
    expect(await hits(manager.as, q('xylophone'))).toEqual([]);
  });

  test('english stop words neither block nor widen a search', async () => {
    expect(await hits(manager.as, q('the refund'))).toEqual(await hits(manager.as, q('refund')));
    expect(await hits(manager.as, q('the'))).toEqual([]);
  });

  test('several words must all match, anywhere in the case', async () => {
    expect(await hits(manager.as, q('damaged parcel'))).toEqual(sorted('refundSubject', 'damaged'));
    expect(await hits(manager.as, q('parcel vase'))).toEqual(['refundSubject']);
    expect(await hits(manager.as, q('kettle heating'))).toEqual(sorted('warranty', 'kettleTwo'));
    expect(await hits(manager.as, q('kettle months'))).toEqual(['warranty']);
  });

  test("a requester's exact email, in any letter case, finds only their cases", async () => {
    const bobs = sorted('refundMessage', 'flicker', 'giftCard', 'unsubscribe', 'kettleTwo');
    expect(await hits(manager.as, q('bob.jones@acme.test'))).toEqual(bobs);
    expect(await hits(manager.as, q('Bob.Jones@ACME.test'))).toEqual(bobs);
    expect(await hits(manager.as, q('ann.smith@example.com'))).toEqual(
      sorted('refundSubject', 'brokenScreen', 'characters', 'exchange', 'coupon'),
    );
  });

  test('names match as written, including accents, and mix with words of the conversation', async () => {
    // "Jones": Bob Jones's cases and the message that mentions Mr Jones.
    expect(await hits(manager.as, q('Jones'))).toEqual(
      sorted('refundMessage', 'flicker', 'giftCard', 'unsubscribe', 'kettleTwo', 'jonesMention'),
    );
    expect(await hits(manager.as, q('jones refunds'))).toEqual(['refundMessage']);
    const dieters = sorted('refundedTwice', 'login', 'address', 'damaged');
    expect(await hits(manager.as, q('Müller'))).toEqual(dieters);
    expect(await hits(manager.as, q('dieter müller'))).toEqual(dieters);
    expect(await hits(manager.as, q('Gómez warranty'))).toEqual(['warranty']);
  });

  test('a quoted phrase needs its words together and in order', async () => {
    expect(await hits(manager.as, q('"broken screen"'))).toEqual(['brokenScreen']);
    expect(await hits(manager.as, q('broken screen'))).toEqual(sorted('brokenScreen', 'flicker'));
    expect(await hits(manager.as, q('"screen broken"'))).toEqual([]);
  });

  test('-word excludes and "or" offers alternatives', async () => {
    expect(await hits(manager.as, q('refund -damaged'))).toEqual(
      sorted('refundMessage', 'refundsPolicy', 'refundedTwice', 'characters', 'exchange'),
    );
    expect(await hits(manager.as, q('invoice or password'))).toEqual(sorted('invoice', 'vat', 'password', 'login'));
    expect(await hits(manager.as, q('kettle heat or norway'))).toEqual(sorted('warranty', 'kettleTwo', 'norway'));
  });

  test('what a search cannot parse is still an answer, never an error', async () => {
    for (const text of ['"', '-', 'or', '!!', "o'brien", '(refund', 'refund:*', '&&|', 'a'.repeat(500)]) {
      const res = await manager.as({ url: `/api/cases?${q(text)}` });
      expect(res.statusCode, `${text}: ${res.body}`).toBe(200);
    }
    expect(await hits(manager.as, q('(refund'))).toContain('refundMessage');
  });

  test('text added later is found: a new message, a changed subject', async () => {
    await manager.as({
      method: 'POST',
      url: `/api/cases/${ids.loyalty}/messages`,
      body: { kind: 'reply', body: 'We added a bonus voucher.' },
    });
    expect(await hits(manager.as, q('voucher'))).toEqual(['loyalty']);
    const coupon = (await manager.as({ url: `/api/cases/${ids.coupon}` })).json();
    await manager.as({
      method: 'PATCH',
      url: `/api/cases/${ids.coupon}`,
      body: { version: coupon.version, subject: 'Coupon fails at checkout' },
    });
    expect(await hits(manager.as, q('checkout'))).toEqual(['coupon']);
    expect(await hits(manager.as, q('rejected coupon'))).toEqual([]);
  });
});

describe('ranking and snippets', () => {
  test('a subject hit ranks above a message hit', async () => {
    const page = await search(manager.as, q('refund'));
    const order = page.items.map((i) => keyOf.get(i.id)!);
    const subjectHits = ['refundSubject', 'refundsPolicy', 'exchange'];
    const messageHits = ['refundMessage', 'refundedTwice', 'characters'];
    expect(sorted(...order.slice(0, 3))).toEqual(sorted(...subjectHits));
    expect(sorted(...order.slice(3))).toEqual(sorted(...messageHits));
    const rank = (key: string) => page.items.find((i) => i.id === ids[key])!.rank!;
    expect(rank('refundSubject')).toBeGreaterThan(rank('refundMessage'));
    for (let i = 1; i < page.items.length; i++) expect(page.items[i - 1]!.rank!).toBeGreaterThanOrEqual(page.items[i]!.rank!);
  });

  test('relevance pages neither skip nor repeat', async () => {
    const all = (await search(manager.as, `${q('refund or kettle')}&sort=relevance`)).items.map((i) => i.id);
    expect(all).toHaveLength(8);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await search(manager.as, `${q('refund or kettle')}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.total).toBe(8);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
  });

  test('a search can be sorted by time instead', async () => {
    const page = await search(manager.as, `${q('refund')}&sort=created_desc`);
    expect(page.items.map((i) => keyOf.get(i.id))).toEqual([
      'exchange',
      'characters',
      'refundedTwice',
      'refundsPolicy',
      'refundMessage',
      'refundSubject',
    ]);
  });

  test('the snippet shows the matching text with hits marked, and nothing else as markup', async () => {
    const page = await search(manager.as, q('refunds'));
    const snippet = (key: string) => page.items.find((i) => i.id === ids[key])!.snippet;
    expect(snippet('refundMessage')).toContain('asked for a <b>refund</b> last week');
    expect(snippet('refundedTwice')).toContain('it was <b>refunded</b> only once');
    // Only the subject matches: the subject is the snippet.
    expect(snippet('refundSubject')).toBe('<b>Refund</b> for damaged parcel');
    const escaped = snippet('characters')!;
    expect(escaped).toContain('<b>refund</b>');
    expect(escaped).toContain('&amp;');
    expect(escaped.replace(/<\/?b>/g, '')).not.toMatch(/[<>"]/);
    // A match on the requester alone has no text to show.
    const byEmail = await search(manager.as, q('bob.jones@acme.test'));
    expect(byEmail.items.find((i) => i.id === ids.giftCard)!.snippet).toBeNull();
  });
});

describe('search with filters, views and scope', () => {
  test('a search combines with filters', async () => {
    expect(await hits(manager.as, `${q('refund')}&teamId=${teams.one}`)).toEqual(sorted('refundSubject', 'refundMessage', 'characters'));
    expect(await hits(manager.as, `${q('refund')}&teamId=none`)).toEqual(['refundsPolicy']);
    const policy = (await manager.as({ url: `/api/cases/${ids.refundsPolicy}` })).json();
    await manager.as({ method: 'PATCH', url: `/api/cases/${ids.refundsPolicy}`, body: { version: policy.version, status: 'solved' } });
    expect(await hits(manager.as, `${q('refund')}&status=solved`)).toEqual(['refundsPolicy']);
    expect(await hits(manager.as, `${q('refund')}&status=new,open&teamId=none`)).toEqual([]);
  });

  test('agents never find, count or page into cases outside their scope', async () => {
    // Team one's agent: team one and the pool. Team two's agent: team two and the pool.
    expect(await hits(agentOne.as, q('refund'))).toEqual(sorted('refundSubject', 'refundMessage', 'refundsPolicy', 'characters'));
    expect(await hits(agentTwo.as, q('refund'))).toEqual(sorted('refundsPolicy', 'refundedTwice', 'exchange'));
    expect(await hits(agentOne.as, q('kettle'))).toEqual([]);
    expect(await hits(agentOne.as, q('ann.smith@example.com'))).toEqual(sorted('refundSubject', 'brokenScreen', 'characters', 'coupon'));
    // Pages of one never reach past the scope either.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await search(agentTwo.as, `${q('refund')}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.total).toBe(3);
      seen.push(...page.items.map((i) => keyOf.get(i.id)!));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(sorted('refundsPolicy', 'refundedTwice', 'exchange'));
  });

  test('a saved view with a search counts within each person’s scope', async () => {
    const res = await manager.as({ method: 'POST', url: '/api/views', body: { name: 'Refunds', filters: { q: 'refund' }, shared: true } });
    expect(res.statusCode, res.body).toBe(201);
    const view = res.json();
    expect(view.count).toBe(6);
    const countFor = async (as: Requester) =>
      ((await as({ url: '/api/views' })).json().items as { id: string; count: number }[]).find((v) => v.id === view.id)!.count;
    expect(await countFor(agentOne.as)).toBe(4);
    expect(await countFor(agentTwo.as)).toBe(3);
    const cases = (await agentTwo.as({ url: `/api/views/${view.id}/cases` })).json() as Page;
    expect(cases.items.map((i) => keyOf.get(i.id)!).sort()).toEqual(sorted('refundsPolicy', 'refundedTwice', 'exchange'));
    expect(cases.total).toBe(3);
  });
});
