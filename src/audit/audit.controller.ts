import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../auth/access/access.decorators';
import type { Principal } from '../auth/access/principal';
import { ApiErrorResponses } from '../common/errors/api-error-responses.decorator';
import { AuditService } from './audit.service';
import { AuditListResponseDto, AuditQueryDto } from './dto/audit-event.dto';

@ApiTags('Audit')
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Authenticated({ siteRole: 'manager' })
  @ApiOperation({
    operationId: 'audit_list',
    summary: "The current site's audit trail",
    description:
      'Managers only. Every change of an interaction and every security event of the site, newest first, as recorded in the transaction of the change (append-only: no endpoint changes or deletes an event). Page with `next_cursor`.',
  })
  @ApiOkResponse({ type: AuditListResponseDto, description: 'One page of events' })
  @ApiErrorResponses(400)
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: AuditQueryDto,
  ): Promise<AuditListResponseDto> {
    return this.audit.list(principal, query);
  }
}
