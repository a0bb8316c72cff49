// PostgreSQL text cannot hold the NUL character; refuse it at the door with a clear 400
// instead of letting the database fail the request.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../lib/errors.js';

function findNul(value: unknown, path: string[] = []): string[] | null {
  // Raw bodies (an inbound email) are bytes, not text: their own parser decodes them, and walking
  // a Buffer key by key would cost one step per byte.
  if (Buffer.isBuffer(value)) return null;
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], [...path, String(i)]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = findNul(v, [...path, k]) ?? (k.includes('\u0000') ? [...path, k] : null);
      if (found) return found;
    }
  }
  return null;
}

export function installTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    for (const [where, value] of [
      ['body', req.body],
      ['querystring', req.query],
      ['params', req.params],
    ] as const) {
      const path = findNul(value);
      if (path) {
        const at = path.join('.');
        throw new AppError('validation_failed', `${where}${at ? `.${at}` : ''}: the NUL character (\\u0000) is not allowed in text`, {
          issues: [{ in: where, path: at, message: 'contains the NUL character' }],
        });
      }
    }
  });
}
