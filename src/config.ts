// The one place that reads settings: environment variables and CLI flags are merged here,
// validated by one Zod schema, and handed to the rest of the program as a plain object.
import path from 'node:path';
import { z } from 'zod';
import { isValidTimeZone } from './lib/business-time.js';
import { packageRoot as defaultPackageRoot } from './lib/paths.js';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const booleanFromText = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

/** Every setting, its environment variable, CLI flag, default and meaning (the README table mirrors this). */
export const settings = {
  port: {
    env: 'FRONTLINE_PORT',
    flag: '--port',
    default: '3000',
    description: 'HTTP port to listen on (0 picks a free port).',
    schema: z.coerce.number().int().min(0).max(65535).default(3000),
  },
  host: {
    env: 'FRONTLINE_HOST',
    flag: '--host',
    default: '127.0.0.1',
    description: 'Interface to listen on; use 0.0.0.0 to accept connections from other machines.',
    schema: z.string().min(1).default('127.0.0.1'),
  },
  dataDir: {
    env: 'FRONTLINE_DATA_DIR',
    flag: '--data-dir',
    default: './data',
    description: 'Directory of the embedded database (PGlite, in `pgdata/`) and, by default, stored files (`files/`).',
    schema: z.string().min(1).default('./data'),
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    flag: '--database-url',
    default: '(unset: embedded)',
    description: 'PostgreSQL (15 or newer) connection string. When set, Frontline runs on that server instead of the embedded database.',
    schema: z.string().min(1).optional(),
  },
  publicUrl: {
    env: 'FRONTLINE_PUBLIC_URL',
    flag: '--public-url',
    default: 'http://<host>:<port>',
    description: 'Address users reach Frontline at; used in printed and emailed links.',
    schema: z.url().optional(),
  },
  logLevel: {
    env: 'FRONTLINE_LOG_LEVEL',
    flag: '--log-level',
    default: 'info',
    description: `Structured log level: ${logLevels.join(', ')}.`,
    schema: z.enum(logLevels).default('info'),
  },
  worker: {
    env: 'FRONTLINE_WORKER',
    flag: '--worker',
    default: 'auto',
    description:
      'Run background jobs inside `frontline start`: auto (yes when embedded, no on PostgreSQL, where `frontline worker` runs them), yes or no.',
    schema: z.enum(['auto', 'yes', 'no']).default('auto'),
  },
  sessionTtlHours: {
    env: 'FRONTLINE_SESSION_TTL_HOURS',
    flag: '--session-ttl-hours',
    default: '12',
    description: 'How long a sign-in lasts before the user must sign in again.',
    schema: z.coerce
      .number()
      .positive()
      .max(24 * 90)
      .default(12),
  },
  loginMaxFailures: {
    env: 'FRONTLINE_LOGIN_MAX_FAILURES',
    flag: '--login-max-failures',
    default: '5',
    description:
      'Failed sign-ins allowed per email address within the login window before further tries are refused (an IP address gets four times as many).',
    schema: z.coerce.number().int().min(1).default(5),
  },
  loginWindowMinutes: {
    env: 'FRONTLINE_LOGIN_WINDOW_MINUTES',
    flag: '--login-window-minutes',
    default: '15',
    description: 'Length of the window over which failed sign-ins are counted.',
    schema: z.coerce.number().int().min(1).default(15),
  },
  bodyLimitBytes: {
    env: 'FRONTLINE_BODY_LIMIT_BYTES',
    flag: '--body-limit-bytes',
    default: '1048576',
    description: 'Largest request body the API accepts; larger ones are refused with 413.',
    schema: z.coerce.number().int().min(1024).default(1_048_576),
  },
  cookieSecure: {
    env: 'FRONTLINE_COOKIE_SECURE',
    flag: '--cookie-secure',
    default: 'false (true when the public URL is https)',
    description: 'Mark the session cookie Secure (only sent over HTTPS).',
    schema: booleanFromText.optional(),
  },
  caseAutoCloseDays: {
    env: 'FRONTLINE_CASE_AUTO_CLOSE_DAYS',
    flag: '--case-auto-close-days',
    default: '4',
    description:
      'Solved cases close automatically this many days after they were solved (a later customer reply then opens a follow-up case).',
    schema: z.coerce.number().min(0.01).max(365).default(4),
  },
  timeZone: {
    env: 'FRONTLINE_TIME_ZONE',
    flag: '--time-zone',
    default: 'UTC',
    description: "The organisation's IANA time zone (e.g. Europe/London): reports cut days, weeks and months in it.",
    schema: z
      .string()
      .default('UTC')
      .refine((z) => isValidTimeZone(z), 'must be an IANA time zone such as Europe/London'),
  },
  slaScanSeconds: {
    env: 'FRONTLINE_SLA_SCAN_SECONDS',
    flag: '--sla-scan-seconds',
    default: '15',
    description:
      'How often a worker looks for SLA warnings and breaches that have fallen due (each is raised once, however many workers run).',
    schema: z.coerce.number().int().min(1).max(3600).default(15),
  },
  emailSendSeconds: {
    env: 'FRONTLINE_EMAIL_SEND_SECONDS',
    flag: '--email-send-seconds',
    default: '5',
    description:
      'How often a worker sends the email waiting in the outbox (replies on email cases, staff notifications); failed sends are retried with backoff.',
    schema: z.coerce.number().int().min(1).max(3600).default(5),
  },
  imapPollSeconds: {
    env: 'FRONTLINE_IMAP_POLL_SECONDS',
    flag: '--imap-poll-seconds',
    default: '60',
    description:
      "How often a worker checks each mailbox's IMAP folder when the server offers no IDLE (with IDLE, new mail is fetched as it arrives and the folder is checked this often too), and how often workers share out the mailboxes to poll (one worker polls each).",
    schema: z.coerce.number().int().min(1).max(3600).default(60),
  },
  filesDir: {
    env: 'FRONTLINE_FILES_DIR',
    flag: '--files-dir',
    default: '<data-dir>/files',
    description:
      'Where attachments are stored. With several app instances on PostgreSQL, every instance must see the same directory (a shared volume).',
    schema: z.string().min(1).optional(),
  },
  webDir: {
    env: 'FRONTLINE_WEB_DIR',
    flag: '--web-dir',
    default: 'dist/web',
    description: 'Directory of the built web app served at /.',
    schema: z.string().min(1).optional(),
  },
} as const;

