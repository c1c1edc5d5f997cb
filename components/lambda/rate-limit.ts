/**
 * The client-side pacing Lambda Cloud asks for: about one request per second for the whole program,
 * and launches at most one per 12 seconds. Pure slot arithmetic plus one shared scheduler per API
 * endpoint, kept on `globalThis` because every dynamic resource's provider is deserialized separately
 * inside the one provider process: a module-level variable would be one limiter per resource.
 */

export interface PacingIntervals {
  /** Minimum time between two requests, in ms. @default 1000 */
  readonly requestMs: number;
  /** Minimum time between two launches, in ms. @default 12000 */
  readonly launchMs: number;
}

export const DEFAULT_PACING: PacingIntervals = { requestMs: 1000, launchMs: 12_000 };

export interface PacingState {
  /** Earliest time the next request may start (epoch ms). */
  readonly nextRequestAt: number;
  /** Earliest time the next launch may start (epoch ms). */
  readonly nextLaunchAt: number;
}

export const INITIAL_PACING: PacingState = { nextRequestAt: 0, nextLaunchAt: 0 };

/**
 * Reserves the next slot for a request (a launch also needs a launch slot) at `now`: how long to
 * wait before sending, and the state after the reservation. Pure.
 */
export function reserveSlot(
  state: PacingState,
  now: number,
  kind: "request" | "launch",
  intervals: PacingIntervals,
): { readonly waitMs: number; readonly state: PacingState } {
  let at = Math.max(now, state.nextRequestAt);
  if (kind === "launch") at = Math.max(at, state.nextLaunchAt);
  return {
    waitMs: at - now,
    state: {
      nextRequestAt: at + intervals.requestMs,
      nextLaunchAt: kind === "launch" ? at + intervals.launchMs : state.nextLaunchAt,
    },
  };
}

export interface RetryPolicy {
  /** Attempts in all, the first included. @default 5 */
  readonly attempts: number;
  /** First backoff, doubled per attempt. @default 2000 */
  readonly baseDelayMs: number;
  /** Longest backoff. @default 30000 */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 2000, maxDelayMs: 30_000 };

/**
 * How long to wait before retry number `retry` (1 for the first retry): exponential from
 * `baseDelayMs`, capped, and never shorter than a `Retry-After` the server sent. Pure.
 */
export function backoffMs(retry: number, policy: RetryPolicy, retryAfterSeconds?: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const serverAsked = retryAfterSeconds !== undefined && retryAfterSeconds >= 0 ? retryAfterSeconds * 1000 : 0;
  return Math.max(exp, serverAsked);
}

/** A `Retry-After` header in seconds (delta form only), or undefined. */
export function parseRetryAfter(header: string | null | undefined): number | undefined {
  if (!header || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

interface SharedPacing {
  state: PacingState;
}

/**
 * Waits for this process's next slot for `endpoint` (one shared state per API base URL).
 * Reservation is synchronous, so concurrent callers queue in order.
 */
export async function waitForSlot(endpoint: string, kind: "request" | "launch", intervals: PacingIntervals) {
  const registry = ((globalThis as Record<symbol, unknown>)[Symbol.for("sophia-infra.lambda.pacing")] ??= new Map<
    string,
    SharedPacing
  >()) as Map<string, SharedPacing>;
  let shared = registry.get(endpoint);
  if (!shared) {
    shared = { state: INITIAL_PACING };
    registry.set(endpoint, shared);
  }
  const { waitMs, state } = reserveSlot(shared.state, Date.now(), kind, intervals);
  shared.state = state;
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
}
