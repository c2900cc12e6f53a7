import { HttpException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { ApiError, type ErrorDetails } from './api-error';
import { isConnectionLoss } from './connection-loss';
import { codeForStatus, ErrorCode } from './error-code';

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details?: ErrorDetails };
}

export interface ErrorResponse {
  status: number;
  body: ErrorEnvelope;
  headers: Record<string, string>;
  /** True for failures the client did not cause: log them with the stack. */
  unexpected: boolean;
}

const SAFE_FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'Request body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty but Content-Type is application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported Content-Type; send application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
  FST_ERR_BAD_URL: 'The URL is malformed',
  FST_ERR_MAX_PARAM_LENGTH: 'A path parameter is too long',
};

export function toErrorResponse(exception: unknown): ErrorResponse {
  if (exception instanceof ApiError) {
    return envelope(
      exception.status,
      exception.code,
      exception.message,
      exception.details,
      exception.headers,
    );
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return envelope(
      status,
      codeForStatus(status),
      messageOf(exception),
      undefined,
      {},
      status >= 500,
    );
  }
  if (isRejectedValue(exception)) {
    return envelope(
      400,
      ErrorCode.BAD_REQUEST,
      'A value in the request cannot be stored or compared by the database',
    );
  }
  if (isConnectionLoss(exception)) {
    return envelope(
      503,
      ErrorCode.SERVICE_UNAVAILABLE,
      'The service is temporarily unavailable; retry shortly',
      undefined,
      { 'Retry-After': '5' },
    );
  }
  const fastifyError = asFastifyClientError(exception);
  if (fastifyError) {
    const message = SAFE_FASTIFY_MESSAGES[fastifyError.code] ?? fastifyError.message;
    return envelope(fastifyError.statusCode, codeForStatus(fastifyError.statusCode), message);
  }
  return envelope(500, ErrorCode.SERVER_ERROR, 'Internal server error', undefined, {}, true);
}

function envelope(
  status: number,
  code: ErrorCode,
  message: string,
  details?: ErrorDetails,
  headers: Record<string, string> = {},
  unexpected = false,
): ErrorResponse {
  const error: ErrorEnvelope['error'] = { code, message };
  if (details && Object.keys(details).length > 0) {
    error.details = details;
  }
  return { status, body: { error }, headers, unexpected };
}

function messageOf(exception: HttpException): string {
  if (exception.getStatus() >= 500) {
    return 'Internal server error';
  }
  const response = exception.getResponse();
  if (typeof response === 'string') {
    return response;
  }
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) {
    return message.join('; ');
  }
  return typeof message === 'string' ? message : exception.message;
}

/** SQLSTATE class 22 (data exception): a value validation let through that PostgreSQL refuses. */
function isRejectedValue(exception: unknown): boolean {
  if (!(exception instanceof QueryFailedError)) {
    return false;
  }
  const code = (exception.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

function asFastifyClientError(
  exception: unknown,
): { statusCode: number; code: string; message: string } | undefined {
  const candidate = exception as { statusCode?: unknown; code?: unknown; message?: unknown } | null;
  if (
    candidate &&
    typeof candidate.statusCode === 'number' &&
    candidate.statusCode >= 400 &&
    candidate.statusCode < 500 &&
    typeof candidate.code === 'string' &&
    candidate.code.startsWith('FST_')
  ) {
    return {
      statusCode: candidate.statusCode,
      code: candidate.code,
      message: typeof candidate.message === 'string' ? candidate.message : 'Bad request',
    };
  }
  return undefined;
}
