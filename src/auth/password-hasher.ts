import { Injectable, type OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';

/** OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane. */
const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** Also used by the CLI and the seeders, which run without the Nest container. */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_OPTIONS);
}

@Injectable()
export class PasswordHasher implements OnModuleInit {
  /** Verified against when the user does not exist, so both paths cost one argon2 verify. */
  private decoyHash: string;

  async onModuleInit(): Promise<void> {
    this.decoyHash = await this.hash('decoy-password-never-matches');
  }

  hash(password: string): Promise<string> {
    return hashPassword(password);
  }

  async verify(hash: string | undefined, password: string): Promise<boolean> {
    const matches = await argon2.verify(hash ?? this.decoyHash, password);
    return hash !== undefined && matches;
  }
}
