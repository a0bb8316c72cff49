// HTTP for service standards: the due-time preview for a calendar and a set of targets.
import { DateTime } from 'luxon';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceContext } from '../../lib/context.js';
import { requireAuth } from '../../http/auth-hook.js';
import { Iso } from '../../http/schemas.js';
import { dueTimes, isValidTimeZone, weekdays, type Weekday } from '../../lib/business-time.js';

const maxTargetMinutes = 60 * 24 * 365;

export const WallTime = z.string().regex(/^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be "HH:MM" from 00:00 to 24:00');
const OpeningIntervalSchema = z.strictObject({
  start: WallTime.refine((t) => t !== '24:00', 'an interval cannot start at 24:00'),
  end: WallTime,
});
export const WeeklySchema = z
  .strictObject(
    Object.fromEntries(weekdays.map((d) => [d, z.array(OpeningIntervalSchema).max(24).optional()])) as Record<
      Weekday,
      z.ZodOptional<z.ZodArray<typeof OpeningIntervalSchema>>
    >,
  )
  .refine((w) => Object.values(w).some((intervals) => intervals && intervals.length > 0), 'the calendar has no opening hours');

const CalendarSchema = z.strictObject({
  timeZone: z.string().max(100).refine(isValidTimeZone, 'must be an IANA time zone such as Europe/London'),
  weekly: WeeklySchema.describe('Opening hours per lower-case weekday; an absent day is closed; end <= start runs overnight'),
  holidays: z
    .array(
      z.union([
        z.iso.date(),
        z
          .strictObject({ date: z.iso.date(), start: WallTime, end: WallTime })
          .refine((h) => h.start !== '24:00' && h.start < h.end, 'a partial holiday needs start before end (end may be 24:00)'),
      ]),
    )
    .max(2000)
    .optional()
    .describe('Local dates closed all day, or { date, start, end } closing part of one'),
});

// An instant must say where it is: a time without "Z" or an offset would be ambiguous.
export const InstantSchema = z
  .string()
  .max(40)
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/i,
    'must be an ISO 8601 instant with "Z" or an offset',
  )
  .refine((v) => DateTime.fromISO(v).isValid, 'is not a real date and time')
  .describe('ISO 8601 instant with Z or an offset');

const TargetSchema = z.strictObject({
  minutes: z.number().int().min(0).max(maxTargetMinutes),
  businessHours: z.boolean().default(true).describe('Count only open hours of the calendar (default) or all time'),
});

const PreviewBody = z
  .strictObject({
    calendar: CalendarSchema,
    start: InstantSchema,
    targets: z
      .record(z.string().min(1).max(100), TargetSchema)
      .refine((t) => Object.keys(t).length <= 50, 'at most 50 targets')
      .describe('Targets by name'),
    pauses: z
      .array(z.strictObject({ from: InstantSchema, to: InstantSchema }))
      .max(1000)
      .optional()
      .describe('Stretches when no clock runs'),
  })
  .superRefine((body, issue) => {
    body.pauses?.forEach((p, i) => {
      if (toDate(p.to) < toDate(p.from)) issue.addIssue({ code: 'custom', path: ['pauses', i, 'to'], message: 'ends before it starts' });
    });
  });

function toDate(iso: string): Date {
  return DateTime.fromISO(iso, { setZone: true }).toJSDate();
}

export function slaRoutes(_ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/sla/preview',
      {
        schema: {
          tags: ['sla'],
          summary: 'Due instants of targets started at one instant under a business calendar',
          body: PreviewBody,
          response: { 200: z.object({ due: z.record(z.string(), Iso) }) },
        },
      },
      async (req) => {
        requireAuth(req);
        const { calendar, start, targets, pauses } = req.body;
        const due = dueTimes(
          calendar,
          toDate(start),
          targets,
          (pauses ?? []).map((p) => ({ from: toDate(p.from), to: toDate(p.to) })),
        );
        return { due: Object.fromEntries(Object.entries(due).map(([name, at]) => [name, at.toISOString()])) };
      },
    );
  };
}
