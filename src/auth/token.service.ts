import { createHash, createPrivateKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config';
import { JWT_KEYS } from './auth.constants';
import type { JwtKeys } from './jwt-keys';

export interface AccessClaims {
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
}

export interface SignedAccessToken {
  token: string;
  expiresAt: Date;
}

/** Tolerance for clocks of other instances or a gateway that are slightly ahead. */
const CLOCK_SKEW_SECONDS = 60;

/** Signs and verifies RS256 access tokens and makes the opaque refresh / reset secrets. */
@Injectable()
export class TokenService {
  /**
   * Parsed once: given PEM text, jsonwebtoken parses the key on every call, which was 15 % of the
   * CPU of an authenticated GET in the benchmark.
   */
  private readonly privateKey: KeyObject;

  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    @Inject(JWT_KEYS) private readonly keys: JwtKeys,
  ) {
    this.privateKey = createPrivateKey(keys.privateKey);
  }

  signAccessToken(userId: number, sessionId: string): SignedAccessToken {
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAtSeconds = issuedAt + Math.floor(this.config.accessTokenTtlMs / 1000);
    const token = this.jwt.sign(
      { sid: sessionId, iat: issuedAt, exp: expiresAtSeconds },
      {
        algorithm: 'RS256',
        privateKey: this.privateKey,
        keyid: this.keys.kid,
        subject: String(userId),
        issuer: this.config.jwtIssuer,
        jwtid: randomUUID(),
      },
    );
    return { token, expiresAt: new Date(expiresAtSeconds * 1000) };
  }

  /** Throws on any signature, algorithm, issuer, expiry or shape problem. */
  verifyAccessToken(token: string): AccessClaims {
    const { header } = this.jwt.decode<{ header: { kid?: unknown } } | null>(token, {
      complete: true,
    }) ?? {
      header: {},
    };
    const publicKey =
      typeof header.kid === 'string' ? this.keys.verificationKeys.get(header.kid) : undefined;
    if (!publicKey) {
      throw new Error('access token names an unknown key');
    }
    const claims = this.jwt.verify<Partial<AccessClaims>>(token, {
      algorithms: ['RS256'],
      // @nestjs/jwt types this as PEM text; jsonwebtoken takes the KeyObject as well.
      publicKey: publicKey as unknown as string,
      issuer: this.config.jwtIssuer,
    });
    if (typeof claims.iat !== 'number' || claims.iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS) {
      throw new Error('access token is not valid yet');
    }
    if (
      typeof claims.sub !== 'string' ||
      !/^\d+$/.test(claims.sub) ||
      typeof claims.sid !== 'string'
    ) {
      throw new Error('access token lacks sub or sid');
    }
    return claims as AccessClaims;
  }

  newOpaqueToken(): string {
    return randomBytes(32).toString('base64url');
  }

  hashOpaqueToken(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }
}
