// Reply templates of macros and canned replies: the placeholders they may use, checking a
// template when it is saved, and rendering it for one case. Pure: no database, no clock.
// Values are inserted as plain text in one pass, so a customer called "{{agent.email}}" stays
// literally that and is never expanded or interpreted.
import { firstNameOf } from '../customers/customer-identity.js';

export const placeholderNames = [
  'customer.first_name',
  'customer.name',
  'customer.email',
  'case.number',
  'case.subject',
  'case.status',
  'agent.name',
  'agent.first_name',
  'agent.email',
] as const;

export type PlaceholderName = (typeof placeholderNames)[number];

export type TemplateValues = Record<PlaceholderName, string>;

export type TemplateProblem = { unknown: string[]; unclosed: boolean };

// `{{ name }}`: anything but braces inside, surrounding whitespace allowed.
const placeholderPattern = /\{\{\s*([^{}]*?)\s*\}\}/g;

function isPlaceholderName(name: string): name is PlaceholderName {
  return (placeholderNames as readonly string[]).includes(name);
}

/** The placeholder names a template uses, in order of first use. */
export function placeholdersIn(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(placeholderPattern)) if (!names.includes(m[1]!)) names.push(m[1]!);
  return names;
}

/**
 * What is wrong with a template, or null: placeholders nobody can fill, and a `{{` left open
 * (almost always a typo that would otherwise reach the customer verbatim).
 */
export function templateProblem(template: string): TemplateProblem | null {
  const unknown = placeholdersIn(template).filter((n) => !isPlaceholderName(n));
  const unclosed = template.replace(placeholderPattern, '').includes('{{');
  return unknown.length > 0 || unclosed ? { unknown, unclosed } : null;
}

/** A sentence for the person saving the macro. */
export function describeTemplateProblem(p: TemplateProblem): string {
  const parts: string[] = [];
  if (p.unknown.length > 0)
    parts.push(`unknown placeholder${p.unknown.length > 1 ? 's' : ''} ${p.unknown.map((n) => `{{${n}}}`).join(', ')}`);
  if (p.unclosed) parts.push('a "{{" is not closed with "}}"');
  return `${parts.join('; ')} (placeholders: ${placeholderNames.map((n) => `{{${n}}}`).join(', ')})`;
}

/**
 * Fills every placeholder in one pass. Templates are checked when saved; should an unknown one
 * still slip through, it is left as written rather than guessed at.
 */
export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(placeholderPattern, (whole, name: string) => (isPlaceholderName(name) ? values[name] : whole));
}

/** "on_hold" → "on hold": statuses read as words inside a sentence to a customer. */
export function statusWords(status: string): string {
  return status.replace(/_/g, ' ');
}

export type TemplateSubject = {
  customer: { name: string; email: string | null };
  case: { number: number; subject: string; status: string };
  agent: { name: string; email: string };
};

/** The values for one case and agent; anything unknown (a customer without email) is empty. */
export function templateValues(s: TemplateSubject): TemplateValues {
  return {
    'customer.first_name': firstNameOf(s.customer.name),
    'customer.name': s.customer.name.trim(),
    'customer.email': s.customer.email ?? '',
    'case.number': String(s.case.number),
    'case.subject': s.case.subject,
    'case.status': statusWords(s.case.status),
    'agent.name': s.agent.name.trim(),
    'agent.first_name': firstNameOf(s.agent.name),
    'agent.email': s.agent.email,
  };
}
