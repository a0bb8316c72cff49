// The demo's history without a database round trip per step, for `frontline demo --bulk`: each
// arrival's plan (case-plan.ts, the same seeded plans the simulation plays) is carried out in
// memory by the rules the services apply — the lifecycle of addMessage and updateCase, the
// customer recognised by their identities, department requests with their OLAs, reminders and
// escalations, the hourly auto-close, the SLA clocks (sla-clock.ts itself) with their warnings,
// breaches and the policies' escalation rules — giving the rows the services would have written.
// Pure: bulk-writer.ts stores them. demo-bulk.test.ts proves the result equal to the simulation's.
import { randomUUID } from 'node:crypto';
import type { CasePriority, CaseStatus, CaseType, Channel, CustomerTier, IdentityKind, MessageKind } from '../../db/schema.js';
import { addBusinessMinutes, addCalendarMinutes, type BusinessCalendar } from '../../lib/business-time.js';
import { normaliseTags } from '../cases/case-fields.js';
import type { EventActor } from '../cases/case-events.js';
import { validateIdentity } from '../customers/customer-identity.js';
import { caseFacts, type Fact } from '../reports/metric-facts.js';
import { rulesFor, type EscalationRule } from '../sla/escalation.js';
import { computeSlaClocks, slaTargetNames, type SlaClockResult, type SlaEvent, type SlaTargetName } from '../sla/sla-clock.js';
import { slaTargetLabels, type PolicyView } from '../sla/sla-config.service.js';
import { policyMatches } from '../sla/sla-tracking.js';
import type { CasePlan, CaseStep } from './case-plan.js';
import { nextHourly } from './simulation.js';
import type { DemoOperation } from './operation.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export type BulkPolicy = PolicyView & { calendar: BusinessCalendar };

/** What the services look up in the database while they work, read once after the set-up. */
export type BulkDirectory = {
  /** Active policies in evaluation order (position, then creation). */
  policies: BulkPolicy[];
  /** Active leaders of each team (SLA alerts and escalations tell them). */
  teamLeaders: Map<string, string[]>;
  managers: string[];
  departments: Map<string, { name: string; members: string[]; heads: string[] }>;
  /** Customers known before the history (the business contacts), by identity and by id. */
  identities: Map<string, string>;
  customers: Map<string, { tier: CustomerTier; organisationId: string | null }>;
};

export type EventRow = { caseId: string; actor: EventActor; kind: string; before: unknown; after: unknown; at: Date };
export type MessageRow = {
  id: string;
  caseId: string;
  kind: MessageKind;
  channel: Channel;
  authorUserId: string | null;
  authorCustomerId: string | null;
  /** A getter where it names a department request's number, known only once every earlier request is. */
  readonly body: string;
  at: Date;
};
export type NotificationRow = { userIds: string[]; kind: string; caseId: string | null; readonly title: string; data: unknown; at: Date };
export type RequestEventRow = { requestId: string; actorUserId: string | null; kind: string; body: string | null; data: unknown; at: Date };
export type NewCustomer = { id: string; name: string; contact: Record<string, string>; identities: [IdentityKind, string][]; at: Date };

export type RequestRecord = {
  id: string;
  /** Numbered in creation order over the whole history (see numberRequests in demo-bulk.ts). */
  number: number;
  caseId: string;
  departmentId: string;
  requestType: string;
  question: string;
  requestedById: string;
  olaMinutes: number;
  olaBusinessHours: boolean;
  createdAt: Date;
  dueAt: Date;
  remindAt: Date;
  answeredAt: Date | null;
  answeredBy: string | null;
  answer: string | null;
  remindedAt: Date | null;
  escalatedAt: Date | null;
  events: RequestEventRow[];
};

export type TargetRow = {
  target: SlaTargetName;
  policyId: string;
  state: string;
  cycleStartedAt: Date;
  dueAt: Date | null;
  achievedAt: Date | null;
  targetMinutes: number;
  businessHours: boolean;
  remainingMinutes: number;
  nextAlertAt: Date | null;
};

