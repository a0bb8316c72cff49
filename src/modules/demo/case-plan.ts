// One simulated case, planned when it arrives: who writes, about what, on which channel, and then
// what happens and when — the first reply (sometimes asking the customer for more, who usually
// answers), questions to back-office departments and their answers (some late), a chaser and an
// update, an escalation to a manager now and then, the solve, and sometimes a reopen. Pure: the
// plan depends only on the seed, the case's index and arrival, and the operation's shape; the
// simulation carries it out through the real services, and drops what falls after "now".
import type { CasePriority, CaseType, Channel } from '../../db/schema.js';
import { addBusinessMinutes, businessMinutesBetween, type BusinessCalendar } from '../../lib/business-time.js';
import {
  channelMix,
  liveChannels,
  policyFor,
  priorityMix,
  products,
  texts,
  type CategorySpec,
  type DepartmentKey,
  type Ola,
  type TeamKey,
} from './catalogue.js';
import { fillTemplate, type CustomerPool, type CustomerSpec } from './people.js';
import { chance, deriveRng, intBetween, lognormal, pick, weightedPick, type Rng } from './random.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** What a plan needs to know of the operation: calendars, who works where, the categories. */
export type PlanWorld = {
  seed: number;
  support: BusinessCalendar;
  office: BusinessCalendar;
  /** When customers write back (waking hours). */
  waking: BusinessCalendar;
  teams: Record<TeamKey, { leader: string; agents: readonly string[] }>;
  departments: Record<DepartmentKey, { name: string; members: readonly string[]; olas: readonly Ola[] }>;
  manager: string;
  categories: readonly CategorySpec[];
  customers: CustomerPool;
  /** Solved cases close after this many days; a reopen must come before that. */
  autoCloseDays: number;
};

export type CaseOpening = {
  subject: string;
  body: string;
  channel: Channel;
  priority: CasePriority;
  type: CaseType;
  category: number;
  customer: CustomerSpec;
  team: TeamKey;
  assignee: string;
  tags: string[];
  /** Phone and counter cases are opened by the agent who took them; the rest arrive by themselves. */
  openedBy: 'customer' | 'agent';
};

/** Each step is done by a user (by id) or, for `customer`, by the customer through their channel. */
export type CaseStep =
  | { at: number; kind: 'reply'; by: string; body: string; status?: 'pending' | 'solved' }
  | { at: number; kind: 'customer'; body: string }
  | { at: number; kind: 'note'; by: string; body: string }
  | { at: number; kind: 'ask_department'; by: string; ref: number; department: DepartmentKey; requestType: string; question: string }
  | { at: number; kind: 'department_answer'; by: string; ref: number; answer: string }
  | { at: number; kind: 'escalate'; by: string; reason: string };

export type CasePlan = { index: number; at: number; opening: CaseOpening; steps: CaseStep[] };

/** Share of first replies that ask the customer for something (the case waits, pending). */
const askShare = 0.22;
/** Share of customers asked for something who answer. */
const answerShare = 0.85;
/** Share of cases where the customer chases and the agent sends an update. */
const chaseShare = 0.22;
/** Share of cases with a department that also ask a second one. */
const secondDepartmentShare = 0.1;
const reopenShare = 0.065;
/** Share of a team's cases its leader takes. */
const leaderShare = 0.07;

function isOpen(calendar: BusinessCalendar, at: number): boolean {
  return businessMinutesBetween(calendar, new Date(at), new Date(at + MINUTE)) > 0;
}

const later = (calendar: BusinessCalendar, from: number, minutes: number) =>
  addBusinessMinutes(calendar, new Date(from), minutes).getTime();

function placeholders(rng: Rng, customer: CustomerSpec): Record<string, string> {
  return {
    first: customer.first,
    name: customer.name,
    order: `A${intBetween(rng, 100_000, 999_999)}`,
    invoice: `INV-${intBetween(rng, 10_000, 99_999)}`,
    product: pick(rng, products),
    amount: `£${intBetween(rng, 9, 480)}.${String(intBetween(rng, 0, 99)).padStart(2, '0')}`,
  };
}

