// Builds the demo operation before its history starts, through the same services an administrator
// uses: accounts, teams with their leaders, business calendars, departments with their OLAs, the
// category tree, the SLA policies, business clients and their contacts. The administrator does
// the configuring (the audit trail says so); the clock stands a day before the first contact.
import type { Role } from '../../db/schema.js';
import type { ServiceContext } from '../../lib/context.js';
import type { BusinessCalendar } from '../../lib/business-time.js';
import { systemActor, type Actor } from '../auth/permissions.js';
import { createCategory } from '../case-config/case-config.service.js';
import { createCustomer } from '../customers/customers.service.js';
import { createOrganisation } from '../customers/organisations.service.js';
import { departmentKind } from '../departments/departments.service.js';
import { setDepartmentService } from '../departments/department-service.js';
import { createGroup, setGroupMember } from '../org/org-groups.js';
import { calendarOf, createCalendar, createPolicy } from '../sla/sla-config.service.js';
import { teamKind } from '../teams/teams.service.js';
import { insertNewUser } from '../users/users.service.js';
import {
  agentsPerTeam,
  categorySpecs,
  customerWakingHours,
  departmentSpecs,
  fixedHolidays,
  membersPerDepartment,
  namedAccounts,
  officeHours,
  organisationSpecs,
  policySpecs,
  supportHours,
  teamSpecs,
  type DepartmentKey,
  type TeamKey,
} from './catalogue.js';
import type { PlanWorld } from './case-plan.js';
import { emailWord, staffNames, type CustomerPool } from './people.js';

export type DemoOperation = {
  world: PlanWorld;
  /** Every demo user as the actor services expect, by user id. */
  actors: Map<string, Actor>;
  teamIds: Record<TeamKey, string>;
  departmentIds: Record<DepartmentKey, string>;
  /** Category ids in categorySpecs order. */
  categoryIds: string[];
  users: number;
};

export type OperationOptions = {
  seed: number;
  password: string;
  timeZone: string;
  customers: CustomerPool;
  /** The years the history touches: their public holidays close the calendars. */
  years: readonly number[];
};

function actorOf(user: { id: string; name: string; email: string; role: Role }): Actor {
  return { userId: user.id, name: user.name, email: user.email, role: user.role, via: 'session' };
}

async function addUser(
  ctx: ServiceContext,
  by: Actor,
  input: { email: string; name: string; role: Role; password: string },
): Promise<Actor> {
  const user = await ctx.db.transaction().execute((trx) => insertNewUser(trx, input, by, ctx.clock.now()));
  return actorOf(user);
}

async function addStaff(ctx: ServiceContext, options: OperationOptions) {
  const named = {} as Record<(typeof namedAccounts)[number]['key'], Actor>;
  for (const account of namedAccounts) {
    // The administrator is the first account, so it is created by the system; it creates the rest.
    const by = named.admin ?? systemActor;
    named[account.key] = await addUser(ctx, by, { ...account, password: options.password });
  }
  const names = staffNames(options.seed, teamSpecs.length * (agentsPerTeam + 1) + departmentSpecs.length * membersPerDepartment);
  let next = 0;
  const person = async (role: Role) => {
    const n = names[next++]!;
    return addUser(ctx, named.admin, {
      email: `${emailWord(n.first)}.${emailWord(n.last)}@demo.test`,
      name: n.name,
      role,
      password: options.password,
    });
  };
  return { named, person };
}

async function addTeams(ctx: ServiceContext, admin: Actor, person: (role: Role) => Promise<Actor>) {
  const ids = {} as Record<TeamKey, string>;
  const members = {} as PlanWorld['teams'];
  for (const spec of teamSpecs) {
    const team = await createGroup(ctx, teamKind, { name: spec.name, description: spec.description }, admin);
    const leader = await person('team_leader');
    await setGroupMember(ctx, teamKind, { groupId: team.id, userId: leader.userId, membership: 'leader' }, admin);
    const agents: string[] = [];
    for (let i = 0; i < agentsPerTeam; i++) {
      const agent = await person('agent');
      await setGroupMember(ctx, teamKind, { groupId: team.id, userId: agent.userId, membership: 'member' }, admin);
      agents.push(agent.userId);
    }
    ids[spec.key] = team.id;
    members[spec.key] = { leader: leader.userId, agents };
  }
  return { ids, members };
}

function holidaysOf(years: readonly number[]): string[] {
  return years.flatMap((y) => fixedHolidays.map((md) => `${y}-${md}`));
}

