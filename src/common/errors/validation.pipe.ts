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
    const inBody = metadata.type === 'body';
    if (inBody && metadata.data === undefined && value !== undefined && !isJsonObject(value)) {
      // Nest would validate `null` as `{}` (a PATCH of `null` answered 200) and a string or an
      // array against the fields first (a password reset of `"x"` was INVALID_EMAIL).
      throw new ApiError(ErrorCode.VALIDATION_ERROR, 'Request body failed validation', {
        body: 'must be a JSON object',
      });
    }
    if (metadata.type !== 'custom') {
      rejectHostileValues(value, inBody, metadata.data ?? 'body');
    }
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (!(error instanceof ValidationFailure)) {
        throw error;
      }
      throw toApiError(error.errors, inBody);
    }
  }

  /**
   * A path parameter reaches its own pipe as the text that was sent: Nest's conversion for a
   * `number` parameter (`+value`) would turn `1e3` into 1000 and `0x10` into 16 before
   * IdParamPipe could refuse them.
   */
  protected override transformPrimitive(value: unknown, metadata: ArgumentMetadata): unknown {
    return metadata.type === 'param' ? value : super.transformPrimitive(value, metadata);
  }
}

function isJsonObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A UTF-16 surrogate outside a pair: it has no UTF-8 form, and pg would store U+FFFD instead. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Refused here with their path, at any depth of a body or query (the JSON parser bounds the
 * depth): strings with U+0000 or a lone surrogate (`"\ud800"` is valid JSON), which PostgreSQL
 * text cannot hold as sent, so that they fail here rather than in a query or silently; and keys
 * named like an Object.prototype member (`toString`, `__proto__`), which class-validator's
 * whitelist takes for declared properties and so lets through.
 */
function rejectHostileValues(value: unknown, inBody: boolean, rootName: string): void {
  // No prototype: `details['__proto__'] = …` must record the key, not replace the prototype.
  const details = Object.create(null) as ErrorDetails;
  const visit = (node: unknown, path: string): void => {
    if (typeof node === 'string') {
      if (node.includes('\u0000')) {
        details[path || rootName] = 'must not contain NUL (U+0000) characters';
      } else if (LONE_SURROGATE.test(node)) {
        details[path || rootName] = 'must be well-formed Unicode (no lone surrogate)';
      }
    } else if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, `${path}[${index}]`));
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) {
        if (key in Object.prototype) {
          details[joinPath(path, key)] = 'is not allowed';
        } else {
          visit(item, joinPath(path, key));
        }
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
