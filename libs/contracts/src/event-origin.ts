import type { StoredInteractionEvent } from './event-types';

const STORED_CUSTOMER_ID = Symbol.for('crm.storedCustomerId');

/**
 * A merged customer's event folded into its survivor's history: a copy addressed to the
 * survivor, which still knows the customer it was stored under (a non-enumerable property: no
 * JSON, view or comparison sees it). What was sealed with that customer's key opens with it.
 */
export function addressedTo<E extends StoredInteractionEvent>(event: E, customerId: string): E {
  if (event.customerId === customerId) return event;
  const copy = { ...event, customerId };
  Object.defineProperty(copy, STORED_CUSTOMER_ID, { value: storedCustomerIdOf(event), enumerable: false });
  return copy;
}

/** The customer whose stream holds the event (its own customerId unless addressedTo a survivor). */
export function storedCustomerIdOf(event: StoredInteractionEvent): string {
  return (event as { [STORED_CUSTOMER_ID]?: string })[STORED_CUSTOMER_ID] ?? event.customerId;
}
