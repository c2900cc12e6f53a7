import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppConfig } from '../config/app-config';

export type PublicJwk = JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' };

export interface JwtKeys {
  /** The signing key: every new token is signed with it. */
  privateKey: string;
  publicKey: string;
  /** RFC 7638 thumbprint of the signing key's public key, sent as the `kid` header. */
  kid: string;
  /**
   * Every key a token may name in its `kid`: the signing key and the retired ones of a rotation,
   * parsed once (jsonwebtoken would re-parse PEM text on every verify).
   */
  verificationKeys: ReadonlyMap<string, KeyObject>;
  /** The JWKS: the signing key first, then the retired keys. */
  publicJwks: PublicJwk[];
}

type JwtKeyConfig = Pick<
  AppConfig,
  'jwtPrivateKey' | 'jwtPublicKey' | 'jwtPreviousPublicKeys' | 'dataDir'
>;

/**
 * The keys from JWT_PRIVATE_KEY/JWT_PUBLIC_KEY (plus JWT_PREVIOUS_PUBLIC_KEYS during a rotation);
 * without them a pair is generated once and kept in DATA_DIR, so tokens survive restarts of a
 * single instance.
 */
export async function loadJwtKeys(config: JwtKeyConfig): Promise<JwtKeys> {
  if (config.jwtPrivateKey && config.jwtPublicKey) {
    return describeKeys(config.jwtPrivateKey, config.jwtPublicKey, config.jwtPreviousPublicKeys);
  }
  const privatePath = join(config.dataDir, 'jwt-private.pem');
  const publicPath = join(config.dataDir, 'jwt-public.pem');
  try {
    return describeKeys(
      await readFile(privatePath, 'utf8'),
      await readFile(publicPath, 'utf8'),
      config.jwtPreviousPublicKeys,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error;
    }
  }
  const pair = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  await mkdir(config.dataDir, { recursive: true });
  await writeFile(privatePath, pair.privateKey, { mode: 0o600 });
  await chmod(privatePath, 0o600);
  await writeFile(publicPath, pair.publicKey);
  return describeKeys(pair.privateKey, pair.publicKey, config.jwtPreviousPublicKeys);
}

function describeKeys(privateKey: string, publicKey: string, previous: string[]): JwtKeys {
  const signing = createPublicKey(publicKey);
  const verificationKeys = new Map<string, KeyObject>();
  const publicJwks: PublicJwk[] = [];
  for (const key of [signing, ...previous.map((pem) => createPublicKey(pem))]) {
    const jwk = key.export({ format: 'jwk' });
    const canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
    const kid = createHash('sha256').update(canonical).digest('base64url');
    if (!verificationKeys.has(kid)) {
      verificationKeys.set(kid, key);
      publicJwks.push({ ...jwk, kid, alg: 'RS256', use: 'sig' });
    }
  }
  return { privateKey, publicKey, kid: publicJwks[0].kid, verificationKeys, publicJwks };
}
