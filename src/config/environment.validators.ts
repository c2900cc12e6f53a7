import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { TransformFnParams } from 'class-transformer';
import { ValidateBy, type ValidationOptions } from 'class-validator';
import ms from 'ms';

export function toInteger({ value }: TransformFnParams): unknown {
  return typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
}

export function toBoolean({ value }: TransformFnParams): unknown {
  if (value === 'true' || value === '1') {
    return true;
  }
  if (value === 'false' || value === '0') {
    return false;
  }
  return value;
}

export function IsDuration(
  options?: ValidationOptions,
  { allowZero = false }: { allowZero?: boolean } = {},
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDuration',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string' || !/^\d+\s*(ms|s|m|h|d)$/.test(value.trim())) {
            return false;
          }
          const milliseconds = ms(value as ms.StringValue);
          return allowZero ? milliseconds >= 0 : milliseconds > 0;
        },
        defaultMessage: (args) => `${args?.property} must be a duration like 30m, 12h or 7d`,
      },
    },
    options,
  );
}

/** A URL of one of `protocols` (with a host if `requireHost`); the message shows `example`. */
function IsServiceUrl(
  name: string,
  protocols: string[],
  example: string,
  requireHost: boolean,
  options?: ValidationOptions,
) {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') {
            return false;
          }
          try {
            const url = new URL(value);
            return protocols.includes(url.protocol) && (!requireHost || url.hostname !== '');
          } catch {
            return false;
          }
        },
        defaultMessage: (args) => `${args?.property} must be a URL like ${example}`,
      },
    },
    options,
  );
}

export function IsPostgresUrl(options?: ValidationOptions): PropertyDecorator {
  return IsServiceUrl(
    'isPostgresUrl',
    ['postgres:', 'postgresql:'],
    'postgres://user:password@host:5432/database',
    false,
    options,
  );
}

export function IsRedisUrl(options?: ValidationOptions): PropertyDecorator {
  return IsServiceUrl('isRedisUrl', ['redis:', 'rediss:'], 'redis://host:6379', true, options);
}

/** A hop count, or a comma-separated list of IP addresses and CIDR ranges. */
export function parseTrustProxy(value: string): number | string[] | undefined {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed);
  }
  const entries = trimmed.split(',').map((entry) => entry.trim());
  return entries.every(isIpOrCidr) ? entries : undefined;
}

function isIpOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) {
    return false;
  }
  if (prefix === undefined) {
    return true;
  }
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

export function IsTrustProxy(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTrustProxy',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && parseTrustProxy(value) !== undefined,
        defaultMessage: (args) =>
          `${args?.property} must be a hop count or a comma-separated list of IP addresses/CIDR ranges`,
      },
    },
    options,
  );
}

/** Keys may arrive with literal "\n" sequences when set through a single-line variable. */
export function normalisePem(value: string): string {
  return value.includes('\\n') ? value.replace(/\\n/g, '\n') : value;
}

type PemKind = 'PRIVATE KEY' | 'PUBLIC KEY' | 'CERTIFICATE';

/** The PEM blocks of a value that may hold several, one after the other. */
export function splitPemBlocks(value: string): string[] {
  return normalisePem(value).match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
}

function isPemOf(kind: PemKind, pem: string): boolean {
  // createPublicKey also derives a public key from a private one: the label keeps a private key
  // out of a variable that is meant to be public.
  if (!new RegExp(`^\\s*-----BEGIN (RSA )?${kind}-----`).test(pem)) {
    return false;
  }
  try {
    if (kind === 'CERTIFICATE') {
      return new X509Certificate(pem).publicKey !== undefined;
    }
    const key = kind === 'PRIVATE KEY' ? createPrivateKey(pem) : createPublicKey(pem);
    return key.asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}

function describePem(kind: PemKind): string {
  return kind === 'CERTIFICATE' ? 'X.509 certificate' : `RSA ${kind.toLowerCase()}`;
}

export function IsPem(kind: PemKind, options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isPem',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && isPemOf(kind, normalisePem(value)),
        defaultMessage: (args) => `${args?.property} must be an ${describePem(kind)} in PEM form`,
      },
    },
    options,
  );
}

/** One or more PEM blocks of `kind`, concatenated. */
export function IsPemList(kind: PemKind, options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isPemList',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') {
            return false;
          }
          const blocks = splitPemBlocks(value);
          const rest = blocks.reduce((text, block) => text.replace(block, ''), normalisePem(value));
          // Anything besides whole blocks (a truncated last key) would otherwise be dropped silently.
          return (
            blocks.length > 0 && rest.trim() === '' && blocks.every((block) => isPemOf(kind, block))
          );
        },
        defaultMessage: (args) =>
          `${args?.property} must be one or more ${describePem(kind)}s in PEM form, one after the other`,
      },
    },
    options,
  );
}
