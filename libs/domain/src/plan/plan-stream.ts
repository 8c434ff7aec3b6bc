/** One stream per plan: `plan-<uuid>`. */
export const PLAN_STREAM_PREFIX = 'plan-';

export function planStreamName(planId: string): string {
  return `${PLAN_STREAM_PREFIX}${planId}`;
}

export function planIdOfStream(streamId: string): string | null {
  return streamId.startsWith(PLAN_STREAM_PREFIX) ? streamId.slice(PLAN_STREAM_PREFIX.length) : null;
}