function chooseChannel(rng: Rng, supportOpen: boolean): Channel {
  return weightedPick(
    rng,
    channelMix.filter(([c]) => supportOpen || !liveChannels.includes(c)),
  );
}

function choosePriority(rng: Rng, customer: CustomerSpec, type: CaseType): CasePriority {
  const drawn = weightedPick(rng, priorityMix);
  // Business clients and complaints are rarely "low"; a VIP's normal case is often treated as high.
  if (drawn === 'low' && (customer.tier !== 'standard' || type === 'complaint')) return 'normal';
  if (drawn === 'normal' && customer.tier === 'vip' && chance(rng, 0.5)) return 'high';
  return drawn;
}

/** Minutes of work until the first reply: live channels are answered while the customer waits. */
function firstReplyMinutes(rng: Rng, channel: Channel, targetMinutes: number): number {
  if (channel === 'phone' || channel === 'walk_in') return lognormal(rng, 4, 0.5);
  if (channel === 'chat') return lognormal(rng, 3, 0.8);
  // Written channels: mostly well inside the target, about one in ten past it.
  return targetMinutes * lognormal(rng, 0.3, 0.9);
}

function olaOf(olas: readonly Ola[], requestType: string): Ola {
  return olas.find((o) => o.requestType === requestType) ?? olas.find((o) => o.requestType === '*')!;
}

/** Appends steps in time order: each at least a minute after the one before. */
class Timeline {
  readonly steps: CaseStep[] = [];
  constructor(public last: number) {}

  add<S extends CaseStep>(step: S): S {
    step.at = Math.max(step.at, this.last + MINUTE);
    this.last = step.at;
    this.steps.push(step);
    return step;
  }
}

export function planCase(world: PlanWorld, index: number, at: number): CasePlan {
  const rng = deriveRng(world.seed, 'case', index);
  const category = weightedPick(
    rng,
    world.categories.map((c, i) => [i, c.weight] as const),
  );
  const spec = world.categories[category]!;
  const customer = world.customers.customer(world.customers.pickIndex(rng));
  const channel = chooseChannel(rng, isOpen(world.support, at));
  const type = weightedPick(rng, spec.types);
  const priority = choosePriority(rng, customer, type);
  const team: TeamKey = customer.tier === 'standard' ? spec.team : 'business';
  const members = world.teams[team];
  const assignee = chance(rng, leaderShare) ? members.leader : pick(rng, members.agents);
  const values = placeholders(rng, customer);
  const opening: CaseOpening = {
    subject: fillTemplate(pick(rng, spec.subjects), values),
    body: fillTemplate(pick(rng, spec.bodies), values),
    channel,
    priority,
    type,
    category,
    customer,
    team,
    assignee,
    tags: customer.tier === 'standard' ? [] : [customer.tier],
    openedBy: channel === 'phone' || channel === 'walk_in' ? 'agent' : 'customer',
  };
  const policy = policyFor(priority, customer.tier);
  const say = (options: readonly string[], extra: Record<string, string> = {}) => fillTemplate(pick(rng, options), { ...values, ...extra });
  const work = (from: number, minutes: number) => later(world.support, from, minutes);
  const line = new Timeline(at);

  // The first reply: an acknowledgement, or a question that leaves the case waiting on the customer.
  const firstReplyAt = work(at, firstReplyMinutes(rng, channel, policy.targets.firstReply!.minutes));
  if (chance(rng, askShare)) {
    const asked = line.add({ at: firstReplyAt, kind: 'reply', by: assignee, body: say(texts.askForInfo), status: 'pending' });
    if (!chance(rng, answerShare)) {
      // No answer: the agent solves it a few days later, telling the customer a reply reopens it.
      line.add({
        at: work(asked.at + 3 * DAY, lognormal(rng, 30, 0.5)),
        kind: 'reply',
        by: assignee,
        body: say(texts.noAnswerSolve),
        status: 'solved',
      });
      return { index, at, opening, steps: line.steps };
    }
    line.add({ at: later(world.waking, asked.at, lognormal(rng, 150, 1.0)), kind: 'customer', body: say(texts.customerAnswer) });
  } else {
    line.add({ at: firstReplyAt, kind: 'reply', by: assignee, body: say(texts.acknowledge) });
  }

  if (spec.department && chance(rng, spec.department.share)) askDepartments(rng, world, line, spec.department, assignee, say);

  const nextReplyMinutes = policy.targets.nextReply?.minutes ?? 480;
  if (chance(rng, chaseShare)) {
    const chased = line.add({ at: later(world.waking, firstReplyAt, lognormal(rng, 240, 0.9)), kind: 'customer', body: say(texts.chaser) });
    line.add({ at: work(chased.at, nextReplyMinutes * lognormal(rng, 0.3, 0.9)), kind: 'reply', by: assignee, body: say(texts.update) });
  }

  if (chance(rng, spec.escalation)) {
    const escalated = line.add({
      at: work(line.last, lognormal(rng, 60, 0.8)),
      kind: 'escalate',
      by: assignee,
      reason: pick(rng, texts.escalation),
    });
    line.add({ at: work(escalated.at, lognormal(rng, 45, 0.6)), kind: 'note', by: world.manager, body: say(texts.managerNote) });
  }

  // Solved when the work is done (a lognormal of business minutes per category), never before the last step.
  const workDone = work(at, lognormal(rng, spec.handling.median, spec.handling.sigma));
  const solved = line.add({
    at: Math.max(workDone, work(line.last, lognormal(rng, 20, 0.6))),
    kind: 'reply',
    by: assignee,
    body: say(texts.solve),
    status: 'solved',
  });

  if (chance(rng, reopenShare)) {
    // The customer comes back before the case closes itself; the agent sorts it out again.
    const latest = solved.at + 0.8 * world.autoCloseDays * DAY;
    const back = line.add({
      at: Math.min(latest, later(world.waking, solved.at, lognormal(rng, 600, 0.9))),
      kind: 'customer',
      body: say(texts.reopen),
    });
    line.add({
      at: work(back.at, nextReplyMinutes * lognormal(rng, 0.35, 0.8)),
      kind: 'reply',
      by: assignee,
      body: say(texts.solve),
      status: 'solved',
    });
  }
  return { index, at, opening, steps: line.steps };
}

