// First run: while no user exists, `frontline start` prints a one-time link that lets whoever
// holds it create the first administrator.
import type { ServiceContext } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { generateSecret, hashSecret } from '../../lib/secrets.js';
import { startSession, type LoginResult } from '../auth/auth.service.js';
import { systemActor } from '../auth/permissions.js';
import { countUsers } from '../users/users.queries.js';
import { insertNewUser, type UserView } from '../users/users.service.js';
import { sql } from 'kysely';

const setupLinkHours = 24;

export async function needsSetup(ctx: Pick<ServiceContext, 'db'>): Promise<boolean> {
  return (await countUsers(ctx.db)) === 0;
}

/** Issues a fresh setup secret (older ones stay valid until they expire or one is used). */
export async function issueSetupToken(ctx: ServiceContext): Promise<string | null> {
  if (!(await needsSetup(ctx))) return null;
  const secret = generateSecret();
  const now = ctx.clock.now();
  await ctx.db
    .insertInto('setup_tokens')
    .values({ token_hash: hashSecret(secret), created_at: now, expires_at: new Date(now.getTime() + setupLinkHours * 3_600_000) })
    .execute();
  return secret;
}

export type CompleteSetupInput = {
  token: string;
  email: string;
  password: string;
  name: string;
  ip: string;
  userAgent?: string | undefined;
};

export async function completeSetup(ctx: ServiceContext, input: CompleteSetupInput): Promise<{ user: UserView; session: LoginResult }> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    // One setup at a time: two people racing with two links must not both become admin.
    await sql`lock table setup_tokens in exclusive mode`.execute(trx);
    if ((await countUsers(trx)) > 0) throw new AppError('gone', 'Frontline is already set up; sign in instead');
    const used = await trx
      .updateTable('setup_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', hashSecret(input.token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning('token_hash')
      .executeTakeFirst();
    if (!used) throw new AppError('forbidden', 'the setup link is not valid or has expired; restart Frontline for a new one');
    const user = await insertNewUser(
      trx,
      { email: input.email, name: input.name, password: input.password, role: 'admin' },
      systemActor,
      now,
    );
    const session = await startSession(trx, ctx, user.id, input, now);
    return { user, session };
  });
}
