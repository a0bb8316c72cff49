// Role × endpoint-group matrix: each role is allowed exactly the groups written here, checked
// over the real HTTP routes with a token per role. The expectations are spelled out by hand,
// not derived from the permission table, so a change to either shows up here.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Role } from '../src/db/schema.js';
import { startTestApp, type Requester, type TestApp } from './helpers.js';

type Group =
  | 'users.read'
  | 'users.manage'
  | 'teams.read'
  | 'teams.manage'
  | 'departments.read'
  | 'departments.manage'
  | 'tokens.own'
  | 'tokens.all'
  | 'audit.read'
  | 'roles.read'
  | 'cases.read'
  | 'cases.write';

const Y = true;
const N = false;
// prettier-ignore
const matrix: Record<Role, Record<Group, boolean>> = {
  //             users.read users.manage teams.read teams.manage departments.read departments.manage tokens.own tokens.all audit.read roles.read
  admin:       { 'users.read': Y, 'users.manage': Y, 'teams.read': Y, 'teams.manage': Y, 'departments.read': Y, 'departments.manage': Y, 'tokens.own': Y, 'tokens.all': Y, 'audit.read': Y, 'roles.read': Y, 'cases.read': Y, 'cases.write': Y },
  manager:     { 'users.read': Y, 'users.manage': N, 'teams.read': Y, 'teams.manage': Y, 'departments.read': Y, 'departments.manage': Y, 'tokens.own': Y, 'tokens.all': N, 'audit.read': Y, 'roles.read': Y, 'cases.read': Y, 'cases.write': Y },
  team_leader: { 'users.read': Y, 'users.manage': N, 'teams.read': Y, 'teams.manage': N, 'departments.read': Y, 'departments.manage': N, 'tokens.own': Y, 'tokens.all': N, 'audit.read': N, 'roles.read': Y, 'cases.read': Y, 'cases.write': Y },
  agent:       { 'users.read': Y, 'users.manage': N, 'teams.read': Y, 'teams.manage': N, 'departments.read': Y, 'departments.manage': N, 'tokens.own': Y, 'tokens.all': N, 'audit.read': N, 'roles.read': Y, 'cases.read': Y, 'cases.write': Y },
  qa_analyst:  { 'users.read': Y, 'users.manage': N, 'teams.read': Y, 'teams.manage': N, 'departments.read': Y, 'departments.manage': N, 'tokens.own': Y, 'tokens.all': N, 'audit.read': N, 'roles.read': Y, 'cases.read': Y, 'cases.write': N },
  wfm_planner: { 'users.read': Y, 'users.manage': N, 'teams.read': Y, 'teams.manage': N, 'departments.read': Y, 'departments.manage': N, 'tokens.own': Y, 'tokens.all': N, 'audit.read': N, 'roles.read': Y, 'cases.read': Y, 'cases.write': N },
  back_office: { 'users.read': N, 'users.manage': N, 'teams.read': N, 'teams.manage': N, 'departments.read': Y, 'departments.manage': N, 'tokens.own': Y, 'tokens.all': N, 'audit.read': N, 'roles.read': Y, 'cases.read': N, 'cases.write': N },
  executive:   { 'users.read': N, 'users.manage': N, 'teams.read': N, 'teams.manage': N, 'departments.read': N, 'departments.manage': N, 'tokens.own': Y, 'tokens.all': N, 'audit.read': N, 'roles.read': Y, 'cases.read': Y, 'cases.write': N },
};

let t: TestApp;
let seedTeamId: string;
let seedDepartmentId: string;
let seedUserId: string;
let seedCaseId: string;
let counter = 0;

beforeAll(async () => {
  t = await startTestApp();
  const admin = await t.userWithToken('admin');
  seedTeamId = (await admin.as({ method: 'POST', url: '/api/teams', body: { name: 'Seed team' } })).json().id;
  seedDepartmentId = (await admin.as({ method: 'POST', url: '/api/departments', body: { name: 'Seed department' } })).json().id;
  seedUserId = (await t.createUser({ role: 'agent' })).id;
  seedCaseId = (
    await admin.as({ method: 'POST', url: '/api/cases', body: { subject: 'Seed case', requester: { email: 'seed@example.test' } } })
  ).json().id;
});
afterAll(() => t.close());

