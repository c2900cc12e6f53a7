import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 and a free port in front of `target`, which can black-hole its
 * connections: bytes are then neither forwarded nor refused, and new connections are accepted and
 * left unanswered, as a network partition looks to the client (no RST, no FIN).
 */
export class TcpProxy {
  private blackHoled = false;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') {
      throw new Error('the proxy has no TCP port');
    }
    const proxy = new TcpProxy(server, address.port);
    server.on('connection', (client: Socket) => proxy.accept(client, target));
    return proxy;
  }

  /** From now on nothing passes, in either direction, on old and new connections. */
  blackHole(): void {
    this.blackHoled = true;
  }

  /** Forwarding again; connections opened meanwhile stay dead (as after a partition). */
  heal(): void {
    this.blackHoled = false;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    this.track(client);
    if (this.blackHoled) {
      return;
    }
    const upstream = connect(target.port, target.host);
    this.track(upstream);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (!this.blackHoled) {
          to.write(chunk);
        }
      });
    forward(client, upstream);
    forward(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }
}
