import type { MergeRefusal } from './merge-routing';

/** A command with a CustomersMerged the registry refuses (HTTP 409 customer-merged); nothing of the command was stored. */
export class CustomerMergeRefusedError extends Error {
  readonly retriable = false;
  constructor(readonly refusals: readonly MergeRefusal[]) {
    super(`customer merge refused: ${refusals.map((r) => r.detail).join('; ')}`);
    this.name = 'CustomerMergeRefusedError';
  }
}