export type AlertRow = { target: SlaTargetName; cycleStartedAt: Date; alert: string; dueAt: Date | null; raisedAt: Date };

export type CaseRecord = {
  index: number;
  id: string;
  number: number;
  subject: string;
  type: CaseType;
  priority: CasePriority;
  status: CaseStatus;
  channel: Channel;
  requesterId: string;
  teamId: string;
  assigneeId: string;
  categoryId: string;
  tags: string[];
  version: number;
  createdAt: Date;
  updatedAt: Date;
  firstPublicReplyAt: Date | null;
  lastCustomerMessageAt: Date | null;
  lastPublicReplyAt: Date | null;
  solvedAt: Date | null;
  closedAt: Date | null;
  reopenCount: number;
  publicReplyCount: number;
  customerMessageCount: number;
  slaPolicyId: string | null;
  escalatedAt: Date | null;
  escalationReason: string | null;
  newCustomer: NewCustomer | null;
  messages: MessageRow[];
  events: EventRow[];
  requests: RequestRecord[];
  notifications: NotificationRow[];
  alerts: AlertRow[];
  targets: TargetRow[];
  facts: Fact[];
  /** Steps a service would have refused (none expected; the simulation counts them the same way). */
  refused: string[];
  steps: number;
};

export type BulkWorld = {
  operation: DemoOperation;
  directory: BulkDirectory;
  end: number;
  autoCloseDays: number;
};

/** Customers recognised by their identities across the history, as findOrCreateCustomer does. */
export class CustomerBook {
  constructor(private readonly directory: BulkDirectory) {}

  /** The requester of a contact, and the new customer when it is a first contact. */
  resolve(contact: { email?: string; phone?: string; name: string }, at: Date): { id: string; created: NewCustomer | null } {
    const identities: [IdentityKind, string][] = [];
    if (contact.email) identities.push(['email', validateIdentity('email', contact.email)]);
    if (contact.phone) identities.push(['phone', validateIdentity('phone', contact.phone)]);
    for (const [kind, value] of identities) {
      const known = this.directory.identities.get(`${kind}\u0000${value}`);
      if (known) return { id: known, created: null };
    }
    const id = randomUUID();
    for (const [kind, value] of identities) this.directory.identities.set(`${kind}\u0000${value}`, id);
    this.directory.customers.set(id, { tier: 'standard', organisationId: null });
    const written: Record<string, string> = {};
    if (contact.email) written.email = contact.email;
    if (contact.phone) written.phone = contact.phone;
    written.name = contact.name;
    return { id, created: { id, name: contact.name.trim(), contact: written, identities, at } };
  }
}

/** The identities a channel delivers (simulation.ts's contactFor, kept in step with it). */
export function contactOf(plan: CasePlan): { email?: string; phone?: string; name: string } {
  const c = plan.opening.customer;
  switch (plan.opening.channel) {
    case 'phone':
    case 'walk_in':
      return { email: c.email, phone: c.phone, name: c.name };
    case 'sms':
    case 'messaging':
      return { phone: c.phone, name: c.name };
    default:
      return { email: c.email, name: c.name };
  }
}

const priorityRank: Record<CasePriority, number> = { low: 1, normal: 2, high: 3, urgent: 4 };
const user = (userId: string): EventActor => ({ kind: 'user', userId });
const system: EventActor = { kind: 'system' };

/** One case's life, step by step, with the state the services keep on the case row. */
class CaseReplay {
  readonly rec: CaseRecord;
  private readonly sla: SlaEvent[] = [];
  private readonly byRef = new Map<number, RequestRecord>();

