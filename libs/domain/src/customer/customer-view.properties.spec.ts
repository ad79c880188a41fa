import fc from 'fast-check';
import type { StoredInteractionEvent } from '@crm/contracts';
import { DEFAULT_POLICY, LifecycleStage, TrustStage } from '../policy';
import { cloneView, evaluate, evolve, evolveInPlace, foldEvents } from './customer-view.evolve';
import { initialView } from './customer-view.initial';
import type { CustomerView } from './customer-view.types';
import { CustomerEvents, day, live } from './testing/customer-events.test-helper';

const CUSTOMER = 'C-prop';
const RANK: Record<Exclude<LifecycleStage, 'dissolution'>, number> = { awareness: 0, exploration: 1, expansion: 2, commitment: 3 };
const TRUST_RANK: Record<TrustStage, number> = { calculus: 0, knowledge: 1, identification: 2 };

type Spec = { kind: number; at: number; a: number; b: number };

/** Histories biased towards purchases, over ~2 years, with a few complaints, ratings and endings. */
const historyArb = fc.array(
  fc.record({
    kind: fc.integer({ min: 0, max: 19 }),
    at: fc.integer({ min: 0, max: 700 * 24 }).map((h) => h / 24),
    a: fc.integer({ min: 0, max: 10 }),
    b: fc.integer({ min: 0, max: 3 }),
  }),
  { minLength: 1, maxLength: 40 },
);

/** Publisher input that a plain object would mistake for its own members (own-keys.ts). */
const TRICKY_NAMES = ['books', 'constructor', '__proto__', 'toString'] as const;

function build(specs: Spec[]): StoredInteractionEvent[] {
  const c = new CustomerEvents(CUSTOMER);
  const outcomes = ['resolved', 'transferred', 'escalated', 'follow_up'] as const;
  const severities = ['low', 'medium', 'high', 'critical'] as const;
  const contexts = ['contact', 'purchase', 'complaint', 'survey'] as const;
  return specs.map(({ kind, at, a, b }) => {
    const when = day(at);
    if (kind < 8) return c.purchase(when, { orderId: `O-${a}`, amount: 500 + 100 * a, category: TRICKY_NAMES[b] });
    if (kind < 11) return c.contact(when, { outcome: outcomes[b], direction: a > 7 ? 'outbound' : 'inbound', sentiment: a / 5 - 1 });
    if (kind === 11) return c.complaint(when, `K-${b}`, severities[a % 4]);
    if (kind === 12) return c.resolved(when, `K-${b}`, { customerAccepted: a > 3, ...(a > 8 ? { withinSla: a > 9 } : {}) });
    if (kind === 13) return c.rated(when, 1 + (a % 5), 5, a, contexts[b]);
    if (kind === 14) return c.rated(when, 1 + (a % 7), 7, undefined, contexts[(a + b) % 4]);
    if (kind === 15) return c.refund(when, `O-${a}`);
    if (kind === 16) return c.referral(when, b === 0 ? null : `C-r${a % 4}`);
    if (kind === 17) return c.declined(when, TRICKY_NAMES[b]);
    if (kind === 18 && a === 0) return c.ended(when, 'price');
    return c.registered(when);
  });
}

function expectNoSkips(view: CustomerView): void {
  const risesPerEvent = new Map<string, number>();
  for (const t of view.lifecycle.transitions) {
    const ok =
      t.to === 'dissolution' ||
      (t.from === null && t.to === 'awareness') ||
      (t.from === 'dissolution' && t.to === 'exploration') ||
      (t.from !== null && t.from !== 'dissolution' && t.to !== 'awareness' && RANK[t.to] === RANK[t.from] + 1);
    expect({ transition: t, ok }).toEqual({ transition: t, ok: true });
    if (t.eventId !== null && t.from !== null && t.to !== 'dissolution') {
      risesPerEvent.set(t.eventId, (risesPerEvent.get(t.eventId) ?? 0) + 1);
    }
  }
  for (const [eventId, n] of risesPerEvent) expect({ eventId, n }).toEqual({ eventId, n: 1 });
  for (const t of view.trust.transitions) {
    if (t.from === null) continue;
    const up = TRUST_RANK[t.to] - TRUST_RANK[t.from];
    expect(up === 1 || up === -1).toBe(true);
  }
}

const shuffleArb = (n: number) => fc.array(fc.nat(), { minLength: n, maxLength: n });
function permute<T>(xs: readonly T[], keys: number[]): T[] {
  return xs
    .map((x, i) => ({ x, k: keys[i] ?? 0, i }))
    .sort((p, q) => p.k - q.k || p.i - q.i)
    .map((p) => p.x);
}