/** One department (sometimes two, in parallel) is asked; each answers within or past its OLA; the agent relays. */
function askDepartments(
  rng: Rng,
  world: PlanWorld,
  line: Timeline,
  need: NonNullable<CategorySpec['department']>,
  assignee: string,
  say: (options: readonly string[], extra?: Record<string, string>) => string,
): void {
  const asks: { key: DepartmentKey; requestType: string }[] = [{ key: need.key, requestType: need.requestType }];
  if (chance(rng, secondDepartmentShare)) {
    const others = (Object.keys(world.departments) as DepartmentKey[]).filter((k) => k !== need.key);
    asks.push({ key: pick(rng, others), requestType: 'general' });
  }
  const askedAt = later(world.support, line.last, lognormal(rng, 25, 0.7));
  const answers: { at: number; by: string; ref: number; department: DepartmentKey }[] = [];
  asks.forEach((ask, ref) => {
    const dept = world.departments[ask.key];
    const step = line.add({
      at: askedAt,
      kind: 'ask_department',
      by: assignee,
      ref,
      department: ask.key,
      requestType: ask.requestType,
      question: say(texts.departmentQuestion),
    });
    const ola = olaOf(dept.olas, ask.requestType);
    // Mostly inside the OLA; about one request in six is late.
    const minutes = ola.minutes * lognormal(rng, 0.45, 0.8);
    const at = ola.businessHours ? later(world.office, step.at, minutes) : step.at + minutes * MINUTE;
    answers.push({ at, by: pick(rng, dept.members), ref, department: ask.key });
  });
  answers.sort((a, b) => a.at - b.at || a.ref - b.ref);
  for (const a of answers) line.add({ at: a.at, kind: 'department_answer', by: a.by, ref: a.ref, answer: say(texts.departmentAnswer) });
  const last = answers[answers.length - 1]!;
  line.add({
    at: later(world.support, line.last, lognormal(rng, 40, 0.8)),
    kind: 'reply',
    by: assignee,
    body: say(texts.relay, { department: world.departments[last.department].name }),
  });
}
