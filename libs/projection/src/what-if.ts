import { CustomerView, SegmentInput, ownValue, segmentPopulation } from '@crm/domain';
import type { EventStore } from '@crm/event-store';
import type { ReadStore } from '@crm/read-store';
import { ProjectedView, historyOfRecord } from './projection-runner';
import type { RelationshipProjection } from './relationship.projection';

/** The classifications a what-if compares, each a from→to matrix. */
export const WHAT_IF_DIMENSIONS = ['lifecycleStage', 'trustStage', 'loyaltyStage', 'tier'] as const;
export type WhatIfDimension = (typeof WHAT_IF_DIMENSIONS)[number];

/** One customer of a cell: who moved, and the candidate's rule (with its instant) that put it there. */
export interface WhatIfSample {
  customerId: string;
  /** The rule of the candidate view's last transition into the new stage; null for tiers (a population rank). */
  rule: string | null;
  at: string | null;
}

export interface WhatIfCell {
  from: string;
  to: string;
  customers: number;
  samples: WhatIfSample[];
}

export interface WhatIfDimensionReport {
  /** Customers whose value differs under the candidate. */
  moved: number;
  /** moved / population (0 for an empty population). */
  share: number;
  /** Every (from, to) pair that occurs, most customers first; from = to is who stays. */
  cells: WhatIfCell[];
}

export interface WhatIfReport {
  asOf: string;
  population: number;
  current: { policyVersion: string; projectionVersion: string; customerEquity: number };
  candidate: { policyVersion: string; projectionVersion: string; customerEquity: number };
  /** candidate − current, minor units (each side's own lifetime-value fit and tiers as of asOf). */
  customerEquityChange: number;
  dimensions: Record<WhatIfDimension, WhatIfDimensionReport>;
  computedInMs: number;
}

export interface WhatIfOptions {
  eventStore: EventStore;
  readStore: ReadStore;
  /** The live projection (the views as they are served). */
  current: RelationshipProjection;
  /** The projection under the candidate policy. */
  candidate: RelationshipProjection;
  asOf: string;
  /** Customers listed per cell. @defaultValue 5 */
  samplesPerCell?: number;
  /** Called after each customer (done so far). */
  onProgress?: (done: number) => void;
  now?: () => number;
}

type Classes = Record<Exclude<WhatIfDimension, 'tier'>, { value: string; rule: string | null; at: string | null }>;

/**
 * What a policy change would do, before anyone makes it: every customer's events replayed under
 * the candidate policy, beside its live view under the current one, both as of `asOf`, and the
 * difference per classification. Nothing is written: the live views, the measures and the
 * checkpoints stay as they are, and the platform can keep running (only reads).
 *
 * One customer at a time: its stream is read once and serves both sides (the current view
 * re-reads history only when its fold state cannot answer). What is kept across customers is
 * what the population pass needs of each (tiers and lifetime value compare customers), so
 * memory grows with the population, like the population pass, not with the history.
 */
export async function whatIf(options: WhatIfOptions): Promise<WhatIfReport> {
  const { eventStore, readStore, current, candidate, asOf } = options;
  const now = options.now ?? (() => performance.now());
  const started = now();
  const samplesPerCell = options.samplesPerCell ?? 5;
  if (!Number.isFinite(Date.parse(asOf))) throw new RangeError(`whatIf: asOf is not an ISO 8601 instant: ${asOf}`);

  const classesOf = new Map<string, [Classes, Classes]>();
  const inputs: [SegmentInput[], SegmentInput[]] = [[], []];
  let done = 0;
  for await (const record of readStore.scanViews<ProjectedView<CustomerView>>()) {
    if (record.view.mergedInto) continue; // its events are its survivor's
    const events = await historyOfRecord(eventStore, record)();
    const live = await current.evaluate(record.view.state, asOf, async () => events);
    const replayed = candidate.foldAsOf(record.customerId, events, asOf);
    classesOf.set(record.customerId, [classify(live), classify(replayed)]);
    inputs[0].push(current.segmentInput(live, asOf));
    inputs[1].push(candidate.segmentInput(replayed, asOf));
    options.onProgress?.(++done);
  }
  const [before, after] = [segmentPopulation(inputs[0], asOf, current.policy), segmentPopulation(inputs[1], asOf, candidate.policy)];

  const cells = Object.fromEntries(WHAT_IF_DIMENSIONS.map((d) => [d, new Map<string, WhatIfCell>()])) as Record<WhatIfDimension, Map<string, WhatIfCell>>;
  const moved = Object.fromEntries(WHAT_IF_DIMENSIONS.map((d) => [d, 0])) as Record<WhatIfDimension, number>;
  const count = (dimension: WhatIfDimension, customerId: string, from: string, to: string, rule: string | null, at: string | null) => {
    const key = `${from}\u0000${to}`;
    let cell = cells[dimension].get(key);
    if (!cell) cells[dimension].set(key, (cell = { from, to, customers: 0, samples: [] }));
    cell.customers++;
    if (from !== to) {
      moved[dimension]++;
      if (cell.samples.length < samplesPerCell) cell.samples.push({ customerId, rule, at });
    }
  };
  // Customer-id order (the scan's), so the samples are the same on every run.
  for (const [customerId, [was, would]] of classesOf) {
    for (const dimension of ['lifecycleStage', 'trustStage', 'loyaltyStage'] as const) {
      count(dimension, customerId, was[dimension].value, would[dimension].value, would[dimension].rule, would[dimension].at);
    }
    count('tier', customerId, ownValue(before.tiers, customerId) ?? 'none', ownValue(after.tiers, customerId) ?? 'none', null, null);
  }
  const population = classesOf.size;
  const dimensions = Object.fromEntries(
    WHAT_IF_DIMENSIONS.map((d) => [
      d,
      {
        moved: moved[d],
        share: population === 0 ? 0 : moved[d] / population,
        cells: [...cells[d].values()].sort((a, b) => b.customers - a.customers || (a.from + a.to < b.from + b.to ? -1 : 1)),
      },
    ]),
  ) as Record<WhatIfDimension, WhatIfDimensionReport>;
  return {
    asOf,
    population,
    current: { policyVersion: current.policy.policyVersion, projectionVersion: current.version, customerEquity: before.customerEquity },
    candidate: { policyVersion: candidate.policy.policyVersion, projectionVersion: candidate.version, customerEquity: after.customerEquity },
    customerEquityChange: after.customerEquity - before.customerEquity,
    dimensions,
    computedInMs: Math.round(now() - started),
  };
}

/** A view's stages, each with the rule and instant of the transition that entered it (the last one). */
function classify(view: CustomerView): Classes {
  const lastInto = (transitions: readonly { to: string; rule: string; occurredAt: string }[], stage: string) => {
    const t = transitions.length > 0 ? transitions[transitions.length - 1] : undefined;
    return t && t.to === stage ? { rule: t.rule, at: t.occurredAt } : { rule: null, at: null };
  };
  return {
    lifecycleStage: { value: view.lifecycle.stage, ...lastInto(view.lifecycle.transitions, view.lifecycle.stage) },
    trustStage: { value: view.trust.stage, ...lastInto(view.trust.transitions, view.trust.stage) },
    loyaltyStage: { value: view.loyalty.formationStage, rule: null, at: null },
  };
}
