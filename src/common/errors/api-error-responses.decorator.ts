import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorEnvelopeDto } from './error-envelope.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request or invalid query/path parameter (BAD_REQUEST)',
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
