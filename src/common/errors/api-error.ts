import { type ErrorCode, STATUS_OF } from './error-code';

export type ErrorDetails = Record<string, string>;

/** The one error type services throw; the global filter turns it into the envelope. */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = STATUS_OF[code];
  }
}
