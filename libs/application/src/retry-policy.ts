/**
 * How the one command handler retries a write that lost a race for its stream: how many times it decides
 * again, and how long it waits between tries. One object for every stream, so a change of policy is one edit.
 */
export interface RetryPolicy {
  /** How many times a command is decided and appended, in all, before the conflict is reported. */
  readonly maxAttempts: number;
  /** The first wait's upper bound; each later one doubles it, up to maxDelayMs. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A number in [0, 1): the jitter, so writers that collided do not collide again in step. */
  readonly random: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ maxAttempts: 50, baseDelayMs: 5, maxDelayMs: 50, random: Math.random });

/** The wait after the given failed attempt (1-based): "full jitter", a random share of a capped exponential back-off. */
export function retryDelay(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
  return policy.random() * ceiling;
}