async function addCalendars(ctx: ServiceContext, admin: Actor, options: OperationOptions) {
  const holidays = holidaysOf(options.years);
  const support = await createCalendar(
    ctx,
    { name: 'Contact centre hours', timeZone: options.timeZone, weekly: supportHours, holidays },
    admin,
  );
  const office = await createCalendar(ctx, { name: 'Office hours', timeZone: options.timeZone, weekly: officeHours, holidays }, admin);
  return { support, office };
}

async function addDepartments(ctx: ServiceContext, admin: Actor, person: (role: Role) => Promise<Actor>, officeCalendarId: string) {
  const ids = {} as Record<DepartmentKey, string>;
  const members = {} as PlanWorld['departments'];
  for (const spec of departmentSpecs) {
    const dept = await createGroup(ctx, departmentKind, { name: spec.name, description: spec.description }, admin);
    const people: string[] = [];
    for (let i = 0; i < membersPerDepartment; i++) {
      const member = await person('back_office');
      await setGroupMember(
        ctx,
        departmentKind,
        { groupId: dept.id, userId: member.userId, membership: i === 0 ? 'head' : 'member' },
        admin,
      );
      people.push(member.userId);
    }
    await setDepartmentService(ctx, dept.id, { calendarId: officeCalendarId, olas: [...spec.olas] }, admin);
    ids[spec.key] = dept.id;
    members[spec.key] = { name: spec.name, members: people, olas: spec.olas };
  }
  return { ids, members };
}

async function addCategories(ctx: ServiceContext, admin: Actor): Promise<string[]> {
  const parents = new Map<string, string>();
  const ids: string[] = [];
  for (const spec of categorySpecs) {
    let parentId = parents.get(spec.parent);
    if (!parentId) {
      parentId = (await createCategory(ctx, { name: spec.parent }, admin)).id;
      parents.set(spec.parent, parentId);
    }
    ids.push((await createCategory(ctx, { name: spec.name, parentId }, admin)).id);
  }
  return ids;
}

async function addPolicies(ctx: ServiceContext, admin: Actor, calendarId: string): Promise<void> {
  for (const spec of policySpecs) {
    await createPolicy(
      ctx,
      {
        name: spec.name,
        description: spec.description,
        calendarId,
        conditions: { ...(spec.priorities ? { priorities: spec.priorities } : {}), ...(spec.tiers ? { tiers: spec.tiers } : {}) },
        targets: spec.targets,
        pauseOnDepartment: spec.pauseOnDepartment,
        escalations: spec.escalations,
      },
      admin,
    );
  }
}

/** Business clients and their contacts (the first customers of the pool), with their tiers. */
async function addBusinessCustomers(ctx: ServiceContext, admin: Actor, pool: CustomerPool): Promise<void> {
  const orgIds: string[] = [];
  for (const spec of organisationSpecs) orgIds.push((await createOrganisation(ctx, { name: spec.name, domain: spec.domain }, admin)).id);
  for (let i = 0; i < pool.businessContacts; i++) {
    const c = pool.customer(i);
    await createCustomer(
      ctx,
      { name: c.name, emails: [c.email], phones: [c.phone], organisationId: orgIds[c.organisation!], tier: c.tier },
      admin,
    );
  }
}

export async function buildOperation(ctx: ServiceContext, options: OperationOptions): Promise<DemoOperation> {
  const { named, person } = await addStaff(ctx, options);
  const admin = named.admin;
  const teams = await addTeams(ctx, admin, person);
  const calendars = await addCalendars(ctx, admin, options);
  const departments = await addDepartments(ctx, admin, person, calendars.office.id);
  const categoryIds = await addCategories(ctx, admin);
  await addPolicies(ctx, admin, calendars.support.id);
  await addBusinessCustomers(ctx, admin, options.customers);

  const users = await ctx.db.selectFrom('users').select(['id', 'name', 'email', 'role']).where('email', 'like', '%@demo.test').execute();
  const actors = new Map(users.map((u) => [u.id, actorOf(u)]));
  const waking: BusinessCalendar = { timeZone: options.timeZone, weekly: customerWakingHours };
  return {
    world: {
      seed: options.seed,
      support: calendarOf(calendars.support),
      office: calendarOf(calendars.office),
      waking,
      teams: teams.members,
      departments: departments.members,
      manager: named.manager.userId,
      categories: categorySpecs,
      customers: options.customers,
      autoCloseDays: ctx.config.caseAutoCloseDays,
    },
    actors,
    teamIds: teams.ids,
    departmentIds: departments.ids,
    categoryIds,
    users: users.length,
  };
}
