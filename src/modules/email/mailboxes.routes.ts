// HTTP for mailboxes: create (the inbound secret is in that answer only), read, change, rotate
// the secret, and the mail a mailbox recorded without a case.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth-hook.js';
import { EmailSchema, IdParams, Iso, NameSchema } from '../../http/schemas.js';
import type { ServiceContext } from '../../lib/context.js';
import { createMailbox, getMailbox, listIgnoredMail, listMailboxes, rotateMailboxSecret, updateMailbox } from './mailboxes.service.js';

const serverSettingsFields = {
  host: z.string().trim().min(1).max(255),
  port: z.number().int().min(1).max(65_535),
  secure: z.boolean(),
  username: z.string().min(1).max(320).optional(),
  password: z.string().min(1).max(1000).optional(),
};
const SmtpSettings = z.strictObject(serverSettingsFields);
const FolderName = z.string().trim().min(1).max(200);
const ImapSettings = z
  .strictObject({
    ...serverSettingsFields,
    secure: z.boolean().describe('TLS from the first byte (port 993); false: STARTTLS when the server offers it'),
    username: z.string().min(1).max(320),
    folder: FolderName.default('INBOX').describe('the folder whose unseen messages are fetched'),
    enabled: z.boolean().default(true).describe('poll this mailbox (when the mailbox is active)'),
    afterProcessing: z
      .enum(['mark_seen', 'move'])
      .default('mark_seen')
      .describe('what is done to a message once it is stored: flag it \\Seen, or move it to moveToFolder'),
    moveToFolder: FolderName.optional().describe('where processed messages go when afterProcessing is move (created if missing)'),
  })
  .superRefine((s, issues) => {
    if (s.afterProcessing === 'move' && !s.moveToFolder)
      issues.addIssue({ code: 'custom', path: ['moveToFolder'], message: 'name the folder processed messages are moved to' });
    if (s.afterProcessing === 'move' && s.moveToFolder === s.folder)
      issues.addIssue({ code: 'custom', path: ['moveToFolder'], message: 'must be another folder than the one polled' });
    if (s.afterProcessing !== 'move' && s.moveToFolder !== undefined)
      issues.addIssue({ code: 'custom', path: ['moveToFolder'], message: 'only used when afterProcessing is move' });
  });

const SettingsView = z.object({
  host: z.string(),
  port: z.number().int(),
  secure: z.boolean(),
  username: z.string().optional(),
  hasPassword: z.boolean(),
});

const ImapSettingsView = SettingsView.extend({
  folder: z.string(),
  enabled: z.boolean(),
  afterProcessing: z.enum(['mark_seen', 'move']),
  moveToFolder: z.string().optional(),
});

const MailboxViewSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  address: z.string(),
  teamId: z.string().nullable(),
  teamName: z.string().nullable(),
  active: z.boolean(),
  notifyStaff: z.boolean().describe('staff notifications are emailed from this mailbox'),
  inboundPath: z.string(),
  inboundSecretPrefix: z.string(),
  smtp: SettingsView.nullable(),
  imap: ImapSettingsView.nullable().describe('IMAP polling (the password is never shown)'),
  createdAt: Iso,
  updatedAt: Iso,
});

const MailboxWithSecret = z.object({
  mailbox: MailboxViewSchema,
  inboundSecret: z.string().describe('Shown in this answer only; the relay sends it as "Authorization: Bearer <secret>"'),
});

const CreateMailboxBody = z.strictObject({
  name: NameSchema,
  address: EmailSchema,
  teamId: z.uuid().nullable().optional(),
  active: z.boolean().optional(),
  notifyStaff: z.boolean().optional().describe('send staff notifications (SLA warnings, escalations) from this mailbox'),
  smtp: SmtpSettings.nullable().optional(),
  imap: ImapSettings.nullable().optional(),
});

const UpdateMailboxBody = z.strictObject({
  name: NameSchema.optional(),
  address: EmailSchema.optional(),
  teamId: z.uuid().nullable().optional(),
  active: z.boolean().optional(),
  notifyStaff: z.boolean().optional().describe('send staff notifications (SLA warnings, escalations) from this mailbox'),
  smtp: SmtpSettings.nullable().optional(),
  imap: ImapSettings.nullable().optional(),
});

const IgnoredMailSchema = z.object({
  id: z.uuid(),
  messageId: z.string(),
  fromAddress: z.string().nullable(),
  subject: z.string(),
  reason: z.enum(['automated_unmatched', 'own_address']),
  automatedKind: z.string().nullable(),
  sizeBytes: z.number().int(),
  receivedAt: Iso,
});

export function mailboxesRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/mailboxes',
      {
        schema: {
          tags: ['email'],
          summary: 'Create a mailbox; its inbound secret is in this answer only',
          body: CreateMailboxBody,
          response: { 201: MailboxWithSecret },
        },
      },
      async (req, reply) => reply.status(201).send(await createMailbox(ctx, req.body, requireAuth(req))),
    );

    app.get(
      '/api/mailboxes',
      { schema: { tags: ['email'], summary: 'Every mailbox', response: { 200: z.object({ items: z.array(MailboxViewSchema) }) } } },
      async (req) => ({ items: await listMailboxes(ctx, requireAuth(req)) }),
    );

    app.get(
      '/api/mailboxes/:id',
      { schema: { tags: ['email'], summary: 'One mailbox', params: IdParams, response: { 200: MailboxViewSchema } } },
      async (req) => getMailbox(ctx, req.params.id, requireAuth(req)),
    );

    app.patch(
      '/api/mailboxes/:id',
      {
        schema: {
          tags: ['email'],
          summary: 'Change a mailbox (settings sent without a password keep the stored one while host and user stay the same)',
          params: IdParams,
          body: UpdateMailboxBody,
          response: { 200: MailboxViewSchema },
        },
      },
      async (req) => updateMailbox(ctx, req.params.id, req.body, requireAuth(req)),
    );

    app.post(
      '/api/mailboxes/:id/rotate-secret',
      {
        schema: {
          tags: ['email'],
          summary: 'Replace the inbound secret; the old one stops working at once',
          params: IdParams,
          response: { 200: MailboxWithSecret },
        },
      },
      async (req) => rotateMailboxSecret(ctx, req.params.id, requireAuth(req)),
    );

    app.get(
      '/api/mailboxes/:id/ignored',
      {
        schema: {
          tags: ['email'],
          summary: 'Mail this mailbox recorded without a case: automated mail that matched none, and loops from our own addresses',
          params: IdParams,
          response: { 200: z.object({ items: z.array(IgnoredMailSchema) }) },
        },
      },
      async (req) => ({ items: await listIgnoredMail(ctx, req.params.id, requireAuth(req)) }),
    );
  };
}
