import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The compiled server (npm test builds it first), started the way operators start it. */
const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

export interface ServerProcess {
  child: ChildProcess;
  output: () => string;
  exit: Promise<Exit>;
}

export function startServer(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, output: () => stdout, exit };
}

export async function waitForUrl(output: () => string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /listening on (http:\/\/[\d.:]+)/.exec(output());
    if (match) {
      return match[1];
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`server did not start:\n${output()}`);
}

/** The JSON log lines the server wrote so far. */
export function logLines(output: string): Array<Record<string, unknown>> {
  return output
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
