import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port';

/** Debian's redis-server on the PATH; the Redis tests are skipped without it. */
export const hasRedisServer =
  spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** PEM files of the server's certificate, its key and the CA that signed it. */
export interface RedisTls {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/** A throwaway redis-server on 127.0.0.1 and a free port, without persistence. */
export class RedisServer {
  private child?: ChildProcess;

  private constructor(
    readonly port: number,
    private readonly password?: string,
    private readonly tls?: RedisTls,
  ) {}

  get url(): string {
    const credentials = this.password === undefined ? '' : `:${encodeURIComponent(this.password)}@`;
    return `${this.tls ? 'rediss' : 'redis'}://${credentials}127.0.0.1:${this.port}`;
  }

  /**
   * With `password`, the server requires it (`requirepass`) and `url` carries it. With `tls`, it
   * accepts TLS only (no plain port), presenting that certificate, and `url` is `rediss://`.
   */
  static async start(options: { password?: string; tls?: RedisTls } = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), options.password, options.tls);
    await server.restart();
    return server;
  }

  /** Starts the server on its port again (after stop()); resolves once it accepts connections. */
  async restart(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        ...(this.tls
          ? ['--port', '0', '--tls-port', String(this.port)]
          : ['--port', String(this.port)]),
        ...['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        ...(this.password === undefined ? [] : ['--requirepass', this.password]),
        ...(this.tls
          ? [
              ...['--tls-cert-file', this.tls.certFile, '--tls-key-file', this.tls.keyFile],
              ...['--tls-ca-cert-file', this.tls.caFile, '--tls-auth-clients', 'no'],
            ]
          : []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(
        () => reject(new Error(`redis-server did not start: ${output}`)),
        10_000,
      );
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${output}`));
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}
