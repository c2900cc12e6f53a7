import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { RequestOrigin } from '../audit/audit-event';
import { Origin } from '../audit/request-origin.decorator';
import { ClientGone, clientGoneWatch, type ClientGoneWatch } from '../common/http/client-gone';
import { Authenticated, CurrentPrincipal, SiteRead } from '../auth/access/access.decorators';
import type { Principal } from '../auth/access/principal';
import { ApiErrorResponses } from '../common/errors/api-error-responses.decorator';
import { matchesIfNoneMatch } from '../common/http/etag';
import { IdempotencyService } from './idempotency.service';
import { IdParamPipe } from '../common/http/id-param.pipe';
import { SUCCESS, SuccessDto } from '../common/http/success.dto';
import { InteractionListResponseDto, InteractionResponseDto } from './dto/interaction.dto';
import { InteractionInputDto, InteractionPatchDto } from './dto/interaction-input.dto';
import { ListInteractionsQueryDto } from './dto/list-interactions-query.dto';
import { ETAG_SCHEMA, INT64_ID } from '../common/openapi/schema-types';
import { InteractionsService, type VersionedInteraction } from './interactions.service';

const ETAG_HEADER = {
  ETag: {
    description: 'Version of the returned interaction; send it back in If-Match',
    schema: ETAG_SCHEMA,
  },
};
/** One ETag, a comma-separated list of them, or `*`. */
const ETAG_LIST_SCHEMA = { type: 'string', maxLength: 1024, example: '"25.1"' } as const;
const IF_MATCH = ApiHeader({
  name: 'If-Match',
  required: false,
  description:
    'ETag of the version you read (or `*`); if the record changed since, the request fails with 412',
  schema: ETAG_LIST_SCHEMA,
});
const ID_PARAM = ApiParam({ name: 'id', schema: { ...INT64_ID, example: 1 } });
const INTERACTION_ID = new IdParamPipe(Number.MAX_SAFE_INTEGER);
const NOT_FOUND: [number, string] = [404, 'No such interaction in the current site (NOT_FOUND)'];
const PRECONDITION_FAILED: [number, string] = [
  412,
  'If-Match does not match the current ETag (PRECONDITION_FAILED)',
];
/** What PUT and PATCH share in the document: the id, If-Match, the stored record, the errors. */
const CHANGE_DOCS = applyDecorators(
  ID_PARAM,
  IF_MATCH,
  ApiOkResponse({
    type: InteractionResponseDto,
    description: 'The interaction as stored now',
    headers: ETAG_HEADER,
  }),
  ApiErrorResponses(400, NOT_FOUND, PRECONDITION_FAILED, 422),
);

@ApiTags('Interactions')
@Controller('interactions')
export class InteractionsController {
  constructor(private readonly interactions: InteractionsService) {}

