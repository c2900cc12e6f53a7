import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli.module';
import { CliInputError } from './cli-input';

/**
 * `npm run cli -- <command> [--flags]`. Prints one line on success; on failure prints
 * `Error: <message>` to stderr and exits 1. Argument errors (unknown command, missing flag) are
 * reported by commander itself, also with exit code 1.
 */
async function main(): Promise<void> {
  await CommandFactory.run(CliModule, {
    logger: ['error', 'warn'],
    serviceErrorHandler: reportFailure,
  });
}

function reportFailure(error: Error): void {
  const message = error instanceof CliInputError ? error.message : firstLine(error);
  process.stderr.write(`Error: ${message}\n`);
  process.exitCode = 1;
}

/** Unexpected errors (database unreachable…) also stay on one line; DEBUG=1 shows the stack. */
function firstLine(error: Error): string {
  if (process.env.DEBUG) {
    return error.stack ?? error.message;
  }
  return error.message.split('\n')[0];
}

main().catch((error: unknown) => {
  reportFailure(error instanceof Error ? error : new Error(String(error)));
});
