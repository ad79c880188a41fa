import { randomBytes } from 'node:crypto';
import { SEALED_VALUE_PATTERN } from '@crm/contracts/edge';
import { InteractionEvent, StoredInteractionEvent, addressedTo, sampleEvent } from '@crm/contracts';
import { DataKeys } from './data-keys';
import { SEALED_TOKEN_PATTERN } from './field-cipher';
import { InMemoryKeyStore } from './memory/in-memory-key-store';
import { eventAad, hasClearPersonalData, openPersonalData, sealEvent, sealEvents } from './sealed-events';

const stored = (event: InteractionEvent, position: number): StoredInteractionEvent => ({ ...event, revision: position, position, recordedAt: '2026-12-01T00:00:00Z' }) as StoredInteractionEvent;

describe('sealed events', () => {
  let store: InMemoryKeyStore;
  let keys: DataKeys;
  beforeEach(() => {
    store = new InMemoryKeyStore();
    keys = new DataKeys({ store, masterKey: randomBytes(32) });
  });

  it('uses the token format the stored schemas accept', () => {
    expect(SEALED_TOKEN_PATTERN).toBe(SEALED_VALUE_PATTERN);
  });

  it('seals the personal-data fields present, leaves the others and the events without any (no key made for them)', async () => {
    const registered = sampleEvent('CustomerRegistered', { customerId: 'A' });
    const withoutPhone = sampleEvent('CustomerRegistered', { customerId: 'B', eventId: '00000000-0000-4000-8000-0000000000b1', data: { phone: undefined } });
    const purchase = sampleEvent('PurchaseMade', { customerId: 'C' });
    const [a, b, c] = await sealEvents([registered, withoutPhone, purchase], keys);
    expect(a.data).toEqual({ ...registered.data, displayName: expect.stringMatching(/^pii:1:1:/), email: expect.stringMatching(/^pii:1:1:/), phone: expect.stringMatching(/^pii:1:1:/) });
    expect((b.data as unknown as Record<string, unknown>).phone).toBeUndefined();
    expect((b.data as unknown as Record<string, unknown>).email).toMatch(/^pii:1:1:/);
    expect(c).toBe(purchase);
    expect(hasClearPersonalData(a)).toBe(false);
    expect(hasClearPersonalData(registered)).toBe(true);
    expect(await store.get('C', 1)).toBeNull();
    expect(await store.get('A', 1)).not.toBeNull();
    // Sealing again changes nothing: a sealed value is not sealed twice.
    expect(sealEvent(a, (await keys.forSealing(['A'])).get('A')!)).toEqual(a);
  });

  it('opens with the event’s customer and id only: a value moved to another event or customer does not open', async () => {
    const registered = sampleEvent('CustomerRegistered', { customerId: 'A' });
    const [sealed] = await sealEvents([registered], keys);
    const opened = await openPersonalData([stored(sealed, 1)], keys);
    expect(opened.get(registered.eventId)).toEqual({
      displayName: { state: 'clear', value: registered.data.displayName },
      email: { state: 'clear', value: registered.data.email },
      phone: { state: 'clear', value: registered.data.phone },
    });
    const moved = stored({ ...sealed, eventId: '00000000-0000-4000-8000-00000000ffff' }, 2);
    await expect(openPersonalData([moved], keys)).rejects.toThrow();
    expect(eventAad('A', 'e')).toBe('A:e');
  });

  it('opens a merged customer’s event in its survivor’s history with the key of the customer it was stored under', async () => {
    const registered = sampleEvent('CustomerRegistered', { customerId: 'M' });
    const [sealed] = await sealEvents([registered], keys);
    await keys.forSealing(['S']);
    const inSurvivor = addressedTo(stored(sealed, 1), 'S');
    expect(inSurvivor.customerId).toBe('S');
    expect((await openPersonalData([inSurvivor], keys)).get(registered.eventId)?.displayName).toEqual({ state: 'clear', value: registered.data.displayName });
  });

  it('says erased once the key is destroyed, and unsealed for an event stored in clear', async () => {
    const registered = sampleEvent('CustomerRegistered', { customerId: 'A' });
    const [sealed] = await sealEvents([registered], keys);
    await keys.destroy(['A'], '2026-12-01T00:00:00Z');
    const clear = sampleEvent('ComplaintFiled', { customerId: 'A', eventId: '00000000-0000-4000-8000-0000000000c1' });
    const opened = await openPersonalData([stored(sealed, 1), stored(clear, 2)], keys);
    expect(opened.get(registered.eventId)?.displayName).toEqual({ state: 'erased' });
    expect(opened.get(clear.eventId)).toEqual({ description: { state: 'unsealed', value: clear.data.description } });
    // A returning customer: the next key version, the old values still erased.
    const [again] = await sealEvents([{ ...registered, eventId: '00000000-0000-4000-8000-0000000000a2' }], keys);
    expect((again.data as { displayName: string }).displayName).toMatch(/^pii:1:2:/);
    const both = await openPersonalData([stored(sealed, 1), stored(again, 3)], keys);
    expect(both.get(registered.eventId)?.displayName).toEqual({ state: 'erased' });
    expect(both.get(again.eventId)?.displayName).toEqual({ state: 'clear', value: registered.data.displayName });
  });
});
