/**
 * npm run bench:domain — the relationship science on one core:
 *  1. the fold: events/s through evolve over ~1,000,000 simulated call-centre events (the
 *     seeded simulator's history), beside the floor measured in the same run (parse the
 *     timestamp and build one small object per event: no fold can do less);
 *  2. the population pass (BG/NBD + Gamma-Gamma fit, lifetime value, tiers, counts) over
 *     100,000 customers drawn from the models, with the fitted vs generating parameters;
 *  3. the stored view's size for a customer with N and with 10·N events (the same year of
 *     history, repeated ten times): the fold state keeps windows, not the history.
 *
 * A late event (the simulator uploads some call logs late) re-folds its customer from the
 * history, here the customer's events before it in the generated stream (the event store's
 * stream, in memory): the fold reads it only when the fold state cannot answer.
 *
 * Options: --events=N (default 1,000,000), --customers=N (population pass, default 100,000).
 */
import type { StoredInteractionEvent } from '@crm/contracts';
import {
  CustomerView,
  DEFAULT_CLV_POLICY,
  DEFAULT_POLICY,
  DEFAULT_TIER_POLICY,
  evolve,
  evolveInPlace,
  foldEvents,
  initialView,
  segmentPopulation,
  tryEvolveInPlace,
} from '@crm/domain';
import { TRUE_BG_NBD, generateHistory, syntheticPopulation } from '@crm/simulation';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const eventsWanted = arg('events', 1_000_000);
const populationSize = arg('customers', 100_000);
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
const fmt = (n: number) => n.toLocaleString('en-US');

// The simulator yields ~12 events per customer-year; size the history to reach the target.
const customers = Math.max(1000, Math.ceil(eventsWanted / 12));
const events: StoredInteractionEvent[] = [];
let position = 0;
for (const event of generateHistory({ customers, days: 365, seed: 42 })) {
  events.push({ ...event, revision: 0, position: ++position, recordedAt: event.occurredAt } as StoredInteractionEvent);
  if (events.length >= eventsWanted) break;
}

// Each customer's stream, for the re-folds of late events (built before the timing starts).
const streams = new Map<string, StoredInteractionEvent[]>();
for (const e of events) {
  const stream = streams.get(e.customerId);
  if (stream) stream.push(e);
  else streams.set(e.customerId, [e]);
}
const historyBefore = (e: StoredInteractionEvent) => () => streams.get(e.customerId)!.filter((x) => x.position < e.position);
let refolds = 0;

function fold(apply: (views: Map<string, CustomerView>, e: StoredInteractionEvent) => void): number {
  const views = new Map<string, CustomerView>();
  for (const e of events) if (!views.has(e.customerId)) views.set(e.customerId, initialView(e.customerId, DEFAULT_POLICY));
  const t0 = performance.now();
  for (const e of events) apply(views, e);
  return performance.now() - t0;
}

const sink: unknown[] = new Array(events.length);
let t0 = performance.now();
for (let i = 0; i < events.length; i++) sink[i] = { id: events[i].eventId, t: Date.parse(events[i].occurredAt), p: events[i].position };
const floorMs = performance.now() - t0;
const inPlaceMs = fold((views, e) => {
  const view = views.get(e.customerId)!;
  if (tryEvolveInPlace(view, e, DEFAULT_POLICY) === 'needs-history') {
    refolds++;
    evolveInPlace(view, e, DEFAULT_POLICY, historyBefore(e));
  }
});
const pureMs = fold((views, e) => void views.set(e.customerId, evolve(views.get(e.customerId)!, e, DEFAULT_POLICY, historyBefore(e))));

