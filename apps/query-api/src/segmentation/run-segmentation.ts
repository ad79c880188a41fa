import { CustomerView, SegmentInput, segmentPopulation, transitionsPerDay } from '@crm/domain';
import type { ProjectedView, RelationshipProjection } from '@crm/projector';
import { ReadStore, ViewRecord } from '@crm/read-store';

/** Name of the document that holds the latest population report. */
export const SEGMENTS_DOCUMENT = 'segments:latest';

export interface SegmentsReport {
  asOf: string;
  computedInMs: number;
  population: number;
  projectionVersion: string;
  fit: ReturnType<typeof segmentPopulation>['fit'];
  counts: ReturnType<typeof segmentPopulation>['counts'];
  churn: ReturnType<typeof segmentPopulation>['churn'];
  customerEquity: number;
  transitionsPerDay: ReturnType<typeof transitionsPerDay>;
}

/**
 * The population pass: every view evaluated as of `asOf`, tiers and lifetime value fitted over
 * the population, each view written back with its segment (tier, CLV) and its time-evaluated
 * stages (so list filters see the silent churners), and the report stored as a document.
 */
export async function runSegmentation(
  readStore: ReadStore,
  projection: RelationshipProjection,
  asOf: string,
  { batchSize = 500, now = () => performance.now() }: { batchSize?: number; now?: () => number } = {},
): Promise<SegmentsReport> {
  const started = now();
  const inputs: SegmentInput[] = [];
  const transitions: { to: string; occurredAt: string }[] = [];
  for await (const record of readStore.scanViews<ProjectedView<CustomerView>>({ batchSize })) {
    const view = projection.evaluate(record.view.state, asOf);
    inputs.push(projection.segmentInput(view, asOf));
    for (const t of view.lifecycle.transitions) transitions.push({ to: t.to, occurredAt: t.occurredAt });
  }
  const report = segmentPopulation(inputs, asOf, projection.policy);

  // Second scan, written back in batches: holding every evaluated view between the two scans
  // would make memory grow with the population. A view the projector moved on meanwhile keeps
  // the newer one (position guard).
  let batch: ViewRecord<ProjectedView<CustomerView>>[] = [];
  const flush = async () => {
    if (batch.length > 0) await readStore.commit({ views: batch });
    batch = [];
  };
  for await (const record of readStore.scanViews<ProjectedView<CustomerView>>({ batchSize })) {
    const state = projection.evaluate(record.view.state, asOf);
    const tier = report.tiers[record.customerId] ?? 'lead';
    batch.push({
      ...record,
      indexes: { ...projection.indexes(state), tier },
      view: { ...record.view, state, segment: { asOf, tier, clv: report.clv[record.customerId] ?? null } },
    });
    if (batch.length >= batchSize) await flush();
  }
  await flush();

  const summary: SegmentsReport = {
    asOf,
    computedInMs: Math.round(now() - started),
    population: inputs.length,
    projectionVersion: projection.version,
    fit: report.fit,
    counts: report.counts,
    churn: report.churn,
    customerEquity: report.customerEquity,
    transitionsPerDay: transitionsPerDay(transitions),
  };
  await putLatest(readStore, summary);
  return summary;
}

async function putLatest(readStore: ReadStore, report: SegmentsReport): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = (await readStore.getDocuments([SEGMENTS_DOCUMENT])).get(SEGMENTS_DOCUMENT);
    // Never replace a report of a later asOf (another instance ran meanwhile).
    if (current && (current.value as SegmentsReport).asOf > report.asOf) return;
    try {
      await readStore.putDocuments([{ name: SEGMENTS_DOCUMENT, expectedVersion: current?.version ?? 0, value: report }]);
      return;
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable) throw error;
    }
  }
}

export async function latestSegments(readStore: ReadStore): Promise<SegmentsReport | null> {
  return ((await readStore.getDocuments<SegmentsReport>([SEGMENTS_DOCUMENT])).get(SEGMENTS_DOCUMENT)?.value as SegmentsReport | undefined) ?? null;
}
