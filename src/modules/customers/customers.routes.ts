// HTTP for customers (directory, identities, merge, timeline, event log) and organisations.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth-hook.js';
import { IdParams, Iso, NameSchema } from '../../http/schemas.js';
import type { ServiceContext } from '../../lib/context.js';
import { CaseStatusSchema, ChannelSchema } from '../cases/cases.routes.js';
import {
  addCustomerIdentity,
  createCustomer,
  getCustomer,
  getCustomerTimeline,
  listCustomerEvents,
  listCustomers,
  mergeCustomers,
  removeCustomerIdentity,
  updateCustomer,
} from './customers.service.js';
import { createOrganisation, deleteOrganisation, getOrganisation, listOrganisations, updateOrganisation } from './organisations.service.js';

const TierSchema = z.enum(['standard', 'priority', 'vip']);
const IdentityKindSchema = z.enum(['email', 'phone', 'chat', 'external']);
const CustomerName = z.string().trim().max(200);
const Notes = z.string().max(10_000);
const Cursor = z.string().max(500);
const nonEmpty = (b: object) => Object.keys(b).length > 0;

const CustomerSummarySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  tier: TierSchema,
  organisationId: z.string().nullable(),
  organisationName: z.string().nullable(),
  emails: z.array(z.string()),
  phones: z.array(z.string()),
  openCaseCount: z.number().int(),
  createdAt: Iso,
});

const CustomerDetailSchema = CustomerSummarySchema.extend({
  organisation: z.object({ id: z.uuid(), name: z.string(), domain: z.string().nullable() }).nullable(),
  identities: z.array(z.object({ id: z.uuid(), kind: IdentityKindSchema, value: z.string() })),
  notes: z.string().nullable(),
  caseCount: z.number().int(),
  mergedIntoId: z.string().nullable().describe('set when this customer was merged into another: follow it'),
  updatedAt: Iso,
});

const TimelineItemSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('case'),
    at: Iso,
    caseId: z.uuid(),
    number: z.number().int(),
    subject: z.string(),
    status: CaseStatusSchema,
    channel: ChannelSchema,
  }),
  z.object({
    type: z.literal('message'),
    at: Iso,
    messageId: z.uuid(),
    caseId: z.uuid(),
    number: z.number().int(),
    subject: z.string(),
    channel: ChannelSchema,
    excerpt: z.string().describe('the first 200 characters of the message, whitespace collapsed'),
  }),
]);

const CustomerEventSchema = z.object({
  id: z.string(),
  kind: z.string(),
  actor: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  before: z.unknown(),
  after: z.unknown(),
  at: Iso,
});

const OrganisationSchema = z.object({ id: z.uuid(), name: z.string(), domain: z.string().nullable(), createdAt: Iso, updatedAt: Iso });
const OrganisationDetailSchema = OrganisationSchema.extend({ customerCount: z.number().int(), openCaseCount: z.number().int() });
const DomainSchema = z.string().max(253).nullable();

