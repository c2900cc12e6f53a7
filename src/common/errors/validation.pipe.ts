import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { ApiError, type ErrorDetails } from './api-error';
import { ErrorCode } from './error-code';

/** Carries class-validator's errors from the factory to `transform`, which knows the location. */
class ValidationFailure extends Error {
  constructor(readonly errors: ValidationError[]) {
    super('validation failed');
  }
}

/** A constraint may name its own error code via `context: errorCodeContext(...)`. */
export function errorCodeContext(code: ErrorCode): { errorCode: ErrorCode } {
  return { errorCode: code };
}

/**
 * Validates and transforms every DTO. A bad body is 422 VALIDATION_ERROR; a bad query or path
 * parameter is 400 BAD_REQUEST (DESIGN.md §4); both name each offending path in `details`.
 */
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new ValidationFailure(errors),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    rejectNulCharacters(value, metadata.type === 'body');
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (!(error instanceof ValidationFailure)) {
        throw error;
      }
      throw toApiError(error.errors, metadata.type === 'body');
    }
  }
}

/**
 * PostgreSQL text cannot hold U+0000. Any string with it, at any depth of a body or query, is
 * refused here with its path, before it can reach a query and fail there.
 */
function rejectNulCharacters(value: unknown, inBody: boolean): void {
  const details: ErrorDetails = {};
  const visit = (node: unknown, path: string): void => {
    if (typeof node === 'string') {
      if (node.includes('\u0000')) {
        details[path || 'body'] = 'must not contain NUL (U+0000) characters';
      }
    } else if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, `${path}[${index}]`));
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) {
        visit(item, joinPath(path, key));
      }
    }
  };
  visit(value, '');
  if (Object.keys(details).length > 0) {
    throw inBody
      ? new ApiError(ErrorCode.VALIDATION_ERROR, 'Request body failed validation', details)
      : new ApiError(
          ErrorCode.BAD_REQUEST,
          `Invalid parameter: ${Object.keys(details).join(', ')}`,
          details,
        );
  }
}

function toApiError(errors: ValidationError[], inBody: boolean): ApiError {
  const details: ErrorDetails = {};
  let customCode: ErrorCode | undefined;
  collect(errors, '', details, (code) => (customCode ??= code));
  const paths = Object.keys(details);
  if (customCode) {
    return new ApiError(customCode, details[paths[0]] ?? 'Invalid request');
  }
  if (inBody) {
    return new ApiError(ErrorCode.VALIDATION_ERROR, 'Request body failed validation', details);
  }
  return new ApiError(ErrorCode.BAD_REQUEST, `Invalid parameter: ${paths.join(', ')}`, details);
}

function collect(
  errors: ValidationError[],
  prefix: string,
  details: ErrorDetails,
  onCustomCode: (code: ErrorCode) => void,
): void {
  for (const error of errors) {
    const path = joinPath(prefix, error.property);
    const constraints = error.constraints ?? {};
    const names = Object.keys(constraints);
    if (names.length > 0) {
      const first = names[0];
      details[path] = first === 'whitelistValidation' ? 'is not allowed' : constraints[first];
      const code = (error.contexts?.[first] as { errorCode?: ErrorCode } | undefined)?.errorCode;
      if (code) {
        onCustomCode(code);
      }
    }
    if (error.children?.length) {
      collect(error.children, path, details, onCustomCode);
    }
  }
}

function joinPath(prefix: string, property: string): string {
  if (/^\d+$/.test(property)) {
    return `${prefix}[${property}]`;
  }
  return prefix ? `${prefix}.${property}` : property;
}
