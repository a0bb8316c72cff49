// Plays the demo's history forward in time order on a manual clock, through the real services:
// each arrival opens a case (as its channel would, or as the agent on the phone would) and plans
// the rest of its life; each planned step is a reply, a customer message, a department request or
// answer, an escalation, done by the person it names. Between steps the background work happens
// when it would in production: the SLA and department scan whenever a warning, breach, reminder or
// OLA escalation falls due (never more often than the configured scan interval), the auto-close
// job every hour at :07 and the handling-time norms every night at 02:17, as their crons say.
// So events, SLA targets, alerts, notifications and report rollups are what real use gives.
import { sql } from 'kysely';
import type { ServiceContext } from '../../lib/context.js';
import type { ManualClock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import { inTransaction } from '../../lib/transaction.js';
import { systemActor, type Actor } from '../auth/permissions.js';
import { autoCloseSolvedCases } from '../cases/case-lifecycle.js';
import { addMessage, createCase, createCaseTx, type CreateCaseInput } from '../cases/cases.service.js';
import { findOrCreateCustomer, type CustomerContact } from '../customers/customers.service.js';
import { answerDepartmentRequest, createDepartmentRequest, remindAndEscalate } from '../departments/department-requests.service.js';
import { escalateCase } from '../sla/escalation.js';
import { recomputeHandlingNorms } from '../sla/handling-time.js';
import { scanSla } from '../sla/sla-tracking.js';
import { planCase, type CasePlan, type CaseStep } from './case-plan.js';
import { EventQueue } from './event-queue.js';
import type { DemoOperation } from './operation.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Scan batches large enough that one pass at an instant clears what is due then (deterministic runs). */
const scanBatch = 1000;

export type SimulationProgress = { simulatedAt: Date; fraction: number; cases: number };

export type SimulationStats = {
  cases: number;
  steps: number;
  /** Steps a service refused (should be none; each is listed in `problems`). */
  skipped: number;
  problems: string[];
  scans: number;
  alertsRaised: number;
  autoClosed: number;
};

type Agenda = { kind: 'arrival'; index: number } | { kind: 'step'; index: number; step: CaseStep };

type LiveCase = { id: string; requests: Map<number, string> };

export type SimulationInput = {
  ctx: ServiceContext & { clock: ManualClock };
  operation: DemoOperation;
  arrivals: readonly number[];
  start: number;
  end: number;
  onProgress?: ((p: SimulationProgress) => void) | undefined;
};

/** The first instant at or after `from` that is `minute` past a UTC hour (the cron's "7 * * * *"). */
export function nextHourly(from: number, minute: number): number {
  const candidate = Math.floor(from / HOUR) * HOUR + minute * 60_000;
  return candidate >= from ? candidate : candidate + HOUR;
}

/** The first instant at or after `from` at hh:mm UTC. */
export function nextDaily(from: number, hour: number, minute: number): number {
  const candidate = Math.floor(from / DAY) * DAY + hour * HOUR + minute * 60_000;
  return candidate >= from ? candidate : candidate + DAY;
}

/** When the background scan next finds work: an SLA alert, a department reminder or a missed OLA. */
async function nextScanWork(ctx: ServiceContext): Promise<number | null> {
  const { rows } = await sql<{ at: Date | null }>`
    select least(
      (select min(next_alert_at) from case_sla_targets),
      (select min(remind_at) from department_requests
        where reminded_at is null and status in ('open', 'clarification_requested')),
      -- A request is escalated once now is past its due instant, hence the second.
      (select min(due_at) + interval '1 second' from department_requests
        where escalated_at is null and status in ('open', 'clarification_requested'))
    ) as at`.execute(ctx.db);
  return rows[0]?.at ? rows[0].at.getTime() : null;
}

function contactFor(plan: CasePlan): CustomerContact {
  const c = plan.opening.customer;
  switch (plan.opening.channel) {
    case 'phone':
    case 'walk_in':
      // The agent takes down both, so the caller is recognised on any channel later.
      return { email: c.email, phone: c.phone, name: c.name };
    case 'sms':
    case 'messaging':
      return { phone: c.phone, name: c.name };
    default:
      return { email: c.email, name: c.name };
  }
}

/** Opens the case: the agent records a call or a visit; anything else arrives through its channel. */
async function openCase(sim: SimulationInput, plan: CasePlan, actor: (id: string) => Actor): Promise<string> {
  const { ctx, operation } = sim;
  const o = plan.opening;
  const input: CreateCaseInput = {
    subject: o.subject,
    type: o.type,
    priority: o.priority,
    channel: o.channel,
    message: { body: o.body },
    teamId: operation.teamIds[o.team],
    assigneeId: o.assignee,
    categoryId: operation.categoryIds[o.category],
    tags: o.tags,
  };
  const contact = contactFor(plan);
  if (o.openedBy === 'agent') return (await createCase(ctx, { ...input, requester: contact }, actor(o.assignee))).case.id;
  // As an inbound channel does it (see the email intake): the customer is recognised or created,
  // and the case is theirs, created by them.
  return inTransaction(ctx.db, async (trx) => {
    const at = ctx.clock.now();
    const requester = await findOrCreateCustomer(trx, contact, at);
    const created = await createCaseTx(trx, at, { ...input, requesterId: requester.id }, { kind: 'customer', customerId: requester.id });
    return created.case.id;
  });
}

async function runStep(sim: SimulationInput, live: LiveCase, step: CaseStep, actor: (id: string) => Actor): Promise<void> {
  const { ctx, operation } = sim;
  switch (step.kind) {
    case 'reply':
      await addMessage(ctx, live.id, { kind: 'reply', body: step.body, status: step.status }, actor(step.by));
      return;
    case 'note':
      await addMessage(ctx, live.id, { kind: 'note', body: step.body }, actor(step.by));
      return;
    case 'customer':
      // As the channels deliver a customer's message (see the email intake): by the system.
      await addMessage(ctx, live.id, { kind: 'customer', body: step.body }, systemActor);
      return;
    case 'ask_department': {
      const request = await createDepartmentRequest(
        ctx,
        live.id,
        { departmentId: operation.departmentIds[step.department], requestType: step.requestType, question: step.question },
        actor(step.by),
      );
      live.requests.set(step.ref, request.id);
      return;
    }
    case 'department_answer': {
      const id = live.requests.get(step.ref);
      if (!id) throw new AppError('conflict', 'the department request was never made');
      await answerDepartmentRequest(ctx, id, { answer: step.answer }, actor(step.by));
      return;
    }
    case 'escalate':
      await escalateCase(ctx, live.id, { reason: step.reason }, actor(step.by));
      return;
  }
}

/** One pass of the worker's scan at the clock's instant, repeated while a batch came back full. */
async function scanOnce(ctx: ServiceContext): Promise<number> {
  let alerts = 0;
  for (;;) {
    const sla = await scanSla(ctx, { batch: scanBatch });
    const departments = await remindAndEscalate(ctx, { batch: scanBatch });
    alerts += sla.alertsRaised;
    if (sla.casesChecked < scanBatch && sla.refreshed < scanBatch && departments.reminded < scanBatch && departments.escalated < scanBatch)
      return alerts;
  }
}

export async function simulate(sim: SimulationInput): Promise<SimulationStats> {
  const { ctx, operation, start, end } = sim;
  const stats: SimulationStats = { cases: 0, steps: 0, skipped: 0, problems: [], scans: 0, alertsRaised: 0, autoClosed: 0 };
  const actor = (id: string): Actor => {
    const a = operation.actors.get(id);
    if (!a) throw new Error(`demo user ${id} is unknown`);
    return a;
  };
  const agenda = new EventQueue<Agenda>();
  sim.arrivals.forEach((at, index) => agenda.push(at, { kind: 'arrival', index }));
  const live = new Map<number, LiveCase>();
  const scanGap = ctx.config.slaScanSeconds * 1000;
  let lastScan = -Infinity;
  // A scan that leaves work "due" (nothing it can do yet) waits for the next change instead of spinning.
  let scanIdleUntil = -Infinity;
  let autoCloseAt = nextHourly(start, 7);
  let normsAt = nextDaily(start, 2, 17);

  const refuse = (what: string, err: unknown) => {
    if (!(err instanceof AppError)) throw err;
    stats.skipped++;
    if (stats.problems.length < 20) stats.problems.push(`${what}: ${err.message}`);
  };

  for (;;) {
    const stepAt = agenda.peekAt();
    const due = await nextScanWork(ctx);
    const now = ctx.clock.now().getTime();
    const scanAt = due === null ? Infinity : Math.max(due, lastScan + scanGap, now, scanIdleUntil);
    const at = Math.min(stepAt, scanAt, autoCloseAt, normsAt);
    if (at > end) break;
    ctx.clock.set(new Date(at));

    if (at === scanAt) {
      stats.alertsRaised += await scanOnce(ctx);
      stats.scans++;
      lastScan = at;
      const still = await nextScanWork(ctx);
      scanIdleUntil = still !== null && still <= at ? stepAt : -Infinity;
      continue;
    }
    if (at === autoCloseAt) {
      stats.autoClosed += (await autoCloseSolvedCases(ctx)).closed;
      autoCloseAt += HOUR;
      continue;
    }
    if (at === normsAt) {
      await recomputeHandlingNorms(ctx);
      normsAt += DAY;
      continue;
    }

    const next = agenda.pop()!.item;
    if (next.kind === 'arrival') {
      const plan = planCase(operation.world, next.index, at);
      try {
        const id = await openCase(sim, plan, actor);
        live.set(next.index, { id, requests: new Map() });
        stats.cases++;
        for (const step of plan.steps) if (step.at <= end) agenda.push(step.at, { kind: 'step', index: next.index, step });
      } catch (err) {
        refuse(`case ${next.index} (opening)`, err);
      }
      sim.onProgress?.({ simulatedAt: new Date(at), fraction: (at - start) / (end - start), cases: stats.cases });
      continue;
    }
    const c = live.get(next.index);
    if (!c) continue;
    try {
      await runStep(sim, c, next.step, actor);
      stats.steps++;
    } catch (err) {
      refuse(`case ${next.index} (${next.step.kind})`, err);
    }
  }
  // The worker's last pass at "now", so the live state is current when the demo opens.
  ctx.clock.set(new Date(end));
  stats.alertsRaised += await scanOnce(ctx);
  stats.scans++;
  sim.onProgress?.({ simulatedAt: new Date(end), fraction: 1, cases: stats.cases });
  return stats;
}
