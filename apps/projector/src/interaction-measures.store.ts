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
const documentName = (scope: MeasureScope, id: string, day: string) => `${PREFIX}${scope}:${id}:${day}`;

/** The (scope, id, day) buckets an event counts in: its agent's and its team's, on the day it occurred. */
function bucketsOf(event: StoredInteractionEvent): { scope: MeasureScope; id: string; day: string }[] {
  const day = utcDayOf(event.occurredAt);
  const data = event.data as { agentId?: string; teamId?: string };
  if (event.type !== 'ContactLogged' && event.type !== 'ComplaintResolved') return [];
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

/**
 * Call-centre measures per agent and team per day, as read-store documents shared by every
 * projector instance. Updates are compare-and-set with retry, and the domain fold is
 * idempotent by eventId per bucket, so concurrent instances and redeliveries are both safe.
 */
export class InteractionMeasuresStore {
  constructor(
    private readonly readStore: ReadStore,
    private readonly maxAttempts = 20,
  ) {}

  async apply(events: readonly StoredInteractionEvent[]): Promise<void> {
    const byDocument = new Map<string, { scope: MeasureScope; id: string; day: string; events: StoredInteractionEvent[] }>();
    for (const event of events) {
      for (const bucket of bucketsOf(event)) {
        const name = documentName(bucket.scope, bucket.id, bucket.day);
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
    const merged: InteractionMeasuresState = { agent: {}, team: {} };
    const days: Record<string, unknown> = {};
    for (const doc of documents.values()) Object.assign(days, doc.value[scope][id] ?? {});
    (merged[scope] as Record<string, unknown>)[id] = days;
    return measuresFor(merged, scope, id, query);
  }
}