// The busiest customer's first year, then the same year repeated nine more times (shifted, with fresh ids).
const YEAR_MS = 365 * 86_400_000;
const busiest = [...streams.values()].reduce((a, b) => (b.length > a.length ? b : a));
const shifted = (e: StoredInteractionEvent, k: number, position: number): StoredInteractionEvent => {
  const data = { ...(e.data as Record<string, unknown>) };
  for (const key of ['orderId', 'complaintId', 'contactId', 'followUpOf']) if (typeof data[key] === 'string') data[key] = `${data[key] as string}-y${k}`;
  const occurredAt = new Date(Date.parse(e.occurredAt) + k * YEAR_MS).toISOString();
  return { ...e, eventId: `${e.eventId}-y${k}`, occurredAt, recordedAt: occurredAt, position, data } as StoredInteractionEvent;
};
const years = (n: number) => Array.from({ length: n }, (_, k) => busiest.map((e, i) => shifted(e, k, k * busiest.length + i + 1))).flat();
const bytes = (x: unknown) => Buffer.byteLength(JSON.stringify(x));
const sizes = (history: StoredInteractionEvent[]) => {
  const view = foldEvents(history[0].customerId, history, DEFAULT_POLICY);
  // The stored document (as the read store keeps it), and its fold state alone.
  return { stored: bytes({ projectionVersion: 'bench', state: view }), state: bytes(view.state) };
};
const oneYear = years(1);
const tenYears = years(10);
const { stored: sizeN, state: stateN } = sizes(oneYear);
const { stored: size10N, state: state10N } = sizes(tenYears);

const population = syntheticPopulation(populationSize);
t0 = performance.now();
const report = segmentPopulation(population, '2026-03-14T00:00:00Z', { tiers: DEFAULT_TIER_POLICY, clv: DEFAULT_CLV_POLICY });
const passMs = performance.now() - t0;
const fit = report.fit.bgNbd;

console.log(`\nDomain benchmark: ${fmt(events.length)} simulated events of ${fmt(customers)} customers (seed 42); population pass over ${fmt(populationSize)} customers\n`);
console.table([
  { measure: 'floor: Date.parse + one object (events/s)', value: fmt(rate(events.length, floorMs)), aim: 'limit', verdict: '' },
  {
    measure: 'evolveInPlace, the projector’s fold (events/s)',
    value: fmt(rate(events.length, inPlaceMs)),
    aim: '≥ 1,000,000',
    verdict: `${rate(events.length, inPlaceMs) >= 1_000_000 ? 'PASS' : 'BELOW'} (${((inPlaceMs / floorMs) || 0).toFixed(1)}× the floor)`,
  },
  { measure: 'evolve, pure copy per event (events/s)', value: fmt(rate(events.length, pureMs)), aim: '', verdict: '' },
  { measure: 'late events re-folded from the history', value: fmt(refolds), aim: '', verdict: '' },
  { measure: `stored view, ${fmt(oneYear.length)} events (bytes; fold state)`, value: `${fmt(sizeN)}; ${fmt(stateN)}`, aim: '', verdict: '' },
  {
    measure: `stored view, ${fmt(tenYears.length)} events (bytes; fold state)`,
    value: `${fmt(size10N)}; ${fmt(state10N)}`,
    aim: '≤ 1.5× the above',
    verdict: `${size10N <= 1.5 * sizeN ? 'PASS' : 'BELOW'} (${(size10N / sizeN).toFixed(2)}×; fold state ${(state10N / stateN).toFixed(2)}×)`,
  },
  { measure: 'population pass incl. fit (s)', value: (passMs / 1000).toFixed(2), aim: 'seconds', verdict: passMs < 60_000 ? 'PASS' : 'BELOW' },
  { measure: 'CLV method', value: report.fit.method, aim: '', verdict: '' },
  { measure: 'BG/NBD fitted r, alpha, a, b', value: fit ? [fit.r, fit.alpha, fit.a, fit.b].map((v) => v.toFixed(3)).join(', ') : '-', aim: `${TRUE_BG_NBD.r}, ${TRUE_BG_NBD.alpha}, ${TRUE_BG_NBD.a}, ${TRUE_BG_NBD.b}`, verdict: 'generating values' },
]);
