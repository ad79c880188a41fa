import { InteractionEvent, PERSONAL_DATA_FIELDS, StoredInteractionEvent, storedCustomerIdOf } from '@crm/contracts';
import type { DataKeys } from './data-keys';
import { DataKey, isSealedToken, keyVersionOf, openValue, sealValue } from './field-cipher';
import { keyRefId } from './key-store.port';

/** What a sealed value is bound to: its customer and its event (a token moved to another event or customer does not open). */
export const eventAad = (customerId: string, eventId: string): string => `${customerId}:${eventId}`;

const personalFields = (type: string): readonly string[] => (PERSONAL_DATA_FIELDS as Record<string, readonly string[] | undefined>)[type] ?? [];

/** The personal-data fields an event carries (a string value), by name. */
function presentFields(event: { type: string; data: unknown }): string[] {
  const data = event.data as Record<string, unknown>;
  return personalFields(event.type).filter((name) => typeof data[name] === 'string');
}

/** Whether an event has a personal-data field in clear (to seal, or stored before sealing). */
export const hasClearPersonalData = (event: { type: string; data: unknown }): boolean =>
  presentFields(event).some((name) => !isSealedToken((event.data as Record<string, unknown>)[name]));

/**
 * The events with every personal-data field sealed with their customer's current data key (AAD:
 * customer and eventId). Events without such a field are returned as they are and cost no key;
 * the keys of the others' customers are fetched (made where missing) in one call.
 */
export async function sealEvents<E extends InteractionEvent>(events: readonly E[], keys: Pick<DataKeys, 'forSealing'>): Promise<E[]> {
  const clear = events.map(hasClearPersonalData);
  const customers = [...new Set(events.filter((_, i) => clear[i]).map((event) => event.customerId))];
  if (customers.length === 0) return [...events];
  const byCustomer = await keys.forSealing(customers);
  return events.map((event, i) => {
    if (!clear[i]) return event;
    const key = byCustomer.get(event.customerId);
    if (key === undefined) throw new Error(`no data key for ${event.customerId}`);
    return sealEvent(event, key);
  });
}

/** One event's clear personal-data fields sealed with `key`. */
export function sealEvent<E extends InteractionEvent>(event: E, key: DataKey): E {
  const data = { ...(event.data as Record<string, unknown>) };
  const aad = eventAad(event.customerId, event.eventId);
  for (const name of presentFields(event)) {
    const value = data[name] as string;
    if (!isSealedToken(value)) data[name] = sealValue(value, key, aad);
  }
  return { ...event, data } as E;
}

/** A personal-data field as a reader with the read-pii scope gets it. */
export type OpenedField =
  | { state: 'clear'; value: string }
  | { state: 'erased' }
  /** Stored before sealing: readable, and an erasure cannot shred it (docs/personal-data.md). */
  | { state: 'unsealed'; value: string };

/**
 * The personal-data fields of stored events, opened: a sealed value with its key (the event's
 * customer's key of the token's version), `erased` when that key was destroyed. The keys are
 * fetched in one call for all the events.
 */
export async function openPersonalData(
  events: readonly StoredInteractionEvent[],
  keys: Pick<DataKeys, 'forOpening'>,
): Promise<Map<string, Record<string, OpenedField>>> {
  const refs = new Map<string, { customerId: string; version: number }>();
  for (const event of events) {
    const data = event.data as Record<string, unknown>;
    for (const name of presentFields(event)) {
      const value = data[name];
      if (isSealedToken(value)) {
        const ref = { customerId: storedCustomerIdOf(event), version: keyVersionOf(value) };
        refs.set(keyRefId(ref), ref);
      }
    }
  }
  const opened = refs.size === 0 ? new Map<string, DataKey | null>() : await keys.forOpening([...refs.values()]);
  const result = new Map<string, Record<string, OpenedField>>();
  for (const event of events) {
    const data = event.data as Record<string, unknown>;
    const fields: Record<string, OpenedField> = {};
    for (const name of presentFields(event)) {
      const value = data[name] as string;
      if (!isSealedToken(value)) {
        fields[name] = { state: 'unsealed', value };
        continue;
      }
      // The key and the AAD of the customer whose stream holds it (a merged id's event in its survivor's history).
      const owner = storedCustomerIdOf(event);
      const key = opened.get(keyRefId({ customerId: owner, version: keyVersionOf(value) })) ?? null;
      fields[name] = key === null ? { state: 'erased' } : { state: 'clear', value: openValue(value, key, eventAad(owner, event.eventId)) };
    }
    if (Object.keys(fields).length > 0) result.set(event.eventId, fields);
  }
  return result;
}
