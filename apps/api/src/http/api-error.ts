import type { ErrorDetail } from '#domain';

/** An error the edge raises itself (bad header, bad query, missing file): already carries its HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}