  @Get()
  @SiteRead()
  @ApiOperation({
    operationId: 'interactions_list',
    summary: 'List the interactions of the current site',
    description:
      'Newest first (start_datetime, then id, descending). `search` filters by substring.',
  })
  @ApiOkResponse({
    type: InteractionListResponseDto,
    description: 'One page of interactions of the current site',
  })
  @ApiErrorResponses(400)
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListInteractionsQueryDto,
    @ClientGone() clientGone: ClientGoneWatch,
  ): Promise<InteractionListResponseDto> {
    return this.interactions.list(principal, query, clientGone);
  }

  @Post()
  @Authenticated({ siteRole: 'member' })
  @ApiOperation({
    operationId: 'interactions_create',
    summary: 'Create an interaction in the current site',
    description:
      'With an Idempotency-Key, a retry with the same key and body returns the first response (header `Idempotent-Replayed: true`) and creates nothing.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Up to 255 visible ASCII characters, unique per intended creation; kept 24 hours per user',
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
  })
  @ApiCreatedResponse({
    type: InteractionResponseDto,
    description: 'The created interaction (or, for a replayed Idempotency-Key, the first response)',
    headers: {
      ...ETAG_HEADER,
      'Idempotent-Replayed': {
        description:
          '`true` when this is the stored response of an earlier request with the same key',
        schema: { type: 'string', enum: ['true'] },
      },
    },
  })
  @ApiErrorResponses(400, [
    422,
    'Validation failed (VALIDATION_ERROR) or key reused with another body (IDEMPOTENCY_KEY_REUSED)',
  ])
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: InteractionInputDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Origin() origin: RequestOrigin,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InteractionResponseDto> {
    if (idempotencyKey !== undefined) {
      IdempotencyService.assertKeyFormat(idempotencyKey);
    }
    const created = await this.interactions.create(principal, body, origin, idempotencyKey);
    void reply.status(201).header('ETag', created.etag);
    if (created.replayed) {
      void reply.header('Idempotent-Replayed', 'true');
    }
    return { interaction: created.interaction };
  }

  @Get(':id')
  @SiteRead()
  @ApiOperation({
    operationId: 'interactions_get',
    summary: 'Get one interaction of the current site',
    description:
      'The response carries the ETag; send it in If-None-Match to get 304 when unchanged.',
  })
  @ID_PARAM
  @ApiHeader({
    name: 'If-None-Match',
    required: false,
    description: 'ETag you hold; 304 if it is current',
    schema: ETAG_LIST_SCHEMA,
  })
  @ApiOkResponse({
    type: InteractionResponseDto,
    description: 'The interaction',
    headers: ETAG_HEADER,
  })
  @ApiNotModifiedResponse({
    description: 'The ETag in If-None-Match is current; no body',
    headers: ETAG_HEADER,
  })
  @ApiErrorResponses(400, NOT_FOUND)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', INTERACTION_ID) id: number,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InteractionResponseDto | undefined> {
    const found = await this.interactions.get(principal, id, clientGoneWatch(reply));
    if (matchesIfNoneMatch(ifNoneMatch, found.etag)) {
      void reply.status(304).header('ETag', found.etag);
      return undefined;
    }
    return withEtag(reply, found);
  }

  @Put(':id')
  @Authenticated({ siteRole: 'member' })
  @ApiOperation({
    operationId: 'interactions_replace',
    summary: 'Replace an interaction (every required field)',
    description: 'Members may change the interactions they created; managers any in the site.',
  })
  @CHANGE_DOCS
  async replace(
    @CurrentPrincipal() principal: Principal,
    @Param('id', INTERACTION_ID) id: number,
    @Body() body: InteractionInputDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Origin() origin: RequestOrigin,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InteractionResponseDto> {
    return withEtag(reply, await this.interactions.replace(principal, id, body, origin, ifMatch));
  }

  @Patch(':id')
  @Authenticated({ siteRole: 'member' })
  @ApiOperation({
    operationId: 'interactions_update',
    summary: 'Change some fields of an interaction',
    description: 'Only the fields given change; null clears location, description or notes.',
  })
  @CHANGE_DOCS
  async patch(
    @CurrentPrincipal() principal: Principal,
    @Param('id', INTERACTION_ID) id: number,
    @Body() body: InteractionPatchDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Origin() origin: RequestOrigin,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InteractionResponseDto> {
    return withEtag(reply, await this.interactions.patch(principal, id, body, origin, ifMatch));
  }

  @Delete(':id')
  @Authenticated({ siteRole: 'member' })
  @HttpCode(200)
  @ApiOperation({
    operationId: 'interactions_delete',
    summary: 'Move an interaction to the trash',
    description:
      'Members may delete the interactions they created; managers any in the site. The record leaves every read, search, total, export and the change feed (which records the deletion), and can be restored from the trash until TRASH_RETENTION has passed.',
  })
  @ID_PARAM
  @IF_MATCH
  @ApiOkResponse({ type: SuccessDto, description: 'The interaction is in the trash' })
  @ApiErrorResponses(400, NOT_FOUND, PRECONDITION_FAILED)
  async remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id', INTERACTION_ID) id: number,
    @Headers('if-match') ifMatch: string | undefined,
    @Origin() origin: RequestOrigin,
  ): Promise<SuccessDto> {
    await this.interactions.remove(principal, id, origin, ifMatch);
    return SUCCESS;
  }
}

function withEtag(reply: FastifyReply, found: VersionedInteraction): InteractionResponseDto {
  void reply.header('ETag', found.etag);
  return { interaction: found.interaction };
}