  constructor(
    private readonly world: BulkWorld,
    plan: CasePlan,
    number: number,
    requester: { id: string; created: NewCustomer | null },
  ) {
    const o = plan.opening;
    const op = world.operation;
    const at = new Date(plan.at);
    this.rec = {
      index: plan.index,
      id: randomUUID(),
      number,
      subject: o.subject.trim(),
      type: o.type,
      priority: o.priority,
      status: 'new',
      channel: o.channel,
      requesterId: requester.id,
      teamId: op.teamIds[o.team],
      assigneeId: o.assignee,
      categoryId: op.categoryIds[o.category]!,
      tags: normaliseTags(o.tags),
      version: 1,
      createdAt: at,
      updatedAt: at,
      firstPublicReplyAt: null,
      lastCustomerMessageAt: at,
      lastPublicReplyAt: null,
      solvedAt: null,
      closedAt: null,
      reopenCount: 0,
      publicReplyCount: 0,
      customerMessageCount: 1,
      slaPolicyId: null,
      escalatedAt: null,
      escalationReason: null,
      newCustomer: requester.created,
      messages: [],
      events: [],
      requests: [],
      notifications: [],
      alerts: [],
      targets: [],
      facts: [],
      refused: [],
      steps: 0,
    };
    this.open(o.openedBy === 'agent' ? user(o.assignee) : { kind: 'customer', customerId: requester.id }, o.body, at);
  }

  private open(actor: EventActor, body: string, at: Date): void {
    const r = this.rec;
    const message = this.message('customer', r.channel, null, r.requesterId, body, at);
    this.event(actor, 'created', undefined, {
      subject: r.subject,
      type: r.type,
      priority: r.priority,
      status: 'new',
      channel: r.channel,
      requesterId: r.requesterId,
      teamId: r.teamId,
      assigneeId: r.assigneeId,
      categoryId: r.categoryId,
      tags: r.tags,
      customFields: {},
    });
    this.event(
      { kind: 'customer', customerId: r.requesterId },
      'customer_message',
      undefined,
      { messageId: message.id, channel: r.channel },
      at,
    );
    this.sla.push({ at, kind: 'created', status: 'new' }, { at, kind: 'customer_message' });
  }

  private message(
    kind: MessageKind,
    channel: Channel,
    authorUserId: string | null,
    authorCustomerId: string | null,
    body: string | (() => string),
    at: Date,
  ): MessageRow {
    const m = {
      id: randomUUID(),
      caseId: this.rec.id,
      kind,
      channel,
      authorUserId,
      authorCustomerId,
      get body() {
        return typeof body === 'string' ? body.trim() : body().trim();
      },
      at,
    };
    this.rec.messages.push(m);
    return m;
  }

  private event(actor: EventActor, kind: string, before: unknown, after: unknown, at: Date = this.rec.createdAt): void {
    this.rec.events.push({ caseId: this.rec.id, actor, kind, before, after, at });
  }

  private bump(at: Date): void {
    this.rec.version += 1;
    // Alerts and what their rules do are replayed after the plan's steps, so a bump can be earlier
    // than one already made: the case was last changed at the latest of them.
    if (at > this.rec.updatedAt) this.rec.updatedAt = at;
  }

  /** statusTransition of cases.service.ts: the columns a status change sets, and whether it reopens. */
  private setStatus(next: CaseStatus, at: Date): boolean {
    const r = this.rec;
    const reopened = r.status === 'solved' && next !== 'closed';
    if (next === 'solved') r.solvedAt = at;
    if (next === 'closed') r.closedAt = at;
    if (reopened) {
      r.solvedAt = null;
      r.reopenCount += 1;
    }
    r.status = next;
    this.sla.push({ at, kind: 'status', to: next });
    return reopened;
  }

  /** A step as the service would take it; what it would refuse is counted, not done. */
  run(step: CaseStep): void {
    const at = new Date(step.at);
    if (this.rec.status === 'closed' && step.kind !== 'department_answer') {
      this.rec.refused.push(`${step.kind} on a closed case`);
      return;
    }
    this.rec.steps += 1;
    switch (step.kind) {
      case 'reply':
        return this.reply(step.by, step.body, step.status, at);
      case 'note':
        return this.note(step.by, step.body, at);
      case 'customer':
        return this.customerWrites(step.body, at);
      case 'ask_department':
        return this.ask(step, at);
      case 'department_answer':
        return this.answer(step, at);
      case 'escalate':
        return this.escalate(user(step.by), step.reason.trim(), 'manual', at);
    }
  }

