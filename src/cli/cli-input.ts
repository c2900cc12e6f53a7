/**
 * Bad input or a refused operation. main.ts prints its message alone on one line (no stack),
 * because it is meant for the operator, not for a developer.
 */
export class CliInputError extends Error {}

export function parseSiteId(value: string): number {
  const siteId = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(siteId) || siteId < 1) {
    throw new CliInputError(`--site must be a site id (a positive whole number), got "${value}"`);
  }
  return siteId;
}

export function writeLine(line: string): void {
  process.stdout.write(`${line}\n`);
}
