import {
  CustomerEquityBasis,
  CustomerView,
  NO_REFERRALS,
  ReferralSummary,
  ReferralValue,
  RetentionReport,
  SegmentInput,
  SegmentationReport,
  ValueConcentration,
  WinBackBasis,
  foldHorizonMs,
  ownValue,
  segmentPopulation,
  transitionsPerDay,
} from '@crm/domain';
import type { HistoryLoader } from '../customer-projection';
import type { ProjectedView, ViewSegment } from '../projection-runner';
import type { RelationshipProjection } from '../relationship.projection';
import { ReadStore, ViewRecord } from '@crm/read-store';
import { ViewWritersLease } from '../view-writers-lease';
import { storeWinBack } from './win-back.documents';

/** Name of the document that holds the latest population report. */
export const SEGMENTS_DOCUMENT = 'segments:latest';

/** Lost customers per churn reason; the ranked lists are paged by GET /v1/win-back. */
export interface WinBackSummary {
  basis: WinBackBasis;
  /** Lost customers in all reasons. */
  customers: number;
  byReason: { reason: string; customers: number; winBackValue: number }[];
}

export interface SegmentsReport {
  asOf: string;
  computedInMs: number;
  population: number;
  projectionVersion: string;
  fit: SegmentationReport['fit'];
  counts: SegmentationReport['counts'];
  churn: SegmentationReport['churn'];
  /** Σ (historical + forward value discounted to asOf), minor units. */
  customerEquity: number;
  customerEquityBasis: CustomerEquityBasis;
  lifetimeValueDistribution: SegmentationReport['lifetimeValueDistribution'];
  retention: RetentionReport;
  concentration: ValueConcentration;
  winBack: WinBackSummary;
  referrals: ReferralSummary;
  transitionsPerDay: ReturnType<typeof transitionsPerDay>;
}

/** What the pass writes into each view (`view.segment`): only what it computes. */
export interface CustomerSegment extends ViewSegment {
  asOf: string;
  tier: string;
  clv: SegmentationReport['clv'][string] | null;
  /** The customers this one referred and the value they have brought, as of asOf. */
  referrals: ReferralValue;
}

/** A stored report written before the current fields existed is treated as absent (the next pass replaces it). */
export function isCurrentSegmentsReport(value: unknown): value is SegmentsReport {
  const r = value as Partial<SegmentsReport> | null;
  return !!r && typeof r.asOf === 'string' && !!r.customerEquityBasis && !!r.lifetimeValueDistribution && !!r.retention && !!r.concentration && !!r.winBack && !!r.referrals;
}

/**
 * The population pass: every view evaluated as of `asOf`, tiers, lifetime value, segment
 * measures and referral values computed over the population, then per view ONLY the pass's
 * own results written back, and the report and the win-back lists stored as documents.
 *
 * What a view gets (the fold's state is never written: evaluating as of a past asOf rebuilds
 * the view from the events up to then, and writing that back lost every later event):
 * - `segment` (tier, CLV, referrals) unless the view holds one of a later asOf (the same rule
 *   as the report document: a refresh for a past date does not undo a newer pass);
 * - the `tier` index from that segment;
 * - the stage indexes (lifecycle, trust, loyalty) re-evaluated at asOf, so list filters see
 *   silent churners, but only when asOf is at or after the view's own clock: for an earlier
 *   asOf (a past refresh, an event dated in the future) they stay the fold's.
 * Each write carries the position the view was read at, so a view the projector moved on
 * meanwhile keeps the projector's version (the read store's position guard).
 */