  private reply(by: string, body: string, status: 'pending' | 'solved' | undefined, at: Date): void {
    const r = this.rec;
    const before = r.status;
    r.publicReplyCount += 1;
    r.lastPublicReplyAt = at;
    r.firstPublicReplyAt ??= at;
    const next = status ?? (r.status === 'new' ? 'open' : undefined);
    const message = this.message('reply', 'internal', by, null, body, at);
    this.bump(at);
    this.event(user(by), 'public_reply', undefined, { messageId: message.id, channel: 'internal' }, at);
    this.sla.push({ at, kind: 'public_reply' });
    if (next === undefined || next === before) return;
    const reopened = this.setStatus(next, at);
    this.event(user(by), 'status_changed', { status: before }, { status: next }, at);
    if (reopened) this.event(user(by), 'reopened', undefined, { reopenCount: r.reopenCount, by: 'agent' }, at);
  }

  private note(by: string, body: string | (() => string), at: Date): void {
    const message = this.message('note', 'internal', by, null, body, at);
    this.bump(at);
    this.event(user(by), 'internal_note', undefined, { messageId: message.id, channel: 'internal' }, at);
  }

  private customerWrites(body: string, at: Date): void {
    const r = this.rec;
    const customer: EventActor = { kind: 'customer', customerId: r.requesterId };
    const before = r.status;
    r.customerMessageCount += 1;
    r.lastCustomerMessageAt = at;
    const message = this.message('customer', r.channel, null, r.requesterId, body, at);
    this.bump(at);
    this.event(customer, 'customer_message', undefined, { messageId: message.id, channel: r.channel }, at);
    this.sla.push({ at, kind: 'customer_message' });
    if (before !== 'solved' && before !== 'pending') return;
    this.setStatus('open', at);
    this.event(customer, 'status_changed', { status: before }, { status: 'open' }, at);
    if (before === 'solved') this.event(customer, 'reopened', undefined, { reopenCount: r.reopenCount, by: 'customer' }, at);
  }

  private ask(step: Extract<CaseStep, { kind: 'ask_department' }>, at: Date): void {
    const op = this.world.operation;
    const departmentId = op.departmentIds[step.department];
    const dept = this.world.directory.departments.get(departmentId)!;
    const olas = op.world.departments[step.department].olas;
    const ola = olas.find((o) => o.requestType === step.requestType) ?? olas.find((o) => o.requestType === '*')!;
    const after = (minutes: number) =>
      ola.businessHours ? addBusinessMinutes(op.world.office, at, minutes) : addCalendarMinutes(at, minutes);
    const question = step.question.trim();
    const req: RequestRecord = {
      id: randomUUID(),
      number: 0,
      caseId: this.rec.id,
      departmentId,
      requestType: step.requestType,
      question,
      requestedById: step.by,
      olaMinutes: ola.minutes,
      olaBusinessHours: ola.businessHours,
      createdAt: at,
      dueAt: after(ola.minutes),
      remindAt: after(Math.round(ola.minutes * 0.75)),
      answeredAt: null,
      answeredBy: null,
      answer: null,
      remindedAt: null,
      escalatedAt: null,
      events: [],
    };
    req.events.push({ requestId: req.id, actorUserId: step.by, kind: 'created', body: question, data: {}, at });
    this.byRef.set(step.ref, req);
    this.rec.requests.push(req);
    this.event(
      user(step.by),
      'department_request_created',
      undefined,
      requestPayload(req, dept.name, { requestType: req.requestType, dueAt: req.dueAt.toISOString() }),
      at,
    );
    const caseNumber = this.rec.number;
    this.rec.notifications.push({
      userIds: dept.members,
      kind: 'department_request',
      caseId: null,
      get title() {
        return `${dept.name}: request #${req.number} from case #${caseNumber}: ${question.slice(0, 80)}`;
      },
      data: { requestId: req.id, departmentId },
      at,
    });
  }

