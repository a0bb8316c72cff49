// Turns every failure into the one error shape `{ error: { code, message, details } }`.
// Unknown errors become 500 with nothing leaked but the request id.
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, errorStatus, type ErrorCode } from '../lib/errors.js';

export type ErrorBody = { error: { code: ErrorCode; message: string; details?: unknown } };

const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_INVALID_TYPE: 'bad_request',
  FST_ERR_VALIDATION: 'validation_failed',
};

export function toErrorResponse(err: unknown, requestId: string): { status: number; body: ErrorBody; unexpected: boolean } {
  if (err instanceof AppError) {
    const body: ErrorBody = { error: { code: err.code, message: err.message } };
    if (err.details !== undefined) body.error.details = err.details;
    return { status: err.status, body, unexpected: err.status >= 500 };
  }
  const fe = err as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fe)) {
    const where = fe.validationContext ?? 'request';
    const issues = fe.validation.map((v) => ({
      in: where,
      path: v.instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.'),
      message: v.message ?? 'invalid',
    }));
    const summary = issues.map((i) => `${i.path ? `${where}.${i.path}` : where}: ${i.message}`).join('; ');
    return { status: 400, body: { error: { code: 'validation_failed', message: summary, details: { issues } } }, unexpected: false };
  }
  if (!isResponseSerializationError(fe)) {
    const mapped = fe.code ? fastifyCodes[fe.code] : undefined;
    if (mapped) {
      const message = mapped === 'invalid_json' ? `the request body is not valid JSON: ${fe.message}` : fe.message;
      return { status: errorStatus[mapped], body: { error: { code: mapped, message } }, unexpected: false };
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code: ErrorCode = fe.statusCode === 429 ? 'rate_limited' : fe.statusCode === 404 ? 'not_found' : 'bad_request';
      return { status: fe.statusCode, body: { error: { code, message: fe.message } }, unexpected: false };
    }
  }
  return {
    status: 500,
    body: { error: { code: 'internal', message: `something went wrong on our side; it was logged with request id ${requestId}` } },
    unexpected: true,
  };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const { status, body, unexpected } = toErrorResponse(err, String(req.id));
    if (unexpected) req.log.error({ err }, 'request failed');
    if (body.error.code === 'rate_limited') {
      const retry = (body.error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (retry) void reply.header('retry-after', String(retry));
    }
    return reply.status(status).send(body);
  });
}
