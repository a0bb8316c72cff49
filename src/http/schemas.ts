// Zod schemas shared by several route files.
import { z } from 'zod';
import { roles } from '../modules/auth/permissions.js';

export const IdParams = z.strictObject({ id: z.uuid() });
export const RoleSchema = z.enum(roles);
export const Iso = z.string().describe('ISO 8601 instant in UTC');

export const UserViewSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: RoleSchema,
  active: z.boolean(),
  available: z.boolean(),
  createdAt: Iso,
  lastLoginAt: Iso.nullable(),
});

export const ErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

export const EmailSchema = z.email().max(320);
export const NameSchema = z.string().trim().min(1).max(200);
export const DescriptionSchema = z.string().max(2000).nullable();

/** Query-string booleans arrive as text. */
export const QueryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');