  private answer(step: Extract<CaseStep, { kind: 'department_answer' }>, at: Date): void {
    const req = this.byRef.get(step.ref);
    if (!req || req.answeredAt) {
      this.rec.refused.push('department answer to a request that is not open');
      return;
    }
    this.settleRequestScans(req, at.getTime());
    const dept = this.world.directory.departments.get(req.departmentId)!;
    const answer = step.answer.trim();
    req.answeredAt = at;
    req.answeredBy = step.by;
    req.answer = answer;
    req.events.push({ requestId: req.id, actorUserId: step.by, kind: 'answered', body: answer, data: {}, at });
    if (this.rec.status !== 'closed') this.note(step.by, () => `Answer from ${dept.name} (request #${req.number}):\n\n${answer}`, at);
    this.event(user(step.by), 'department_request_answered', undefined, requestPayload(req, dept.name, { late: at > req.dueAt }), at);
    const caseNumber = this.rec.number;
    this.rec.notifications.push({
      userIds: [req.requestedById, this.rec.assigneeId],
      kind: 'department_answer',
      caseId: this.rec.id,
      get title() {
        return `Case #${caseNumber}: ${dept.name} answered request #${req.number}`;
      },
      data: { requestId: req.id },
      at,
    });
  }

  /**
   * The scan's reminder (at 75 % of the OLA) and escalation (a second past due) of a request
   * still open then; the scan runs before a step at the same instant.
   */
  settleRequestScans(req: RequestRecord, openUntil: number): void {
    const dept = this.world.directory.departments.get(req.departmentId)!;
    if (req.remindedAt === null && req.remindAt.getTime() <= Math.min(openUntil, this.world.end)) {
      const at = req.remindAt;
      req.remindedAt = at;
      req.events.push({ requestId: req.id, actorUserId: null, kind: 'reminded', body: null, data: { dueAt: req.dueAt.toISOString() }, at });
      this.rec.notifications.push({
        userIds: dept.members,
        kind: 'department_reminder',
        caseId: null,
        get title() {
          return `Request #${req.number}: 75% of its internal target used`;
        },
        data: { requestId: req.id, dueAt: req.dueAt.toISOString() },
        at,
      });
    }
    const escalateAt = req.dueAt.getTime() + 1000;
    if (req.escalatedAt === null && escalateAt <= Math.min(openUntil, this.world.end)) {
      const at = new Date(escalateAt);
      req.escalatedAt = at;
      req.events.push({
        requestId: req.id,
        actorUserId: null,
        kind: 'escalated',
        body: null,
        data: { dueAt: req.dueAt.toISOString() },
        at,
      });
      this.event(system, 'department_request_escalated', undefined, requestPayload(req, dept.name, { dueAt: req.dueAt.toISOString() }), at);
      this.rec.notifications.push({
        userIds: [...dept.heads, req.requestedById, this.rec.assigneeId],
        kind: 'department_escalation',
        caseId: null,
        get title() {
          return `Request #${req.number} missed its internal target`;
        },
        data: { requestId: req.id, caseId: this.rec.id },
        at,
      });
    }
  }

  /** markEscalated: the case is marked (the latest reason wins) and the managers hear of it. */
  private escalate(actor: EventActor, reason: string, by: 'manual' | 'rule', at: Date): void {
    const r = this.rec;
    r.escalatedAt = at;
    r.escalationReason = reason;
    this.bump(at);
    this.event(actor, 'escalated', undefined, { reason, by }, at);
    r.notifications.push({
      userIds: [...this.world.directory.managers, ...(this.world.directory.teamLeaders.get(r.teamId) ?? [])],
      kind: 'case_escalated',
      caseId: r.id,
      title: `Case #${r.number} escalated: ${reason}`,
      data: { reason, by },
      at,
    });
  }

