import type { StoredInteractionEvent } from '@crm/contracts';
import {
  InteractionMeasuresState,
  MeasureScope,
  MeasuresQuery,
  emptyInteractionMeasures,
  evolveInteractionMeasures,
  measuresFor,
  utcDayOf,
} from '@crm/domain';
import { DocumentVersionConflictError, ReadStore } from '@crm/read-store';

const PREFIX = 'measures:';
/** measures:<scope>:<id>:<day>:<shard> — one document per agent-day (or team-day) per shard. */
const documentName = (scope: MeasureScope, id: string, day: string, shard: string) => `${PREFIX}${scope}:${id}:${day}:${shard}`;

type Bucket = InteractionMeasuresState['agent'][string][string];

/** The (scope, id, day) buckets an event counts in: its agent's and its team's, on the day it occurred. */
function bucketsOf(event: StoredInteractionEvent): { scope: MeasureScope; id: string; day: string }[] {
  if (event.type !== 'ContactLogged' && event.type !== 'ComplaintResolved') return [];
  const day = utcDayOf(event.occurredAt);
  const data = event.data as { agentId?: string; teamId?: string };
  return [
    ...(data.agentId ? [{ scope: 'agent' as const, id: data.agentId, day }] : []),
    ...(data.teamId ? [{ scope: 'team' as const, id: data.teamId, day }] : []),
  ];
}

/** Keeps only one bucket of a measures state (a document holds one agent-day or team-day). */
function only(state: InteractionMeasuresState, scope: MeasureScope, id: string, day: string): InteractionMeasuresState {
  const bucket = state[scope][id]?.[day];
  const result = emptyInteractionMeasures();
  return bucket ? { ...result, [scope]: { [id]: { [day]: bucket } } } : result;
}

/** Adds the counters of two buckets of the same day (shards of one agent-day). */
function addBuckets(a: Bucket | undefined, b: Bucket): Bucket {
  if (!a) return b;
  const counters = { ...a.counters };
  for (const key of Object.keys(counters) as (keyof typeof counters)[]) counters[key] += b.counters[key];
  return { counters, eventIds: [] };
}

/**
 * Call-centre measures per agent and team per day, as read-store documents. Each document is
 * one agent-day (or team-day) of one shard — the Kafka partition, or the embedded log — so
 * projector instances never write the same document (a customer's events always come through
 * the same partition); the query adds the shards up. Updates are compare-and-set (a rebalance
 * can briefly give a partition two owners), and the domain fold is idempotent by eventId per
 * bucket, so redeliveries change nothing.
 */
export class InteractionMeasuresStore {
  constructor(
    private readonly readStore: ReadStore,
    private readonly maxAttempts = 20,
  ) {}

  async apply(events: readonly StoredInteractionEvent[], shard: string): Promise<void> {
    const byDocument = new Map<string, { scope: MeasureScope; id: string; day: string; events: StoredInteractionEvent[] }>();
    for (const event of events) {
      for (const bucket of bucketsOf(event)) {
        const name = documentName(bucket.scope, bucket.id, bucket.day, shard);
        const entry = byDocument.get(name) ?? { ...bucket, events: [] };
        entry.events.push(event);
        byDocument.set(name, entry);
      }
    }
    if (byDocument.size === 0) return;
    for (let attempt = 1; ; attempt++) {
      const current = await this.readStore.getDocuments<InteractionMeasuresState>([...byDocument.keys()]);
      const writes = [...byDocument].map(([name, { scope, id, day, events: bucketEvents }]) => {
        const stored = current.get(name);
        let state = stored?.value ?? emptyInteractionMeasures();
        for (const event of bucketEvents) state = evolveInteractionMeasures(state, event);
        return { name, expectedVersion: stored?.version ?? 0, value: only(state, scope, id, day) };
      });
      try {
        await this.readStore.putDocuments(writes);
        return;
      } catch (error) {
        if (!(error instanceof DocumentVersionConflictError) || attempt >= this.maxAttempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      }
    }
  }

  /** Per-day rows and the total for one agent or team, between two days (inclusive, YYYY-MM-DD). */
  async measures(scope: MeasureScope, id: string, query: MeasuresQuery = {}) {
    const prefix = `${PREFIX}${scope}:${id}:`;
    const names: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.readStore.listDocumentNames(prefix, { after, limit: 500 });
      names.push(...page.names);
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
    const documents = await this.readStore.getDocuments<InteractionMeasuresState>(names);
    const days: Record<string, Bucket> = {};
    for (const doc of documents.values()) {
      for (const [day, bucket] of Object.entries(doc.value[scope][id] ?? {})) days[day] = addBuckets(days[day], bucket);
    }
    return measuresFor({ ...emptyInteractionMeasures(), [scope]: { [id]: days } }, scope, id, query);
  }
}
