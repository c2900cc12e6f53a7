import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { ErrorEnvelope } from './error-response';
import { ErrorCode } from './error-code';
import { ErrorEnvelopeDto } from './error-envelope.dto';
import { CLIENT_ERROR_MESSAGES } from '../http/client-connections';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed JSON, or an unknown or invalid query/path parameter (BAD_REQUEST)',
  401: 'Missing, invalid, expired or revoked access token (UNAUTHORIZED)',
  403: 'Not allowed (FORBIDDEN, SITE_CONTEXT_REQUIRED)',
  404: 'Not found (NOT_FOUND)',
  413: 'Body too large (PAYLOAD_TOO_LARGE)',
  415: 'Content-Type is not application/json (UNSUPPORTED_MEDIA_TYPE)',
  422: 'Body failed validation (VALIDATION_ERROR); details name each field',
  429: 'Rate limit of the tier exceeded (RATE_LIMITED); retry after Retry-After seconds',
  500: 'Unexpected failure (SERVER_ERROR); no internals are shown',
  503: 'Database unavailable (SERVICE_UNAVAILABLE); retry after Retry-After seconds',
};

/** Documents error responses with the envelope schema; a description overrides the default. */
export function ApiErrorResponses(
  ...responses: Array<number | [number, string]>
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...responses.map((response) => {
      const [status, description] = Array.isArray(response)
        ? response
        : [response, DESCRIPTIONS[response]];
      return ApiResponse({ status, description, type: ErrorEnvelopeDto });
    }),
  );
}

/** What each code looks like on the wire, for the document's examples. */
const EXAMPLE_ERRORS: Record<ErrorCode, ErrorEnvelope['error']> = {
  BAD_REQUEST: {
    code: ErrorCode.BAD_REQUEST,
    message: 'Unknown query parameter(s): pagesize',
    details: { pagesize: 'is not a parameter of this endpoint' },
  },
  UNAUTHORIZED: { code: ErrorCode.UNAUTHORIZED, message: 'Authentication required' },
  INVALID_CREDENTIALS: {
    code: ErrorCode.INVALID_CREDENTIALS,
    message: 'Invalid username or password',
  },
  INVALID_REFRESH_TOKEN: {
    code: ErrorCode.INVALID_REFRESH_TOKEN,
    message: 'Invalid or expired refresh token',
  },
  INVALID_RESET_TOKEN: {
    code: ErrorCode.INVALID_RESET_TOKEN,
    message: 'Invalid or expired password reset token',
  },
  INVALID_EMAIL: { code: ErrorCode.INVALID_EMAIL, message: 'Invalid email address' },
  FORBIDDEN: { code: ErrorCode.FORBIDDEN, message: 'You do not have access to this site' },
  SITE_CONTEXT_REQUIRED: {
    code: ErrorCode.SITE_CONTEXT_REQUIRED,
    message: 'Select a site first with POST /api/v1/auth/site',
  },
  NOT_FOUND: { code: ErrorCode.NOT_FOUND, message: 'Interaction 42 not found' },
  METHOD_NOT_ALLOWED: { code: ErrorCode.METHOD_NOT_ALLOWED, message: 'Method not allowed' },
  CONFLICT: { code: ErrorCode.CONFLICT, message: 'Conflict' },
  PRECONDITION_FAILED: {
    code: ErrorCode.PRECONDITION_FAILED,
    message:
      'The record changed since you read it (If-Match does not match its ETag); read it again',
  },
  REQUEST_TIMEOUT: { code: ErrorCode.REQUEST_TIMEOUT, message: CLIENT_ERROR_MESSAGES[408] },
  PAYLOAD_TOO_LARGE: { code: ErrorCode.PAYLOAD_TOO_LARGE, message: 'Request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: {
    code: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    message: 'Unsupported Content-Type; send application/json',
  },
  HEADERS_TOO_LARGE: { code: ErrorCode.HEADERS_TOO_LARGE, message: CLIENT_ERROR_MESSAGES[431] },
  VALIDATION_ERROR: {
    code: ErrorCode.VALIDATION_ERROR,
    message: 'Request body failed validation',
    details: { title: 'title must be 5 to 100 characters long' },
  },
  IDEMPOTENCY_KEY_REUSED: {
    code: ErrorCode.IDEMPOTENCY_KEY_REUSED,
    message: 'This Idempotency-Key was already used with a different request body',
  },
  RATE_LIMITED: { code: ErrorCode.RATE_LIMITED, message: 'Too many requests; retry in 42 s' },
  SERVER_ERROR: { code: ErrorCode.SERVER_ERROR, message: 'Internal server error' },
  SERVICE_UNAVAILABLE: {
    code: ErrorCode.SERVICE_UNAVAILABLE,
    message: 'The service is temporarily unavailable; retry shortly',
  },
};

/** An example body per error code, for `components.examples`. */
export function errorExample(code: ErrorCode): { summary: string; value: ErrorEnvelope } {
  return { summary: code, value: { error: EXAMPLE_ERRORS[code] } };
}

/**
 * The error codes a response description names in parentheses, e.g. "No site selected
 * (SITE_CONTEXT_REQUIRED) or … (FORBIDDEN)". Every description names its codes, so one without
 * is a mistake: building the document fails.
 */
export function errorCodesIn(description: string): ErrorCode[] {
  const codes = [...description.matchAll(/\(([A-Z_, ]+)\)/g)]
    .flatMap((match) => match[1].split(/,\s*/))
    .filter((code): code is ErrorCode => code in EXAMPLE_ERRORS);
  if (codes.length === 0) {
    throw new Error(`Error response "${description}" names no error code in parentheses`);
  }
  return codes;
}