  /** The hourly job closes a case solved autoCloseDays before; a step at the same instant comes after it. */
  autoCloseBefore(until: number): void {
    const r = this.rec;
    if (r.status !== 'solved' || r.solvedAt === null) return;
    const closeAt = nextHourly(r.solvedAt.getTime() + this.world.autoCloseDays * DAY, 7);
    if (closeAt > until || closeAt > this.world.end) return;
    const at = new Date(closeAt);
    r.status = 'closed';
    r.closedAt = at;
    this.bump(at);
    this.event(system, 'auto_closed', { status: 'solved' }, { status: 'closed', afterDays: this.world.autoCloseDays }, at);
    this.event(system, 'status_changed', { status: 'solved' }, { status: 'closed' }, at);
    this.sla.push({ at, kind: 'status', to: 'closed' });
  }

  /** The SLA module's work on this case: the policy, the targets at the end, every alert and rule. */
  finishSla(): void {
    const r = this.rec;
    const policy = matchPolicy(this.world.directory, r);
    if (!policy) return;
    r.slaPolicyId = policy.id;
    const applied = { policyId: policy.id, name: policy.name, targets: policy.targets, calendarId: policy.calendarId };
    // refreshCasesSla records the policy right after the creation events.
    r.events.splice(2, 0, {
      caseId: r.id,
      actor: system,
      kind: 'sla_policy_changed',
      before: { policyId: null },
      after: applied,
      at: r.createdAt,
    });
    const waits = policy.pauseOnDepartment ? r.requests.map((q) => ({ from: q.createdAt, to: q.answeredAt })) : [];
    const clockAt = (now: number) =>
      computeSlaClocks({
        targets: policy.targets,
        calendar: policy.calendar,
        pauseOnHold: policy.pauseOnHold,
        extraPauses: waits,
        warnings: policy.warnings,
        events: this.sla,
        now: new Date(now),
      });
    const end = this.world.end;
    const final = clockAt(end);
    const raised = raisedAlerts(final, end, clockAt);
    for (const a of raised) this.raise(policy, a);
    r.targets = targetRows(final, policy.id, end);
  }

  /** raiseAlert and the escalation rules, at the instant the alert fell due (see docs/demo.md). */
  private raise(policy: BulkPolicy, a: AlertRow & { remainingMinutes: number; targetMinutes: number }): void {
    const r = this.rec;
    const at = a.raisedAt;
    r.alerts.push(a);
    const breach = a.alert === 'breach';
    const dueAt = a.dueAt?.toISOString() ?? null;
    this.event(
      system,
      breach ? 'sla_breached' : 'sla_warning',
      undefined,
      {
        target: a.target,
        alert: a.alert,
        dueAt,
        cycleStartedAt: a.cycleStartedAt.toISOString(),
        remainingMinutes: Math.round(a.remainingMinutes * 100) / 100,
        policyTargetMinutes: a.targetMinutes,
      },
      at,
    );
    r.notifications.push({
      userIds: [r.assigneeId, ...(this.world.directory.teamLeaders.get(r.teamId) ?? [])],
      kind: breach ? 'sla_breached' : 'sla_warning',
      caseId: r.id,
      title: alertTitle(r.number, a.target, a.alert),
      data: { caseNumber: String(r.number), target: a.target, alert: a.alert, dueAt },
      at,
    });
    const rules = rulesFor(policy.escalations, a.target, a.alert);
    if (rules.length === 0 || (r.closedAt !== null && r.closedAt <= at)) return;
    this.applyRules(rules, `${slaTargetLabels[a.target]} ${breach ? 'target breached' : 'target at risk'}`, at);
  }

