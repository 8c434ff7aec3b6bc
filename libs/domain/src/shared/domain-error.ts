/** Stable error codes: mapped once, at the edge, to an HTTP status and a JSON body. */
export type DomainErrorCode =
  | 'PLAN_NOT_FOUND'
  | 'PLAN_ALREADY_EXISTS'
  | 'ACTION_NOT_FOUND'
  | 'RECOMMENDATION_NOT_FOUND'
  | 'WORKSTREAM_NOT_FOUND'
  | 'EVENT_NOT_FOUND'
  | 'DUPLICATE_REFERENCE'
  | 'ACTION_COMPLETED'
  | 'ACTION_NOT_COMPLETED'
  | 'NO_CHANGE'
  | 'SAME_LEAD'
  | 'NOT_CORRECTABLE'
  | 'INVALID_CORRECTION'
  | 'RECOMMENDATION_ALREADY_SIGNED_OFF'
  | 'VALIDATION_FAILED'
  | 'SUBMISSION_NOT_FOUND'
  | 'SUBMISSION_NOT_PENDING'
  | 'SUBMISSION_NOT_CLOSED'
  | 'ALREADY_RESUBMITTED'
  | 'INVALID_RESUBMISSION'
  | 'SELF_APPROVAL'
  | 'NOT_SUBMITTER'
  | 'ACTOR_REQUIRED'
  | 'LEAD_NOT_FOUND'
  | 'NOTHING_DUE'
  | 'ROUND_NOT_FOUND'
  | 'ROUND_CLOSED'
  | 'ALREADY_REMINDED';

export interface ErrorDetail {
  /** Where the problem is, e.g. "body.leads[0]" or "target". */
  path: string;
  /** What is wrong, in plain words. */
  problem: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
