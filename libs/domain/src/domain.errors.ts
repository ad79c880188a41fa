/**
 * Typed errors of the pure core. `retriable` says whether retrying the same input can help
 * (never, for these: they are about the input itself).
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  readonly retriable = false;
}

export interface PolicyIssue {
  /** Dotted key path, e.g. 'lifecycle.dissolution.volumeDeclineRatio'. */
  key: string;
  message: string;
}

export class PolicyValidationError extends DomainError {
  readonly code = 'invalid-policy';
  constructor(readonly issues: PolicyIssue[]) {
    super(`invalid relationship policy: ${issues.map((i) => `${i.key}: ${i.message}`).join('; ')}`);
    this.name = 'PolicyValidationError';
  }
}

export class InvalidEventError extends DomainError {
  readonly code = 'invalid-event';
  constructor(readonly eventId: string, reason: string) {
    super(`event ${eventId}: ${reason}`);
    this.name = 'InvalidEventError';
  }
}

export class CustomerMismatchError extends DomainError {
  readonly code = 'customer-mismatch';
  constructor(readonly viewCustomerId: string, readonly eventCustomerId: string, readonly eventId: string) {
    super(`event ${eventId} is about customer ${eventCustomerId}, not ${viewCustomerId}`);
    this.name = 'CustomerMismatchError';
  }
}

/**
 * The fold state cannot answer on its own (a late event, an asOf before the fold's clock, a new
 * policy, a refund of an order bought before the horizon): the caller must give the customer's
 * history, the events the view has applied (its stream in the event store).
 */
export class HistoryRequiredError extends DomainError {
  readonly code = 'history-required';
  constructor(readonly customerId: string, reason: string) {
    super(`customer ${customerId}: the history is needed (${reason})`);
    this.name = 'HistoryRequiredError';
  }
}