  /** applyEscalationRules: a priority only ever raised, tags added, the case marked when a rule says so. */
  private applyRules(rules: readonly EscalationRule[], why: string, at: Date): void {
    const r = this.rec;
    let priority: CasePriority | undefined;
    const added: string[] = [];
    for (const rule of rules) {
      if (rule.setPriority && priorityRank[rule.setPriority] > priorityRank[priority ?? r.priority]) priority = rule.setPriority;
      if (rule.teamId) throw new Error('the bulk demo does not move cases between teams by rule');
      added.push(...(rule.addTags ?? []));
    }
    const tags = [...r.tags];
    for (const t of normaliseTags(added)) if (!tags.includes(t)) tags.push(t);
    const priorityChanges = priority !== undefined && priority !== r.priority;
    const tagsChange = tags.length !== r.tags.length;
    if (priorityChanges) {
      this.event(system, 'priority_changed', { priority: r.priority }, { priority }, at);
      const policyBefore = matchPolicy(this.world.directory, r)?.id;
      r.priority = priority!;
      // The service would re-match the policy and record the change; the demo's rules never move one.
      if (matchPolicy(this.world.directory, r)?.id !== policyBefore)
        throw new Error('the bulk demo does not follow a policy change by rule');
    }
    if (tagsChange) {
      this.event(system, 'tags_changed', { tags: r.tags }, { tags }, at);
      r.tags = tags;
    }
    if (priorityChanges || tagsChange) this.bump(at);
    if (rules.some((x) => x.markEscalated || x.notifyManagers)) this.escalate(system, why, 'rule', at);
  }

  /** Events in time order; the scan's at an instant come before a step's (stable sort keeps the rest). */
  finish(): CaseRecord {
    const r = this.rec;
    r.events.sort((a, b) => a.at.getTime() - b.at.getTime());
    r.facts = caseFacts({
      teamId: r.teamId,
      assigneeId: r.assigneeId,
      channel: r.channel,
      categoryId: r.categoryId,
      priority: r.priority,
      type: r.type,
      createdAt: r.createdAt,
      status: r.status,
      solvedAt: r.solvedAt,
      firstPublicReplyAt: r.firstPublicReplyAt,
      reopenCount: r.reopenCount,
      publicReplyCount: r.publicReplyCount,
      mergedIntoId: null,
      escalatedAt: r.escalatedAt,
      targets: r.targets.map((t) => ({
        target: t.target,
        state: t.state,
        dueAt: t.dueAt,
        targetMinutes: t.targetMinutes,
        remainingMinutes: t.remainingMinutes,
      })),
    });
    return r;
  }
}

/** A request's part of a case event; its number is read when the event is written (a spread would copy it now). */
function requestPayload(req: RequestRecord, department: string, extra: Record<string, unknown>): Record<string, unknown> {
  const payload: Record<string, unknown> = { requestId: req.id, departmentId: req.departmentId, department, ...extra };
  Object.defineProperty(payload, 'requestNumber', { get: () => req.number, enumerable: true });
  return payload;
}

function matchPolicy(directory: BulkDirectory, r: CaseRecord): BulkPolicy | null {
  const customer = directory.customers.get(r.requesterId)!;
  const facts = {
    id: r.id,
    number: String(r.number),
    version: 1,
    status: 'new' as const,
    priority: r.priority,
    type: r.type,
    categoryId: r.categoryId,
    channel: r.channel,
    tags: r.tags,
    teamId: r.teamId,
    assigneeId: r.assigneeId,
    slaPolicyId: null,
    tier: customer.tier,
    organisationId: customer.organisationId,
  };
  return directory.policies.find((p) => policyMatches(p.conditions, facts, undefined)) ?? null;
}

function alertTitle(number: number, name: SlaTargetName, key: string): string {
  const target = slaTargetLabels[name];
  if (key === 'breach') return `Case #${number}: ${target} target breached`;
  const [kind, amount] = key.split(':');
  return `Case #${number}: ${kind === 'percent_used' ? `${amount}% of the ${target} target used` : `${amount} minutes left for ${target}`}`;
}

/**
 * Every alert the scan would have raised over the case's life: for each cycle of each target,
 * its warnings and breach that fell due while it ran. A cycle's alert instants are read from the
 * clock just before the cycle ended (or at the end of the history while it still runs): pauses
 * only ever start at "now", so an instant already due is where the live clock put it too.
 */