export type SettingName = keyof typeof settings;

const configSchema = z.object(
  Object.fromEntries(Object.entries(settings).map(([k, s]) => [k, s.schema])) as {
    [K in SettingName]: (typeof settings)[K]['schema'];
  },
);

type RawConfig = z.output<typeof configSchema>;

export type Config = Omit<RawConfig, 'publicUrl' | 'cookieSecure' | 'webDir' | 'dataDir' | 'filesDir'> & {
  dataDir: string;
  filesDir: string;
  publicUrl: string;
  cookieSecure: boolean;
  webDir: string;
  embedded: boolean;
  /** False when the public URL was derived from host and port (it follows the real port). */
  publicUrlExplicit: boolean;
};

export class ConfigError extends Error {}

/** Merges environment and CLI flags (flags win), validates, and fills derived values. */
export function loadConfig(
  flags: Partial<Record<SettingName, unknown>> = {},
  env: NodeJS.ProcessEnv = process.env,
  packageRoot = defaultPackageRoot,
): Config {
  const input: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(settings)) {
    const fromFlag = flags[name as SettingName];
    const fromEnv = env[s.env];
    if (fromFlag !== undefined) input[name] = fromFlag;
    else if (fromEnv !== undefined && fromEnv !== '') input[name] = fromEnv;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0]) as SettingName;
      const s = settings[key];
      return `  ${s ? `${s.env} / ${s.flag}` : key}: ${i.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const raw = parsed.data;
  const shownHost = raw.host === '0.0.0.0' || raw.host === '::' ? 'localhost' : raw.host;
  const publicUrl = (raw.publicUrl ?? `http://${shownHost}:${raw.port}`).replace(/\/+$/, '');
  return {
    ...raw,
    dataDir: path.resolve(raw.dataDir),
    filesDir: path.resolve(raw.filesDir ?? path.join(raw.dataDir, 'files')),
    publicUrl,
    cookieSecure: raw.cookieSecure ?? publicUrl.startsWith('https:'),
    webDir: path.resolve(packageRoot, raw.webDir ?? 'dist/web'),
    embedded: raw.databaseUrl === undefined,
    publicUrlExplicit: raw.publicUrl !== undefined,
  };
}
