import { readFileSync } from 'node:fs';
import { ConfigurationError } from './configuration-error';

/**
 * The secrets that may come from a file instead of the environment, as Docker and Kubernetes
 * mount them: `NAME_FILE` holds the path, and the file's content is the value (trailing
 * whitespace and newlines dropped: `echo` and editors end files with one).
 */
export const FILE_SECRETS = [
  'JWT_PRIVATE_KEY',
  'JWT_PUBLIC_KEY',
  'DATABASE_URL',
  'DATABASE_REPLICA_URLS',
  'REDIS_URL',
  'METRICS_TOKEN',
  'SMTP_URL',
] as const;

/**
 * `env` with each `NAME_FILE` of FILE_SECRETS replaced by `NAME` and the file's content. Both
 * forms of one secret at once are refused: which one wins would be a guess, and a stale variable
 * left beside a rotated secret file is a mistake to stop at, not to paper over.
 */
export function withFileSecrets(env: Record<string, string>): Record<string, string> {
  const resolved = { ...env };
  for (const name of FILE_SECRETS) {
    const fileVariable = `${name}_FILE`;
    const path = env[fileVariable];
    if (path === undefined) {
      continue;
    }
    if (env[name] !== undefined) {
      throw new ConfigurationError(`${name} and ${fileVariable} are both set; give only one`);
    }
    resolved[name] = readSecret(fileVariable, path);
    delete resolved[fileVariable];
  }
  return resolved;
}

function readSecret(fileVariable: string, path: string): string {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigurationError(`${fileVariable}: cannot read ${path} (${reason})`);
  }
  const value = content.trimEnd();
  if (value === '') {
    throw new ConfigurationError(`${fileVariable}: ${path} is empty`);
  }
  return value;
}
