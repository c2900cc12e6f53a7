import { Controller, Get, Header, Inject, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Public } from './access/access.decorators';
import { JWT_KEYS } from './auth.constants';
import type { JwtKeys } from './jwt-keys';

class JwkDto {
  @ApiProperty({ enum: ['RSA'], example: 'RSA' }) kty: string;
  @ApiProperty({ enum: ['sig'], example: 'sig' }) use: string;
  @ApiProperty({ enum: ['RS256'], example: 'RS256' }) alg: string;
  @ApiProperty({ maxLength: 64, example: 'g2B0Lr...', description: 'RFC 7638 thumbprint' })
  kid: string;
  @ApiProperty({ maxLength: 1024, example: '0vx7agoebGcQSuuPiLJXZptN...', description: 'Modulus' })
  n: string;
  @ApiProperty({ maxLength: 16, example: 'AQAB', description: 'Exponent' }) e: string;
}

class JwksDto {
  @ApiProperty({
    type: [JwkDto],
    maxItems: 10,
    description:
      'The signing key first; during a key rotation also the retired keys, whose tokens stay valid until they expire',
  })
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
  @ApiOkResponse({
    type: JwksDto,
    description: 'The JSON Web Key Set (RFC 7517) of the token signing key',
  })
  jwks(): JwksDto {
    return {
      keys: this.jwtKeys.publicJwks.map(({ kty, n, e, kid, alg, use }) => ({
        kty: kty!,
        n: n!,
        e: e!,
        kid,
        alg,
        use,
      })),
    };
  }
}
