import { Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated, CurrentPrincipal } from '../../auth/access/access.decorators';
import type { Principal } from '../../auth/access/principal';
import { Origin } from '../../audit/request-origin.decorator';
import type { RequestOrigin } from '../../audit/audit-event';
import { ApiErrorResponses } from '../../common/errors/api-error-responses.decorator';
import { clientGoneWatch } from '../../common/http/client-gone';
import { RateTier } from '../../rate-limit/rate-limit.decorators';
import { ExportInteractionsQueryDto } from './dto/export-query.dto';
import { ImportInteractionsQueryDto } from './dto/import-query.dto';
import { IMPORT_MAX_ROWS, ImportReportDto } from './dto/import-report.dto';
import { EXPORT_MEDIA_TYPES, InteractionExport } from './interaction-export';
import { InteractionImport } from './interaction-import';
import { IMPORT_BODY_LIMIT, ImportBody, ImportRoute, type ImportPayload } from './import-body';

const NDJSON_EXAMPLE =
  '{"title":"Project Status Update","type":"Meeting","lead":"Jane Doe","start_datetime":"2023-06-20T14:00:00Z","end_datetime":"2023-06-20T15:00:00Z","timezone":"America/Chicago","location":"Virtual Conference Room"}\n' +
  '{"title":"Quarterly review","type":"call","lead":"John Smith","start_datetime":"2023-06-21T09:00:00","end_datetime":"2023-06-21T09:30:00","timezone":"Europe/Paris","notes":"Bring the numbers"}\n';
const CSV_EXAMPLE =
  'title,type,lead,start_datetime,end_datetime,timezone,location,notes\n' +
  'Project Status Update,Meeting,Jane Doe,2023-06-20T14:00:00Z,2023-06-20T15:00:00Z,America/Chicago,"Room 4, second floor",\n' +
  'Quarterly review,call,John Smith,2023-06-21T09:00:00,2023-06-21T09:30:00,Europe/Paris,,"Bring the ""numbers"""\n';
const TEXT_BODY = { type: 'string' } as const;
const IMPORT_BODY_SCHEMA = { type: 'string', maxLength: IMPORT_BODY_LIMIT } as const;
const MiB = IMPORT_BODY_LIMIT / (1024 * 1024);

/** Sites' interactions out and in as files (DESIGN.md §10). */
@ApiTags('Interactions')
@Controller('interactions')
export class InteractionTransferController {
  constructor(
    private readonly exporter: InteractionExport,
    private readonly importer: InteractionImport,
  ) {}

  @Get('export')
  // Not @SiteRead(): a stream of many statements cannot ride the session check in one of them, so
  // the guard checks the session first, as for every other route.
  @Authenticated({ siteRole: 'viewer' })
  @RateTier('search')
  @ApiOperation({
    operationId: 'interactions_export',
    summary: 'Export the interactions of the current site',
    description:
      'Every interaction of the current site (with `search`: every match), newest first as `GET /interactions`, each as the API returns it: NDJSON (one JSON object per line) or CSV (a header line with the field names, then one row per interaction). Streamed, whatever the number of rows. Counted in the search rate-limit tier.',
  })
  @ApiOkResponse({
    description: 'The interactions, as a file to save',
    headers: {
      'Content-Disposition': {
        description: 'attachment; filename="interactions-<site id>.ndjson" (or .csv)',
        schema: {
          type: 'string',
          maxLength: 100,
          example: 'attachment; filename="interactions-1.ndjson"',
        },
      },
    },
    content: {
      [EXPORT_MEDIA_TYPES.ndjson]: {
        schema: TEXT_BODY,
        example:
          '{"id":1,"site_id":1,"title":"Team Kickoff Meeting","type":"Meeting","lead":"John Smith","start_datetime":"2023-06-12T10:00:00Z","end_datetime":"2023-06-12T11:00:00Z","timezone":"America/New_York","location":"Conference Room A","description":"","notes":"","created_by":123,"created_at":"2023-06-01T15:30:00Z","updated_at":"2023-06-01T15:30:00Z"}\n',
      },
      [EXPORT_MEDIA_TYPES.csv]: {
        schema: TEXT_BODY,
        example:
          'id,site_id,title,type,lead,start_datetime,end_datetime,timezone,location,description,notes,created_by,created_at,updated_at\n' +
          '1,1,Team Kickoff Meeting,Meeting,John Smith,2023-06-12T10:00:00Z,2023-06-12T11:00:00Z,America/New_York,"Room A, 2nd floor",,,123,2023-06-01T15:30:00Z,2023-06-01T15:30:00Z\n',
      },
    },
  })
  @ApiErrorResponses(400)
  async export(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ExportInteractionsQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const format = query.format ?? 'ndjson';
    const stream = await this.exporter.open(
      principal,
      { format, search: query.search },
      clientGoneWatch(reply),
    );
    await reply
      .type(EXPORT_MEDIA_TYPES[format])
      .header(
        'Content-Disposition',
        `attachment; filename="interactions-${principal.currentSiteId}.${format}"`,
      )
      .send(stream);
  }

  @Post('import')
  @Authenticated({ siteRole: 'member' })
  @HttpCode(200)
  @ImportRoute()
  @ApiOperation({
    operationId: 'interactions_import',
    summary: 'Import interactions into the current site',
    description: `NDJSON (one create body per line) or CSV (a header line naming the fields as in a create body, then one row per interaction), at most ${IMPORT_MAX_ROWS.toLocaleString('en')} rows and ${MiB} MiB. Every row is validated as a \`POST /interactions\` body; server-owned fields (\`id\`, \`site_id\`, \`created_by\`, \`created_at\`, \`updated_at\`) are ignored, so an export reads back. \`all_or_nothing\` writes every row or none (422 naming each failure as \`rows[<row>].<field>\`, rows counted from 0 after the CSV header); \`valid_only\` writes the valid rows and reports every row. An empty body imports nothing.`,
    // Not @ApiBody(): it gives every media type the same schema and examples.
    requestBody: {
      required: false,
      description: 'The rows, UTF-8',
      content: {
        'application/x-ndjson': { schema: IMPORT_BODY_SCHEMA, example: NDJSON_EXAMPLE },
        'text/csv': { schema: IMPORT_BODY_SCHEMA, example: CSV_EXAMPLE },
      },
    },
  })
  @ApiOkResponse({
    type: ImportReportDto,
    description:
      'The rows written (all of them in all_or_nothing mode) and, in valid_only mode, the rows refused and why',
  })
  @ApiErrorResponses(
    [400, 'Unknown or invalid query parameter, or a body that is not UTF-8 (BAD_REQUEST)'],
    [413, `Body over ${MiB} MiB or over ${IMPORT_MAX_ROWS} rows (PAYLOAD_TOO_LARGE)`],
    [415, 'Content-Type is neither application/x-ndjson nor text/csv (UNSUPPORTED_MEDIA_TYPE)'],
    [
      422,
      'all_or_nothing and a row failed validation, or the CSV header is invalid (VALIDATION_ERROR); details name each failure as rows[<row>].<field>',
    ],
  )
  import(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ImportInteractionsQueryDto,
    @ImportBody() body: ImportPayload | undefined,
    @Origin() origin: RequestOrigin,
  ): Promise<ImportReportDto> {
    return this.importer.import(
      principal as Principal & { currentSiteId: number },
      body,
      query.mode ?? 'all_or_nothing',
      origin,
    );
  }
}
