// API tokens for scripts and integrations: shown once at creation, stored as a hash, revocable.
import type { ServiceContext, Tx } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { generateSecret, hashSecret } from '../../lib/secrets.js';
import { recordAudit } from '../audit/audit.service.js';
import { apiTokenPrefix } from '../auth/auth.service.js';
import type { Actor } from '../auth/permissions.js';
import { assertPermission, hasPermission } from '../auth/permissions.js';

export type TokenView = {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  userId: string;
  userName: string;
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function tokenQuery(db: Tx) {
  return db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select([
      't.id',
      't.name',
      't.prefix',
      't.created_at',
      't.last_used_at',
      't.expires_at',
      't.revoked_at',
      't.user_id',
      'u.name as user_name',
    ]);
}

type TokenRow = Awaited<ReturnType<ReturnType<typeof tokenQuery>['executeTakeFirstOrThrow']>>;

function toTokenView(r: TokenRow): TokenView {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: iso(r.last_used_at),
    expiresAt: iso(r.expires_at),
    revokedAt: iso(r.revoked_at),
    userId: r.user_id,
    userName: r.user_name,
  };
}

/** Own tokens by default; `all` lists everyone's (admins). */
export async function listTokens(ctx: ServiceContext, input: { all?: boolean | undefined }, actor: Actor): Promise<TokenView[]> {
  assertPermission(actor, input.all ? 'tokens.manage_all' : 'tokens.manage_own');
  let q = tokenQuery(ctx.db).orderBy('t.created_at', 'desc').orderBy('t.id');
  if (!input.all) q = q.where('t.user_id', '=', actor.userId);
  return (await q.execute()).map(toTokenView);
}

export type CreateTokenInput = { name: string; expiresInDays?: number | undefined; userId?: string | undefined };

/** Inside a transaction; the CLI uses it too. */
export async function insertToken(
  trx: Tx,
  input: CreateTokenInput & { userId: string },
  actor: Actor,
  now: Date,
): Promise<{ token: TokenView; secret: string }> {
  const secret = `${apiTokenPrefix}${generateSecret()}`;
  const inserted = await trx
    .insertInto('api_tokens')
    .values({
      user_id: input.userId,
      name: input.name.trim(),
      prefix: secret.slice(0, apiTokenPrefix.length + 6),
      token_hash: hashSecret(secret),
      created_at: now,
      expires_at: input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * 86_400_000) : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const token = toTokenView(await tokenQuery(trx).where('t.id', '=', inserted.id).executeTakeFirstOrThrow());
  await recordAudit(trx, actor, now, { action: 'token.created', subjectType: 'api_token', subjectId: token.id, after: token });
  return { token, secret };
}

export async function createToken(
  ctx: ServiceContext,
  input: CreateTokenInput,
  actor: Actor,
): Promise<{ token: TokenView; secret: string }> {
  const forOther = input.userId !== undefined && input.userId !== actor.userId;
  assertPermission(actor, forOther ? 'tokens.manage_all' : 'tokens.manage_own');
  const userId = input.userId ?? actor.userId;
  return ctx.db.transaction().execute(async (trx) => {
    const owner = await trx.selectFrom('users').select(['id', 'active']).where('id', '=', userId).executeTakeFirst();
    if (!owner) throw new AppError('not_found', `user ${userId} does not exist`);
    if (!owner.active) throw new AppError('conflict', 'cannot create a token for a deactivated user');
    return insertToken(trx, { ...input, userId }, actor, ctx.clock.now());
  });
}

export async function revokeToken(ctx: ServiceContext, id: string, actor: Actor): Promise<void> {
  assertPermission(actor, 'tokens.manage_own');
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const row = await tokenQuery(trx).where('t.id', '=', id).forUpdate().executeTakeFirst();
    // Someone else's token is "not found" to a user who may not manage all tokens.
    if (!row || (row.user_id !== actor.userId && !hasPermission(actor, 'tokens.manage_all'))) {
      throw new AppError('not_found', `token ${id} does not exist`);
    }
    if (row.revoked_at) return;
    await trx.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).execute();
    await recordAudit(trx, actor, now, { action: 'token.revoked', subjectType: 'api_token', subjectId: id, before: toTokenView(row) });
  });
}