describe('customer view invariants (property-based)', () => {
  it('live evolve one by one equals a full replay, and no stage is ever skipped', () => {
    fc.assert(
      fc.property(historyArb, (specs) => {
        const events = build(specs);
        const replayed = foldEvents(CUSTOMER, events, DEFAULT_POLICY);
        expect(live(CUSTOMER, events)).toEqual(replayed);
        expectNoSkips(replayed);
        expectNoSkips(evaluate(replayed, day(1500), DEFAULT_POLICY));
      }),
      { numRuns: 150 },
    );
  });

  it('the live path writes the same JSON, byte for byte, as a full replay (incremental read-outs)', () => {
    fc.assert(
      fc.property(historyArb, (specs) => {
        // In time order, so every event takes the in-place path with the incremental finalize.
        const events = build(specs).sort((x, y) => Date.parse(x.occurredAt) - Date.parse(y.occurredAt) || x.position - y.position);
        const view = initialView(CUSTOMER, DEFAULT_POLICY);
        events.forEach((e, i) => {
          // (A refund of an order bought before the fold horizon reads the history: the events so far.)
          evolveInPlace(view, e, DEFAULT_POLICY, () => events.slice(0, i));
          expect(JSON.stringify(view)).toBe(JSON.stringify(foldEvents(CUSTOMER, events.slice(0, i + 1), DEFAULT_POLICY)));
        });
      }),
      { numRuns: 100 },
    );
  });

  it('the projector path (view parsed from JSON, evolved in place, stored as JSON) equals a full replay', () => {
    fc.assert(
      fc.property(
        historyArb.chain((specs) => fc.tuple(fc.constant(specs), shuffleArb(specs.length))),
        ([specs, keys]) => {
          const events = build(specs);
          let json = JSON.stringify(initialView(CUSTOMER, DEFAULT_POLICY));
          // The customer's stream: what the projector reads for a late event.
          const stream: StoredInteractionEvent[] = [];
          for (const e of permute(events, keys)) {
            const view = JSON.parse(json);
            evolveInPlace(view, e, DEFAULT_POLICY, () => stream);
            stream.push(e);
            json = JSON.stringify(view);
          }
          expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(foldEvents(CUSTOMER, events, DEFAULT_POLICY))));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('the projector path skipping the events its fold throws on (kept out of the JSON, left in the stream) equals a full replay, in any arrival order', () => {
    // No SLA for low complaints: the fold throws on a low complaint half-way through its step.
    const { low: _low, ...slaDays } = DEFAULT_POLICY.complaints.slaDays;
    const policy = { ...DEFAULT_POLICY, complaints: { ...DEFAULT_POLICY.complaints, slaDays: slaDays as typeof DEFAULT_POLICY.complaints.slaDays } };
    fc.assert(
      fc.property(
        historyArb.chain((specs) => fc.tuple(fc.constant(specs), shuffleArb(specs.length))),
        ([specs, keys]) => {
          const events = build(specs);
          let json = JSON.stringify(initialView(CUSTOMER, policy));
          const stream: StoredInteractionEvent[] = [];
          for (const e of permute(events, keys)) {
            const view = JSON.parse(json);
            try {
              evolveInPlace(view, e, policy, () => stream);
              json = JSON.stringify(view);
            } catch {
              // The runner's isolation: the half-changed object is dropped, the stored view kept.
            }
            stream.push(e);
          }
          const replayed = foldEvents(CUSTOMER, events, policy);
          expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(replayed)));
          expect(evaluate(JSON.parse(json), day(300), policy, () => stream)).toEqual(evaluate(replayed, day(300), policy, () => events));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('cloneView is a deep copy as JSON: evolving the copy leaves the original as it was', () => {
    fc.assert(
      fc.property(historyArb, historyArb, (before, after) => {
        const stream = build(before);
        const original = foldEvents(CUSTOMER, stream, DEFAULT_POLICY);
        const json = JSON.stringify(original);
        const copy = cloneView(original);
        expect(JSON.stringify(copy)).toBe(json);
        const c = new CustomerEvents(CUSTOMER, 5_000, 'more');
        const history = () => stream;
        for (const e of build(after).map((x) => ({ ...x, eventId: `more-${x.eventId}`, position: x.position + 5_000 }))) {
          evolveInPlace(copy, e, DEFAULT_POLICY, history);
          stream.push(e);
        }
        evolveInPlace(copy, c.complaint(day(3), 'K-more', 'critical'), DEFAULT_POLICY, history);
        expect(JSON.stringify(original)).toBe(json);
        expect(JSON.stringify(evaluate(copy, day(1500), DEFAULT_POLICY))).not.toBe(json);
      }),
      { numRuns: 100 },
    );
  });

  it('any permutation of arrival order and any redelivery gives the same view', () => {
    fc.assert(
      fc.property(
        historyArb.chain((specs) => fc.tuple(fc.constant(specs), shuffleArb(specs.length), fc.array(fc.nat(), { maxLength: 10 }))),
        ([specs, keys, dupes]) => {
          const events = build(specs);
          const arrival = permute(events, keys);
          for (const d of dupes) arrival.splice(d % (arrival.length + 1), 0, events[d % events.length]);
          expect(live(CUSTOMER, arrival)).toEqual(foldEvents(CUSTOMER, events, DEFAULT_POLICY));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('redelivering an applied event returns the view unchanged (same object)', () => {
    fc.assert(
      fc.property(historyArb, fc.nat(), (specs, pick) => {
        const events = build(specs);
        const view = live(CUSTOMER, events);
        expect(evolve(view, events[pick % events.length], DEFAULT_POLICY, () => events)).toBe(view);
        const copy = structuredClone(view);
        expect(evolveInPlace(copy, events[pick % events.length], DEFAULT_POLICY, () => events)).toBe(false);
        expect(copy).toEqual(view);
      }),
      { numRuns: 100 },
    );
  });

  it('any split into batches with evaluate calls in between gives the view of the whole', () => {
    fc.assert(
      fc.property(
        historyArb,
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 5 }),
        (specs, gaps) => {
          const events = build(specs);
          let view = initialView(CUSTOMER, DEFAULT_POLICY);
          let clock = 0;
          events.forEach((e, i) => {
            view = evolve(view, e, DEFAULT_POLICY, () => events.slice(0, i));
            const gap = gaps[i % gaps.length];
            if (i % 3 === 0 && gap > 0) {
              // A read "now" that is persisted, as a projector might: later events must not care.
              clock = Math.max(clock, Date.parse(view.asOf ?? day(0)) + gap * 86_400_000);
              view = evaluate(view, new Date(clock).toISOString(), DEFAULT_POLICY);
            }
          });
          const end = new Date(Math.max(clock, Date.parse(day(800)))).toISOString();
          expect(evaluate(view, end, DEFAULT_POLICY)).toEqual(evaluate(foldEvents(CUSTOMER, events, DEFAULT_POLICY), end, DEFAULT_POLICY));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('dissolution is reachable from every stage, by an ending and by inactivity', () => {
    const reached = new Set<string>();
    fc.assert(
      fc.property(historyArb, (specs) => {
        const events = build(specs);
        const c = new CustomerEvents(CUSTOMER, 10_000, 'end');
        // Every prefix: whatever stage it is in, an ending dissolves it.
        for (let n = 1; n <= events.length; n++) {
          const view = foldEvents(CUSTOMER, events.slice(0, n), DEFAULT_POLICY);
          reached.add(view.lifecycle.stage);
          const lastAt = view.lastEventAt ?? day(0);
          const ended = evolve(view, c.ended(lastAt, 'deliberate'), DEFAULT_POLICY, () => events.slice(0, n));
          expect(ended.lifecycle.stage).toBe('dissolution');
          if (view.state.lastPurchaseMs !== null) {
            const late = new Date(Date.parse(lastAt) + 181 * 86_400_000).toISOString();
            expect(evaluate(view, late, DEFAULT_POLICY).lifecycle.stage).toBe('dissolution');
          }
        }
      }),
      { numRuns: 60 },
    );
    // A deterministic committed customer makes sure the top stage is covered too.
    const c = new CustomerEvents(CUSTOMER);
    const events = [];
    for (let m = 0; m < 8; m++) events.push(c.purchase(day(25 * m)));
    const committed = evaluate(foldEvents(CUSTOMER, events, DEFAULT_POLICY), day(180), DEFAULT_POLICY);
    expect(committed.lifecycle.stage).toBe('commitment');
    expect(evolve(committed, c.ended(day(181), 'price'), DEFAULT_POLICY).lifecycle.stage).toBe('dissolution');
    expect(evaluate(committed, day(175 + 181), DEFAULT_POLICY).lifecycle.stage).toBe('dissolution');
    expect([...reached]).toEqual(expect.arrayContaining(['awareness', 'exploration', 'expansion', 'dissolution']));
  });

  it('a late event re-folds: transitions follow occurredAt, not arrival', () => {
    const c = new CustomerEvents(CUSTOMER);
    const later = c.purchase(day(10));
    const earlier = c.purchase(day(1));
    const view = live(CUSTOMER, [later, earlier]);
    expect(view.lifecycle.transitions.map((t) => t.eventId)).toEqual([earlier.eventId, earlier.eventId, later.eventId]);
    expect(view.position).toBe(Math.max(later.position, earlier.position));
  });

  it('the view is plain JSON', () => {
    fc.assert(
      fc.property(historyArb, (specs) => {
        const view = evaluate(foldEvents(CUSTOMER, build(specs), DEFAULT_POLICY), day(900), DEFAULT_POLICY);
        expect(JSON.parse(JSON.stringify(view))).toEqual(view);
      }),
      { numRuns: 50 },
    );
  });
});