export async function runSegmentation(
  readStore: ReadStore,
  projection: RelationshipProjection,
  asOf: string,
  {
    batchSize = 500,
    now = () => performance.now(),
    history,
  }: {
    batchSize?: number;
    now?: () => number;
    /** The history of a stored view (e.g. customerHistory over the event store): a view whose clock is after asOf is re-folded from it. */
    history?: (customerId: string, position: number, merged?: readonly string[]) => HistoryLoader;
  } = {},
): Promise<SegmentsReport> {
  const started = now();
  const at = Date.parse(asOf);
  if (!Number.isFinite(at)) throw new RangeError(`runSegmentation: asOf is not an ISO 8601 instant: ${asOf}`);
  const flowsFrom = at - foldHorizonMs(projection.policy);
  const inputs: SegmentInput[] = [];
  const transitions: { from: string | null; to: string; occurredAt: string }[] = [];
  for await (const record of readStore.scanViews<ProjectedView<CustomerView>>({ batchSize })) {
    if (record.view.mergedInto) continue; // its events count in its survivor's view
    const view = await projection.evaluate(record.view.state, asOf, history?.(record.customerId, record.position, record.view.merged));
    inputs.push(projection.segmentInput(view, asOf));
    // The flows of the fold horizon before asOf: every view still lists each transition of it.
    for (const t of view.lifecycle.transitions) if (Date.parse(t.occurredAt) > flowsFrom) transitions.push({ from: t.from, to: t.to, occurredAt: t.occurredAt });
  }
  const report = segmentPopulation(inputs, asOf, projection.policy);

  // Second scan, written back in batches: holding every evaluated view between the two scans
  // would make memory grow with the population. Announced first, so a projector holding views in memory reads them from the store meanwhile.
  const lease = new ViewWritersLease(readStore);
  await lease.acquire();
  let batch: ViewRecord<ProjectedView<CustomerView>>[] = [];
  const flush = async () => {
    if (batch.length > 0) {
      await lease.renew();
      await readStore.commit({ views: batch });
    }
    batch = [];
  };
  try {
    for await (const record of readStore.scanViews<ProjectedView<CustomerView>>({ batchSize })) {
      const tier = ownValue(report.tiers, record.customerId);
      if (tier === undefined) continue; // arrived after the first scan: the next pass ranks it
      const previous = record.view.segment;
      if (previous && Date.parse(previous.asOf) > at) continue;
      const state = record.view.state;
      const stages = state.eventCount > 0 && at >= state.state.clockMs ? projection.indexes(await projection.evaluate(state, asOf, history?.(record.customerId, record.position, record.view.merged))) : {};
      const segment: CustomerSegment = {
        asOf,
        tier,
        clv: ownValue(report.clv, record.customerId) ?? null,
        referrals: ownValue(report.referrals, record.customerId) ?? NO_REFERRALS,
      };
      batch.push({
        customerId: record.customerId,
        position: record.position,
        indexes: { ...record.indexes, ...stages, tier },
        view: { ...record.view, segment },
      });
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    await lease.release();
  }

  const summary: SegmentsReport = {
    asOf,
    computedInMs: 0,
    population: inputs.length,
    projectionVersion: projection.version,
    fit: report.fit,
    counts: report.counts,
    churn: report.churn,
    customerEquity: report.customerEquity,
    customerEquityBasis: report.customerEquityBasis,
    lifetimeValueDistribution: report.lifetimeValueDistribution,
    retention: report.retention,
    concentration: report.concentration,
    winBack: {
      basis: report.winBack.basis,
      customers: report.winBack.groups.reduce((s, g) => s + g.customers, 0),
      byReason: report.winBack.groups.map((g) => ({ reason: g.reason, customers: g.customers, winBackValue: g.winBackValue })),
    },
    referrals: report.referralSummary,
    transitionsPerDay: transitionsPerDay(transitions),
  };
  await storeWinBack(readStore, asOf, report.winBack);
  summary.computedInMs = Math.round(now() - started);
  await putLatest(readStore, summary);
  return summary;
}

async function putLatest(readStore: ReadStore, report: SegmentsReport): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = (await readStore.getDocuments([SEGMENTS_DOCUMENT])).get(SEGMENTS_DOCUMENT);
    // Never replace a report of a later asOf (another instance ran meanwhile).
    if (current && isCurrentSegmentsReport(current.value) && Date.parse(current.value.asOf) > Date.parse(report.asOf)) return;
    try {
      await readStore.putDocuments([{ name: SEGMENTS_DOCUMENT, expectedVersion: current?.version ?? 0, value: report }]);
      return;
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable) throw error;
    }
  }
}

/** The latest report, or null when none was stored yet (or only one of an older shape). */
export async function latestSegments(readStore: ReadStore): Promise<SegmentsReport | null> {
  const value = (await readStore.getDocuments<SegmentsReport>([SEGMENTS_DOCUMENT])).get(SEGMENTS_DOCUMENT)?.value;
  return isCurrentSegmentsReport(value) ? value : null;
}
