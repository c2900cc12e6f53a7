import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertSiteRole } from '../../auth/access/access.guard';
import type { Principal } from '../../auth/access/principal';
import { ApiError } from '../../common/errors/api-error';
import { ErrorCode } from '../../common/errors/error-code';

export const IMPORT_MEDIA_TYPES = ['application/x-ndjson', 'text/csv'] as const;
export type ImportMediaType = (typeof IMPORT_MEDIA_TYPES)[number];

/**
 * The body limit of `POST /interactions/import` alone (every other route keeps BODY_LIMIT):
 * 10,000 rows of 1.6 KiB on average. A realistic row (a title, a lead, a short description and
 * notes) is 300–600 bytes; one with both 5,000-character texts is 10 KiB, so a file of such rows
 * must be split into smaller imports.
 */
export const IMPORT_BODY_LIMIT = 16 * 1024 * 1024;

/** Route config key (Fastify `config`) that marks the import route. */
const IMPORT_ROUTE = 'interactionImport';

/** An import body as parsed: its media type and its text (UTF-8 checked). */
export class ImportPayload {
  constructor(
    readonly mediaType: ImportMediaType,
    readonly text: string,
  ) {}
}

/** Marks the route that takes NDJSON and CSV bodies up to IMPORT_BODY_LIMIT. */
export function ImportRoute(): MethodDecorator {
  return RouteConfig({ [IMPORT_ROUTE]: true });
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parsers for the two import media types, and the import route's own body limit. Content-type
 * parsers are app-wide in Fastify: on any other route these types stay 415, as before. Call
 * before the routes are registered (setupApp, before app.init()).
 */
export function useImportBodyParsers(
  fastify: FastifyInstance,
  principalOf: (request: FastifyRequest) => Promise<Principal>,
): void {
  fastify.addHook('onRoute', (route) => {
    if ((route.config as Record<string, unknown> | undefined)?.[IMPORT_ROUTE] === true) {
      route.bodyLimit = IMPORT_BODY_LIMIT;
      route.preParsing = [
        ...[route.preParsing ?? []].flat(),
        async (request, _reply, payload) => {
          await assertMayUpload(request, principalOf);
          return payload;
        },
      ];
    }
  });
  fastify.addContentTypeParser(
    [...IMPORT_MEDIA_TYPES],
    { parseAs: 'buffer' },
    (request: FastifyRequest, body: Buffer, done) => {
      const config = request.routeOptions.config as unknown as Record<string, unknown> | undefined;
      if (config?.[IMPORT_ROUTE] !== true) {
        done(
          new ApiError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            'Unsupported Content-Type; send application/json',
          ),
          undefined,
        );
        return;
      }
      const [mediaType, ...parameters] = (request.headers['content-type'] ?? '')
        .split(';')
        .map((part) => part.trim().toLowerCase());
      const charset = parameters.find((parameter) => parameter.startsWith('charset='));
      if (charset !== undefined && !/^charset="?utf-8"?$/.test(charset)) {
        done(
          new ApiError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'An import body must be UTF-8'),
          undefined,
        );
        return;
      }
      try {
        done(null, new ImportPayload(mediaType as ImportMediaType, strictUtf8.decode(body)));
      } catch {
        done(new ApiError(ErrorCode.BAD_REQUEST, 'Request body is not valid UTF-8'), undefined);
      }
    },
  );
}

/**
 * Before the body is read: up to IMPORT_BODY_LIMIT is a lot to buffer and decode for a caller
 * who may not import or sends another media type. So the session and role the access guard will
 * check (the lookup is memoised: the guard reuses it) and the media type are checked first.
 */
async function assertMayUpload(
  request: FastifyRequest,
  principalOf: (request: FastifyRequest) => Promise<Principal>,
): Promise<void> {
  const principal = await principalOf(request);
  assertSiteRole(principal.currentSiteId, principal.role, 'member');
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const hasBody =
    request.headers['transfer-encoding'] !== undefined ||
    Number(request.headers['content-length'] ?? 0) > 0;
  if (hasBody && !(IMPORT_MEDIA_TYPES as readonly string[]).includes(mediaType)) {
    throw new ApiError(
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      `Unsupported Content-Type; send ${IMPORT_MEDIA_TYPES.join(' or ')}`,
    );
  }
}

/**
 * The parsed import body; undefined when the request had none. A custom parameter, so that the
 * global ValidationPipe (which takes a body for a JSON object) leaves it to the import.
 */
export const ImportBody = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ImportPayload | undefined => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const body = request.body;
    if (body === undefined || body === null) {
      return undefined;
    }
    // A JSON body (Fastify's parser) reaches here as an object: refused, whatever its fields.
    if (!(body instanceof ImportPayload)) {
      throw new ApiError(
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        `Unsupported Content-Type; send ${IMPORT_MEDIA_TYPES.join(' or ')}`,
      );
    }
    return body;
  },
);
