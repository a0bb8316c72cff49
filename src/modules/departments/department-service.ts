// A department's service terms: the business calendar its internal targets count on, and the
// targets (OLAs) per request type, `*` being the default for any other type.
import type { ServiceContext } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { inTransaction } from '../../lib/transaction.js';
import { recordAudit } from '../audit/audit.service.js';
import { assertPermission, type Actor } from '../auth/permissions.js';

export type DepartmentService = { calendarId: string | null; olas: { requestType: string; minutes: number; businessHours: boolean }[] };

async function load(db: ServiceContext['db'], id: string): Promise<DepartmentService> {
  const dept = await db.selectFrom('departments').select('calendar_id').where('id', '=', id).executeTakeFirst();
  if (!dept) throw new AppError('not_found', `department ${id} does not exist`);
  const olas = await db.selectFrom('department_olas').selectAll().where('department_id', '=', id).orderBy('request_type').execute();
  return {
    calendarId: dept.calendar_id,
    olas: olas.map((o) => ({ requestType: o.request_type, minutes: o.answer_minutes, businessHours: o.business_hours })),
  };
}

export async function getDepartmentService(ctx: ServiceContext, id: string, actor: Actor): Promise<DepartmentService> {
  assertPermission(actor, 'departments.read');
  return load(ctx.db, id);
}

/** Replaces the calendar and the whole OLA list; requests already made keep the due time they got. */
export async function setDepartmentService(
  ctx: ServiceContext,
  id: string,
  input: DepartmentService,
  actor: Actor,
): Promise<DepartmentService> {
  assertPermission(actor, 'departments.manage');
  const types = input.olas.map((o) => o.requestType);
  if (new Set(types).size !== types.length) throw new AppError('validation_failed', 'olas: each request type once', { field: 'olas' });
  const at = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    const before = await load(trx, id);
    if (input.calendarId) {
      const cal = await trx.selectFrom('business_calendars').select('id').where('id', '=', input.calendarId).executeTakeFirst();
      if (!cal) throw new AppError('validation_failed', `calendarId: calendar ${input.calendarId} does not exist`, { field: 'calendarId' });
    }
    await trx.updateTable('departments').set({ calendar_id: input.calendarId, updated_at: at }).where('id', '=', id).execute();
    await trx.deleteFrom('department_olas').where('department_id', '=', id).execute();
    if (input.olas.length > 0)
      await trx
        .insertInto('department_olas')
        .values(
          input.olas.map((o) => ({
            department_id: id,
            request_type: o.requestType,
            answer_minutes: o.minutes,
            business_hours: o.businessHours,
          })),
        )
        .execute();
    const after = await load(trx, id);
    await recordAudit(trx, actor, at, { action: 'department.service_updated', subjectType: 'department', subjectId: id, before, after });
    return after;
  });
}
