import { Injectable } from '@nestjs/common';

/**
 * Whether the process is shutting down (SIGTERM or SIGINT received). From then on
 * `/health/ready` answers 503 while the process still serves for SHUTDOWN_READY_DELAY, so a
 * gateway or a Kubernetes endpoint controller stops sending it new requests before it drains.
 */
@Injectable()
export class ShutdownState {
  private shuttingDown = false;

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  begin(): void {
    this.shuttingDown = true;
  }
}