/** Each group's calls; every one must answer 403 when the group is denied and < 400 when allowed. */
function callsFor(group: Group): ((as: Requester) => Promise<{ statusCode: number }>)[] {
  const n = () => `${group}-${++counter}`;
  switch (group) {
    case 'users.read':
      return [(as) => as({ url: '/api/users' }), (as) => as({ url: `/api/users/${seedUserId}` })];
    case 'users.manage':
      return [
        (as) =>
          as({
            method: 'POST',
            url: '/api/users',
            body: { email: `${n()}@example.test`, name: 'New', role: 'agent', password: 'long enough' },
          }),
        (as) => as({ method: 'PATCH', url: `/api/users/${seedUserId}`, body: { role: 'agent' } }),
      ];
    case 'teams.read':
      return [(as) => as({ url: '/api/teams' }), (as) => as({ url: `/api/teams/${seedTeamId}` })];
    case 'teams.manage':
      return [
        (as) => as({ method: 'POST', url: '/api/teams', body: { name: n() } }),
        (as) => as({ method: 'PATCH', url: `/api/teams/${seedTeamId}`, body: { description: n() } }),
        (as) => as({ method: 'PUT', url: `/api/teams/${seedTeamId}/members/${seedUserId}`, body: { membership: 'member' } }),
      ];
    case 'departments.read':
      return [(as) => as({ url: '/api/departments' }), (as) => as({ url: `/api/departments/${seedDepartmentId}` })];
    case 'departments.manage':
      return [
        (as) => as({ method: 'POST', url: '/api/departments', body: { name: n() } }),
        (as) => as({ method: 'PATCH', url: `/api/departments/${seedDepartmentId}`, body: { description: n() } }),
      ];
    case 'tokens.own':
      return [(as) => as({ url: '/api/tokens' }), (as) => as({ method: 'POST', url: '/api/tokens', body: { name: n() } })];
    case 'tokens.all':
      return [(as) => as({ url: '/api/tokens?all=true' })];
    case 'audit.read':
      return [(as) => as({ url: '/api/audit' })];
    case 'roles.read':
      return [(as) => as({ url: '/api/roles' })];
    case 'cases.read':
      return [(as) => as({ url: `/api/cases/${seedCaseId}` }), (as) => as({ url: `/api/cases/${seedCaseId}/messages` })];
    case 'cases.write':
      return [
        (as) => as({ method: 'POST', url: '/api/cases', body: { subject: n(), requester: { email: 'perm@example.test' } } }),
        (as) => as({ method: 'POST', url: `/api/cases/${seedCaseId}/messages`, body: { kind: 'note', body: n() } }),
      ];
  }
}

const roles = Object.keys(matrix) as Role[];
const groups = Object.keys(matrix.admin) as Group[];

describe.each(roles)('%s', (role) => {
  test.each(groups)(`%s`, async (group) => {
    const { as } = await t.userWithToken(role);
    for (const call of callsFor(group)) {
      const res = await call(as);
      if (matrix[role][group]) expect(res.statusCode, `${role} should be allowed ${group}`).toBeLessThan(400);
      // Cases outside a user's scope are "not found" rather than "forbidden", so ids do not leak.
      else if (group === 'cases.read') expect(res.statusCode, `${role} should not see ${group}`).toBe(404);
      else expect(res.statusCode, `${role} should be denied ${group}`).toBe(403);
    }
  });
});

test('without credentials every API group answers 401', async () => {
  const anonymous: Requester = (opts) =>
    t.app.inject({ method: (opts.method ?? 'GET') as 'GET', url: opts.url, ...(opts.body ? { payload: opts.body as object } : {}) });
  for (const group of groups) {
    for (const call of callsFor(group)) expect((await call(anonymous)).statusCode).toBe(401);
  }
});

test('users may change their own name and password but not their own role', async () => {
  const { as, user } = await t.userWithToken('agent');
  expect((await as({ method: 'PATCH', url: `/api/users/${user.id}`, body: { name: 'Renamed Agent' } })).statusCode).toBe(200);
  expect((await as({ method: 'PATCH', url: `/api/users/${user.id}`, body: { role: 'admin' } })).statusCode).toBe(403);
});
