// Client calls and shapes for web forms (docs/forms-portal.md): the public intake forms an
// administrator defines (fields, team, mailbox, category mapping), their public page and the
// snippet that embeds it on a website. Same client as api.ts (CSRF, errors).
import { apiRequest } from './api';
import type { ItemList } from './api-types';

const enc = encodeURIComponent;

export const FIELD_KINDS = ['text', 'textarea', 'email', 'select', 'checkbox'] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

export type FormField = { key: string; label: string; kind: FieldKind; required: boolean; options?: string[] };

export type WebForm = {
  id: string;
  name: string;
  slug: string;
  active: boolean;
  /** Confirmations (and replies on the cases it opens) go out from this mailbox. */
  mailboxId: string | null;
  teamId: string | null;
  fields: FormField[];
  /** A select field whose answer picks the case category, and option -> category id. */
  categoryField: string | null;
  categoryMap: Record<string, string>;
  confirmationText: string;
  /** The page at the configured public address (FRONTLINE_PUBLIC_URL). */
  pageUrl: string;
  createdAt: string;
  updatedAt: string;
};

export type WebFormInput = {
  name: string;
  slug: string;
  active: boolean;
  mailboxId: string | null;
  teamId: string | null;
  fields: FormField[];
  categoryField: string | null;
  categoryMap: Record<string, string>;
  confirmationText: string;
};

/** Every form must have these two (the server refuses a form without them). */
export const REQUIRED_KEYS = ['email', 'message'] as const;

/** What a new form starts with: the fields every form needs, and a name and subject. */
export function defaultFields(): FormField[] {
  return [
    { key: 'name', label: 'Your name', kind: 'text', required: false },
    { key: 'email', label: 'Email', kind: 'email', required: true },
    { key: 'subject', label: 'Subject', kind: 'text', required: true },
    { key: 'message', label: 'How can we help?', kind: 'textarea', required: true },
  ];
}

export async function listForms(): Promise<WebForm[]> {
  return (await apiRequest<ItemList<WebForm>>('/api/forms')).items;
}

export function createForm(input: WebFormInput): Promise<WebForm> {
  return apiRequest('/api/forms', { method: 'POST', body: input });
}

export function updateForm(id: string, input: Partial<WebFormInput>): Promise<WebForm> {
  return apiRequest(`/api/forms/${enc(id)}`, { method: 'PATCH', body: input });
}

/** A slug from a name: "Contact us!" -> "contact-us". */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

/**
 * The form's public page on this server, like a mailbox's inbound URL: at the address the
 * administrator reaches Frontline at.
 */
export function publicFormUrl(form: Pick<WebForm, 'slug'>, origin: string = window.location.origin): string {
  return `${origin}/forms/${enc(form.slug)}`;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The HTML a website pastes to show the form (the page may be framed by any site). */
export function embedSnippet(form: Pick<WebForm, 'slug' | 'name'>, origin?: string): string {
  return `<iframe src="${escapeAttribute(publicFormUrl(form, origin))}" title="${escapeAttribute(form.name)}" style="width:100%;min-height:640px;border:0" loading="lazy"></iframe>`;
}
