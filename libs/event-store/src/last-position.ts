import type { EventStore } from './event-store.js';

/**
 * The position of the log's last event (undefined when it is empty), by galloping and bisection with one-event
 * reads: a few dozen reads whatever the log holds, on any adapter (positions need only be ordered, not dense).
 * An event appended meanwhile may or may not be counted: callers read on from the answer.
 */
export async function lastPositionOf(store: EventStore): Promise<bigint | undefined> {
  const after = async (position: bigint | undefined) => (await store.readAll({ fromPosition: position, maxCount: 1 }))[0]?.position;
  let known = await after(undefined);
  if (known === undefined) return undefined;
  let step = 1n;
  // Gallop forwards to a position with nothing after it, then bisect between the last seen event and it.
  for (;;) {
    const next = await after(known + step);
    if (next === undefined) break;
    known = next;
    step *= 2n;
  }
  let high = known + step;
  while (high - known > 1n) {
    const middle = (known + high) / 2n;
    const next = await after(middle);
    if (next === undefined) high = middle;
    else known = next;
  }
  // An event exactly at high, or appended meanwhile, is the end.
  return (await after(known)) ?? known;
}
