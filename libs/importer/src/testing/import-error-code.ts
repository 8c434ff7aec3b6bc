import { ImportError } from '../import-error.js';

/** The ImportError code `run` throws, undefined if it throws nothing, or a line saying what else it threw. */
export function importErrorCodeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof ImportError ? error.code : `not an ImportError: ${String(error)}`;
  }
  return undefined;
}
