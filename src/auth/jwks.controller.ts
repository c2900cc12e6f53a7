import { Controller, Get, Header, Inject, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/access.decorators';
import { JWT_KEYS } from './auth.constants';
import type { JwtKeys } from './jwt-keys';

class JwkDto {
  @ApiProperty({ example: 'RSA' }) kty: string;
  @ApiProperty({ example: 'sig' }) use: string;
  @ApiProperty({ example: 'RS256' }) alg: string;
  @ApiProperty({ example: 'g2B0Lr...' }) kid: string;
  @ApiProperty({ example: '0vx7agoebGcQSuuPiLJXZptN...' }) n: string;
  @ApiProperty({ example: 'AQAB' }) e: string;
}

class JwksDto {
  @ApiProperty({ type: [JwkDto] })
  keys: JwkDto[];
}

@ApiTags('Auth')
@Controller({ path: '.well-known', version: VERSION_NEUTRAL })
export class JwksController {
  constructor(@Inject(JWT_KEYS) private readonly jwtKeys: JwtKeys) {}

  @Get('jwks.json')
  @Public()
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    operationId: 'auth_jwks',
    summary: 'Public keys that verify access tokens',
    description:
      'Lets a gateway verify tokens itself. Session revocation is still checked only by the API.',
  })
  @ApiOkResponse({ type: JwksDto })
  jwks(): JwksDto {
    const { kty, n, e, kid, alg, use } = this.jwtKeys.publicJwk;
    return { keys: [{ kty: kty!, n: n!, e: e!, kid, alg, use }] };
  }
}
