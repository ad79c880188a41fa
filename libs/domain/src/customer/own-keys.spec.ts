import type { StoredInteractionEvent } from '@crm/contracts';
import { DEFAULT_POLICY } from '../policy';
import { evolveInPlace, foldEvents } from './customer-view.evolve';
import { initialView } from './customer-view.initial';
import type { CustomerView } from './customer-view.types';
import { copyOwn, getOwn, setOwn } from './own-keys';
import { CustomerEvents, day } from './testing/customer-events.test-helper';

const TRICKY = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];

/** The projector's path: the stored JSON is parsed, evolved in place and stored again, per event. */
function throughJson(customerId: string, events: readonly StoredInteractionEvent[]): CustomerView {
  let json = JSON.stringify(initialView(customerId, DEFAULT_POLICY));
  for (const e of events) {
    const view = JSON.parse(json) as CustomerView;
    evolveInPlace(view, e, DEFAULT_POLICY);
    json = JSON.stringify(view);
  }
  return JSON.parse(json) as CustomerView;
}

describe('dictionaries keyed by publisher input', () => {
  it('getOwn / setOwn / copyOwn treat every name as an ordinary key, on plain and parsed objects', () => {
    const dict: Record<string, number> = {};
    for (const key of TRICKY) expect(getOwn(dict, key)).toBeUndefined();
    TRICKY.forEach((key, i) => setOwn(dict, key, i + 1));
    expect(Object.getPrototypeOf(dict)).toBe(Object.prototype);
    expect(Object.keys(dict)).toEqual(TRICKY);
    const parsed = JSON.parse(JSON.stringify(dict)) as Record<string, number>;
    expect(TRICKY.map((key) => getOwn(parsed, key))).toEqual([1, 2, 3, 4]);
    setOwn(parsed, '__proto__', 20);
    expect(getOwn(parsed, '__proto__')).toBe(20);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(copyOwn(parsed)).toEqual(parsed);
    expect(Object.keys(copyOwn(parsed))).toEqual(TRICKY);
  });

  describe.each([['live'], ['through JSON'], ['replayed']])('product categories and competitors named like Object members (%s)', (path) => {
    const c = new CustomerEvents('C-keys');
    const events: StoredInteractionEvent[] = [];
    TRICKY.forEach((name, i) => {
      events.push(c.purchase(day(2 * i), { category: name }), c.purchase(day(2 * i + 1), { category: name }), c.declined(day(2 * i + 1), name));
    });
    events.push(c.purchase(day(20), { currency: 'USD', category: 'constructor' }));
    const view = (() => {
      if (path === 'replayed') return JSON.parse(JSON.stringify(foldEvents('C-keys', events, DEFAULT_POLICY))) as CustomerView;
      if (path === 'through JSON') return throughJson('C-keys', events);
      const v = initialView('C-keys', DEFAULT_POLICY);
      for (const e of events) evolveInPlace(v, e, DEFAULT_POLICY);
      return JSON.parse(JSON.stringify(v)) as CustomerView;
    })();

    it('counts each as an ordinary category', () => {
      expect(view.state.categories).toEqual({ constructor: 3, ['__proto__']: 2, toString: 2, hasOwnProperty: 2 });
      expect(Object.keys(view.state.categories)).toEqual(TRICKY);
      expect(view.loyalty.behavioural.categories).toEqual(TRICKY);
      expect(view.lifecycle.assessment.value.scope).toBe(4);
      // Each second purchase (and the last) repeats a category already bought.
      expect(view.loyalty.cognitive.repeatChoiceShare).toBeCloseTo(5 / 9, 12);
      expect(view.loyalty.traits.buysSeveralCategories.value).toBe(true);
    });

    it('keeps competitor names as they are', () => {
      expect(view.loyalty.cognitive.competitors).toEqual(TRICKY);
      expect(view.loyalty.cognitive.competitorOffersDeclined).toBe(4);
    });

    it('a later purchase in such a category counts on after the round trip', () => {
      const more = new CustomerEvents('C-keys', 1000, 'more');
      const next = JSON.parse(JSON.stringify(view)) as CustomerView;
      evolveInPlace(next, more.purchase(day(30), { category: '__proto__' }), DEFAULT_POLICY);
      evolveInPlace(next, more.purchase(day(31), { category: 'valueOf' }), DEFAULT_POLICY);
      expect(getOwn(next.state.categories, '__proto__')).toBe(3);
      expect(getOwn(next.state.categories, 'valueOf')).toBe(1);
      expect(next.loyalty.behavioural.categories).toEqual([...TRICKY, 'valueOf']);
      expect(Object.getPrototypeOf(next.state.categories)).toBe(Object.prototype);
    });
  });

  it('a foreign currency code named like an Object member is an ordinary key', () => {
    const c = new CustomerEvents('C-keys-fx');
    const events = [c.purchase(day(0)), c.purchase(day(1), { currency: '__proto__', amount: 7 }), c.refund(day(2), 'X', 3, 'constructor')];
    const view = throughJson('C-keys-fx', events);
    expect(view.foreignCurrencies).toEqual({
      ['__proto__']: { purchases: 1, purchaseValue: 7, refundValue: 0 },
      constructor: { purchases: 0, purchaseValue: 0, refundValue: 3 },
    });
    expect(Object.keys(view.foreignCurrencies)).toEqual(['__proto__', 'constructor']);
  });
});
