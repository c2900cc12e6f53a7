import { createHash, createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppConfig } from '../config/app-config';

export interface JwtKeys {
  privateKey: string;
  publicKey: string;
  /** RFC 7638 thumbprint of the public key, sent as the `kid` header. */
  kid: string;
  publicJwk: JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' };
}

/**
 * The keys from JWT_PRIVATE_KEY/JWT_PUBLIC_KEY; without them a pair is generated once and kept
 * in DATA_DIR, so tokens survive restarts of a single instance.
 */
export async function loadJwtKeys(
  config: Pick<AppConfig, 'jwtPrivateKey' | 'jwtPublicKey' | 'dataDir'>,
): Promise<JwtKeys> {
  if (config.jwtPrivateKey && config.jwtPublicKey) {
    return describeKeys(config.jwtPrivateKey, config.jwtPublicKey);
  }
  const privatePath = join(config.dataDir, 'jwt-private.pem');
  const publicPath = join(config.dataDir, 'jwt-public.pem');
  try {
    return describeKeys(await readFile(privatePath, 'utf8'), await readFile(publicPath, 'utf8'));
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
  return describeKeys(pair.privateKey, pair.publicKey);
}

function describeKeys(privateKey: string, publicKey: string): JwtKeys {
  const jwk = createPublicKey(publicKey).export({ format: 'jwk' });
  const canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  const kid = createHash('sha256').update(canonical).digest('base64url');
  return { privateKey, publicKey, kid, publicJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' } };
}