function raisedAlerts(
  final: SlaClockResult,
  end: number,
  clockAt: (now: number) => SlaClockResult,
): (AlertRow & { remainingMinutes: number; targetMinutes: number })[] {
  const evaluations = new Map<number, SlaClockResult>([[end, final]]);
  const at = (now: number) => {
    let result = evaluations.get(now);
    if (!result) evaluations.set(now, (result = clockAt(now)));
    return result;
  };
  const out: (AlertRow & { remainingMinutes: number; targetMinutes: number })[] = [];
  for (const name of slaTargetNames) {
    for (const cycle of final[name]?.cycles ?? []) {
      const now = cycle.achievedAt ? cycle.achievedAt.getTime() - 1 : end;
      const clock = at(now)[name];
      if (!clock || clock.startedAt.getTime() !== cycle.startedAt.getTime()) continue;
      const due = clock.alerts.filter((a) => a.at !== null && a.at.getTime() <= now);
      const breachDue = due.some((a) => a.key === 'breach');
      for (const a of due) {
        if (breachDue && a.key !== 'breach' && a.at!.getTime() > clock.dueAt!.getTime()) continue;
        const targetMs = clock.targetMinutes;
        out.push({
          target: name,
          cycleStartedAt: clock.startedAt,
          alert: a.key,
          dueAt: clock.dueAt,
          raisedAt: a.at!,
          targetMinutes: targetMs,
          remainingMinutes: remainingAt(a.key, clock.targetMinutes),
        });
      }
    }
  }
  return out.sort((a, b) => a.raisedAt.getTime() - b.raisedAt.getTime());
}

/** The minutes left when an alert falls due exactly: none at the breach, the rest of the target at a warning. */
function remainingAt(key: string, targetMinutes: number): number {
  if (key === 'breach') return 0;
  const [kind, amount] = key.split(':');
  return kind === 'percent_used' ? (targetMinutes * (100 - Number(amount))) / 100 : Math.min(targetMinutes, Number(amount));
}

/** What storeTargets keeps after the last scan: each target's latest cycle, and when to look again. */
function targetRows(final: SlaClockResult, policyId: string, end: number): TargetRow[] {
  return slaTargetNames.flatMap((name) => {
    const c = final[name];
    if (!c) return [];
    const next = c.alerts
      .filter((a) => a.at !== null && a.at.getTime() > end)
      .map((a) => a.at!.getTime())
      .sort((a, b) => a - b)[0];
    const dueNow = c.state === 'active' && c.dueAt !== null && c.dueAt.getTime() <= end;
    const nextAlert = dueNow ? Math.min(next ?? Infinity, end + 1000) : next;
    return [
      {
        target: name,
        policyId,
        state: c.state,
        cycleStartedAt: c.startedAt,
        dueAt: c.dueAt,
        achievedAt: c.achievedAt,
        targetMinutes: c.targetMinutes,
        businessHours: c.businessHours,
        remainingMinutes: c.remainingMinutes,
        nextAlertAt: nextAlert === undefined ? null : new Date(nextAlert),
      },
    ];
  });
}

/** Carries out one arrival's plan up to the end of the history. */
export function replayCase(
  world: BulkWorld,
  plan: CasePlan,
  number: number,
  requester: { id: string; created: NewCustomer | null },
): CaseRecord {
  const replay = new CaseReplay(world, plan, number, requester);
  for (const step of plan.steps) {
    if (step.at > world.end) break;
    replay.autoCloseBefore(step.at);
    // Reminders and escalations of open requests fall due between steps, as the scan finds them.
    for (const req of replay.rec.requests) if (req.answeredAt === null) replay.settleRequestScans(req, step.at);
    replay.run(step);
  }
  replay.autoCloseBefore(world.end);
  for (const req of replay.rec.requests) if (req.answeredAt === null) replay.settleRequestScans(req, world.end);
  replay.finishSla();
  return replay.finish();
}
