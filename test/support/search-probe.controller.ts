import { Controller, Get } from '@nestjs/common';
import { Authenticated } from '../../src/auth/access/access.decorators';
import { RateTier } from '../../src/rate-limit/rate-limit.decorators';

/** Stands in for the /search/* routes (not built yet) in the rate-limit tests. */
@Controller('search')
export class SearchProbeController {
  @Get('probe')
  @Authenticated()
  @RateTier('search')
  probe(): { ok: true } {
    return { ok: true };
  }
}
