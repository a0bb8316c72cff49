// How a customer is recognised on a channel: identity values are normalised before they are
// stored or looked up, so "Ann@Example.com " and "ann@example.com" are one person.
import { z } from 'zod';
import type { IdentityKind } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';

export function normaliseIdentity(kind: IdentityKind, value: string): string {
  const v = value.trim();
  switch (kind) {
    case 'email':
      return v.toLowerCase();
    case 'phone':
      // Keep a leading + and the digits; punctuation and spaces vary by how people type.
      return v.replace(/(?!^\+)[^\d]/g, '');
    default:
      return v;
  }
}

/** "Ann Smith" → "Ann"; "" → "". Used by the {{customer.first_name}} placeholder. */
export function firstNameOf(name: string): string {
  return name.trim().split(/\s+/)[0] ?? '';
}

const emailShape = z.email().max(320);

/**
 * The stored form of an identity, or a validation error naming the field: an email must be an
 * address, a phone number needs 3 to 20 digits, chat and external ids must not be blank.
 */
export function validateIdentity(kind: IdentityKind, value: string, field = 'value'): string {
  const normalised = normaliseIdentity(kind, value);
  const ok =
    kind === 'email'
      ? emailShape.safeParse(normalised).success
      : kind === 'phone'
        ? /^\+?\d{3,20}$/.test(normalised)
        : normalised.length > 0 && normalised.length <= 500;
  if (!ok) throw new AppError('validation_failed', `${field}: "${value}" is not a valid ${kind} identity`, { field, kind });
  return normalised;
}

/** What a search text could be as a stored identity value: as typed, lower-cased, or as a phone number. */
export function identitySearchForms(q: string): string[] {
  const typed = q.trim();
  const forms = new Set([typed, typed.toLowerCase()]);
  if (/^[+\d\s().-]+$/.test(typed) && /\d{3}/.test(typed.replace(/\D/g, ''))) forms.add(normaliseIdentity('phone', typed));
  forms.delete('');
  return [...forms];
}
