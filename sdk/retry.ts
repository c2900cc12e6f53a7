/**
 * Copied into the generated SDK (`sdk/typescript/retry.ts`) by `npm run sdk`: a retry policy for
 * the generated client, as a `fetch` that the client takes in its config.
 *
 *   const client = createClient({ baseUrl, fetch: retryingFetch() });
 *   await interactionsCreate({ client, body, headers: { 'Idempotency-Key': randomUUID() } });
 *
 * It sends a request again when no answer came (connection refused or reset: an instance stopped
 * or died) or the answer was 502, 503 or 504, and only when a repeat is safe:
 *
 * - GET, HEAD, PUT, DELETE, OPTIONS: idempotent by HTTP's definition. A repeated DELETE whose
 *   first try had gone through answers 404, a repeated PUT with If-Match 412: the caller sees
 *   that the first one won, never a change made twice.
 * - POST and PATCH only with an `Idempotency-Key` header, the caller's promise that a repeat is
 *   safe. `POST /interactions` keeps the first answer per key: a repeat gets it again
 *   (`Idempotent-Replayed: true`) and creates nothing.
 *
 * Waits: `Retry-After` when the answer has one (seconds or an HTTP date) plus up to `baseDelayMs`
 * of jitter; otherwise exponential backoff with full jitter (a random wait up to `baseDelayMs`,
 * then twice that, …, capped at `maxDelayMs`). A `Retry-After` longer than `maxDelayMs` ends the
 * retries: that answer is returned, so the caller decides whether to wait that long. After
 * `maxAttempts` the last answer is returned (or the last network error thrown). An aborted
 * request (its `signal`) is never retried and stops a wait.
 */

export interface RetryOptions {
  /** Attempts in all, the first one included. Default 4. */
  maxAttempts?: number;
  /** The first backoff step and the jitter added to a Retry-After, in ms. Default 250. */
  baseDelayMs?: number;
  /** The longest wait between two attempts, in ms. Default 10,000. */
  maxDelayMs?: number;
  /** Called before each wait, e.g. to log or count retries. */
  onRetry?: (event: RetryEvent) => void;
  /** The fetch that sends each attempt. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

export interface RetryEvent {
  method: string;
  url: string;
  /** The attempt that failed (1 = the first). */
  attempt: number;
  /** Its status, or undefined when it got no answer. */
  status?: number;
  /** The network error, when it got no answer. */
  error?: unknown;
  /** How long the policy waits before the next attempt. */
  delayMs: number;
}

export const RETRY_STATUSES: readonly number[] = [502, 503, 504];
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const KEYED_METHODS = new Set(['POST', 'PATCH']);

/** Whether the policy may send this request again. */
export function isRetryable(request: Request): boolean {
  const method = request.method.toUpperCase();
  return (
    IDEMPOTENT_METHODS.has(method) ||
    (KEYED_METHODS.has(method) && request.headers.has('idempotency-key'))
  );
}

/** A Retry-After value (delay-seconds or an HTTP date) in ms from `now`; undefined if invalid. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') {
    return undefined;
  }
  if (/^\s*\d+\s*$/.test(value)) {
    return Number(value) * 1000;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function retryingFetch(options: RetryOptions = {}): typeof fetch {
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 4));
  const baseDelayMs = Math.max(0, options.baseDelayMs ?? 250);
  const maxDelayMs = Math.max(0, options.maxDelayMs ?? 10_000);
  const send = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  const backoff = (attempt: number): number =>
    Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));

  return async (input, init) => {
    const request = new Request(input, init);
    if (!isRetryable(request)) {
      return send(request);
    }
    for (let attempt = 1; ; attempt += 1) {
      const last = attempt >= maxAttempts;
      // A body can be read once: every attempt but the last sends a copy.
      const attemptRequest = last ? request : request.clone();
      let response: Response;
      try {
        response = await send(attemptRequest);
      } catch (error) {
        if (last || request.signal.aborted) {
          throw error;
        }
        const delayMs = backoff(attempt);
        options.onRetry?.({ method: request.method, url: request.url, attempt, error, delayMs });
        await sleep(delayMs, request.signal);
        continue;
      }
      if (last || !RETRY_STATUSES.includes(response.status)) {
        return response;
      }
      const asked = retryAfterMs(response.headers.get('retry-after'));
      if (asked !== undefined && asked > maxDelayMs) {
        return response;
      }
      const delayMs = asked === undefined ? backoff(attempt) : asked + Math.random() * baseDelayMs;
      // Read to the end, so the connection can carry the next attempt.
      await response.arrayBuffer().catch(() => undefined);
      options.onRetry?.({
        method: request.method,
        url: request.url,
        attempt,
        status: response.status,
        delayMs,
      });
      await sleep(delayMs, request.signal);
    }
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