export function customersRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/customers',
      {
        schema: {
          tags: ['customers'],
          summary: 'Find customers by name words or identity prefix, newest first (merged customers are left out)',
          querystring: z.strictObject({
            q: z.string().max(200).optional(),
            organisationId: z.uuid().optional(),
            tier: TierSchema.optional(),
            cursor: Cursor.optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          }),
          response: { 200: z.object({ items: z.array(CustomerSummarySchema), nextCursor: z.string().nullable() }) },
        },
      },
      async (req) => listCustomers(ctx, req.query, requireAuth(req)),
    );

    app.post(
      '/api/customers',
      {
        schema: {
          tags: ['customers'],
          summary: 'Create a customer with at least one email or phone (an identity another customer has → 409)',
          body: z.strictObject({
            name: CustomerName.optional(),
            emails: z.array(z.string().max(320)).max(20).optional(),
            phones: z.array(z.string().max(40)).max(20).optional(),
            organisationId: z.uuid().optional(),
            tier: TierSchema.optional(),
            notes: Notes.optional(),
          }),
          response: { 201: CustomerDetailSchema },
        },
      },
      async (req, reply) => reply.status(201).send(await createCustomer(ctx, req.body, requireAuth(req))),
    );

    app.get(
      '/api/customers/:id',
      {
        schema: {
          tags: ['customers'],
          summary: 'One customer with identities and case counts; a merged customer answers with mergedIntoId',
          params: IdParams,
          response: { 200: CustomerDetailSchema },
        },
      },
      async (req) => getCustomer(ctx, req.params.id, requireAuth(req)),
    );

    app.patch(
      '/api/customers/:id',
      {
        schema: {
          tags: ['customers'],
          summary: 'Change name, tier, organisation (null clears) or notes; recorded in the customer event log',
          params: IdParams,
          body: z
            .strictObject({
              name: CustomerName.optional(),
              tier: TierSchema.optional(),
              organisationId: z.uuid().nullable().optional(),
              notes: Notes.nullable().optional(),
            })
            .refine(nonEmpty, 'send at least one field to change'),
          response: { 200: CustomerDetailSchema },
        },
      },
      async (req) => updateCustomer(ctx, req.params.id, req.body, requireAuth(req)),
    );

    app.post(
      '/api/customers/:id/identities',
      {
        schema: {
          tags: ['customers'],
          summary: 'Add an identity (201; 200 if the customer already has it; 409 if another customer has it)',
          params: IdParams,
          body: z.strictObject({ kind: IdentityKindSchema, value: z.string().max(500) }),
          response: { 200: CustomerDetailSchema, 201: CustomerDetailSchema },
        },
      },
      async (req, reply) => {
        const { customer, added } = await addCustomerIdentity(ctx, req.params.id, req.body, requireAuth(req));
        return reply.status(added ? 201 : 200).send(customer);
      },
    );

    app.delete(
      '/api/customers/:id/identities/:identityId',
      {
        schema: {
          tags: ['customers'],
          summary: 'Remove an identity (a customer keeps at least one: 409)',
          params: z.strictObject({ id: z.uuid(), identityId: z.uuid() }),
          response: { 200: CustomerDetailSchema },
        },
      },
      async (req) => removeCustomerIdentity(ctx, req.params.id, req.params.identityId, requireAuth(req)),
    );

    app.post(
      '/api/customers/:id/merge',
      {
        schema: {
          tags: ['customers'],
          summary: 'Merge the duplicate sourceId into this customer: identities, cases and messages move',
          params: IdParams,
          body: z.strictObject({ sourceId: z.uuid() }),
          response: { 200: CustomerDetailSchema },
        },
      },
      async (req) => mergeCustomers(ctx, req.params.id, req.body, requireAuth(req)),
    );

    app.get(
      '/api/customers/:id/timeline',
      {
        schema: {
          tags: ['customers'],
          summary: 'The customer’s cases and contacts, newest first, within the cases you may see',
          params: IdParams,
          querystring: z.strictObject({ cursor: Cursor.optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }),
          response: { 200: z.object({ items: z.array(TimelineItemSchema), nextCursor: z.string().nullable() }) },
        },
      },
      async (req) => getCustomerTimeline(ctx, req.params.id, req.query, requireAuth(req)),
    );

    app.get(
      '/api/customers/:id/events',
      {
        schema: {
          tags: ['customers'],
          summary: 'The customer’s event log, oldest first (page with ?after=<event id>)',
          params: IdParams,
          querystring: z.strictObject({
            after: z
              .string()
              .regex(/^\d{1,18}$/)
              .optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(500),
          }),
          response: { 200: z.object({ items: z.array(CustomerEventSchema) }) },
        },
      },
      async (req) => ({ items: await listCustomerEvents(ctx, req.params.id, req.query, requireAuth(req)) }),
    );

    app.get(
      '/api/organisations',
      {
        schema: {
          tags: ['organisations'],
          summary: 'Organisations by name, optionally those whose name or domain contains q',
          querystring: z.strictObject({
            q: z.string().max(200).optional(),
            limit: z.coerce.number().int().min(1).max(500).default(100),
          }),
          response: { 200: z.object({ items: z.array(OrganisationSchema) }) },
        },
      },
      async (req) => ({ items: await listOrganisations(ctx, req.query, requireAuth(req)) }),
    );

    app.post(
      '/api/organisations',
      {
        schema: {
          tags: ['organisations'],
          summary: 'Create an organisation (names are unique regardless of case: 409)',
          body: z.strictObject({ name: NameSchema, domain: DomainSchema.optional() }),
          response: { 201: OrganisationDetailSchema },
        },
      },
      async (req, reply) => reply.status(201).send(await createOrganisation(ctx, req.body, requireAuth(req))),
    );

    app.get(
      '/api/organisations/:id',
      {
        schema: {
          tags: ['organisations'],
          summary: 'One organisation with its customer count and open case count',
          params: IdParams,
          response: { 200: OrganisationDetailSchema },
        },
      },
      async (req) => getOrganisation(ctx, req.params.id, requireAuth(req)),
    );

    app.patch(
      '/api/organisations/:id',
      {
        schema: {
          tags: ['organisations'],
          summary: 'Rename an organisation or change its domain (null clears)',
          params: IdParams,
          body: z
            .strictObject({ name: NameSchema.optional(), domain: DomainSchema.optional() })
            .refine(nonEmpty, 'send at least one field to change'),
          response: { 200: OrganisationDetailSchema },
        },
      },
      async (req) => updateOrganisation(ctx, req.params.id, req.body, requireAuth(req)),
    );

    app.delete(
      '/api/organisations/:id',
      { schema: { tags: ['organisations'], summary: 'Delete an organisation that has no customers (409 otherwise)', params: IdParams } },
      async (req, reply) => {
        await deleteOrganisation(ctx, req.params.id, requireAuth(req));
        return reply.status(204).send();
      },
    );
  };
}
