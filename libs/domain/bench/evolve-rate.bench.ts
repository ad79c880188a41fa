/**
 * Measures evolve throughput on the in-order fast path across many customers.
 * Run: node -r @swc-node/register -r tsconfig-paths/register libs/domain/bench/evolve-rate.bench.ts
 */
import type { StoredInteractionEvent } from '@crm/contracts';
import { DEFAULT_POLICY, evolve, evolveInPlace, initialView, CustomerView } from '../src';

const CUSTOMERS = Number(process.env.CUSTOMERS ?? 20_000);
const EVENTS_PER_CUSTOMER = 50;
const DAY = 86_400_000;
const start = Date.parse('2025-01-01T00:00:00Z');

function makeEvents(): StoredInteractionEvent[] {
  const out: StoredInteractionEvent[] = [];
  let position = 0;
  // Interleave customers the way a global log would: event k of every customer, then k+1.
  for (let k = 0; k < EVENTS_PER_CUSTOMER; k++) {
    for (let c = 0; c < CUSTOMERS; c++) {
      const t = start + k * 7 * DAY + c * 1000;
      const base = { eventId: `c${c}-e${k}`, schemaVersion: 1, customerId: `c${c}`, occurredAt: new Date(t).toISOString(), source: 'bench', revision: k, position: ++position, recordedAt: '' };
      const r = (k * 31 + c) % 10;
      const e =
        r < 5
          ? { ...base, type: 'PurchaseMade', data: { orderId: `o${k}`, amount: 1000 + r, currency: 'EUR', productCategory: `cat${r}`, productId: 'p', quantity: 1 } }
          : r < 8
            ? { ...base, type: 'ContactLogged', data: { channel: 'phone', direction: 'inbound', agentId: 'a', teamId: 't', durationSec: 60, topic: 'x', outcome: 'resolved', sentiment: 0.5 } }
            : { ...base, type: 'SatisfactionRated', data: { score: 4, scale: 5, context: 'survey', recommendLikelihood: 9 } };
      out.push(e as StoredInteractionEvent);
    }
  }
  return out;
}

function run(label: string, apply: (views: Map<string, CustomerView>, e: StoredInteractionEvent) => void, events: StoredInteractionEvent[]): void {
  const views = new Map<string, CustomerView>();
  for (let c = 0; c < CUSTOMERS; c++) views.set(`c${c}`, initialView(`c${c}`, DEFAULT_POLICY));
  const t0 = process.hrtime.bigint();
  for (const e of events) apply(views, e);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${label}: ${events.length} events in ${seconds.toFixed(2)} s = ${Math.round(events.length / seconds).toLocaleString('en')} events/s`);
}

const events = makeEvents();
// Calibration on this (shared, often contended) machine: the least work any fold does per event.
{
  const t0 = process.hrtime.bigint();
  const sink: unknown[] = [];
  for (const e of events) sink.push({ id: e.eventId, t: Date.parse(e.occurredAt), p: e.position, k: e.type });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`baseline (Date.parse + one small object per event): ${Math.round(events.length / seconds).toLocaleString('en')} events/s`);
}
run('evolveInPlace', (views, e) => void evolveInPlace(views.get(e.customerId)!, e, DEFAULT_POLICY), events);
if (!process.env.SKIP_PURE) run('evolve (pure)', (views, e) => void views.set(e.customerId, evolve(views.get(e.customerId)!, e, DEFAULT_POLICY)), events);
