import { type StoredInteractionEvent, storedCustomerIdOf } from '@crm/contracts';
import { DataKeys, openPersonalData } from '@crm/privacy';

/** The personal data of a view, as a key with the read-pii scope gets it. */
export type PersonalDataView =
  | { status: 'none' }
  | { status: 'erased'; erasedAt: string | null }
  | {
      status: 'present';
      displayName?: string;
      email?: string;
      phone?: string;
      /** The registration these come from (the latest). */
      source: { eventId: string; occurredAt: string };
      /** false: stored before sealing, so in clear in the store; an erasure cannot shred it. */
      sealed: boolean;
    };

const REGISTRATION_FIELDS = ['displayName', 'email', 'phone'] as const;

/**
 * The latest registration's name and contact details, opened with the customer's data key; erased
 * when an erasure was recorded after it or its key is gone. The history is the customer's stream
 * (and those merged into it): personal data never enters the stored views, so no view, views topic
 * or read-store backup holds it.
 */
export async function personalDataOf(history: readonly StoredInteractionEvent[], keys: DataKeys): Promise<PersonalDataView> {
  let registration: StoredInteractionEvent | undefined;
  let erasure: StoredInteractionEvent | undefined;
  for (const event of history) {
    if (event.type === 'CustomerRegistered' && (registration === undefined || event.position > registration.position)) registration = event;
    if (event.type === 'PersonalDataErased' && (erasure === undefined || event.position > erasure.position)) erasure = event;
  }
  if (registration === undefined) return erasure ? { status: 'erased', erasedAt: erasure.occurredAt } : { status: 'none' };
  if (erasure !== undefined && erasure.position > registration.position) return { status: 'erased', erasedAt: erasure.occurredAt };
  const fields = (await openPersonalData([registration], keys)).get(registration.eventId) ?? {};
  if (Object.values(fields).some((field) => field.state === 'erased')) {
    return { status: 'erased', erasedAt: (await keys.erasure(storedCustomerIdOf(registration)))?.erasedAt ?? null };
  }
  const present: Extract<PersonalDataView, { status: 'present' }> = { status: 'present' } as Extract<PersonalDataView, { status: 'present' }>;
  for (const name of REGISTRATION_FIELDS) {
    const field = fields[name];
    if (field !== undefined && field.state !== 'erased') present[name] = field.value;
  }
  present.source = { eventId: registration.eventId, occurredAt: registration.occurredAt };
  present.sealed = !Object.values(fields).some((field) => field.state === 'unsealed');
  return present;
}
