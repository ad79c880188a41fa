import type { StoredInteractionEvent } from '@crm/contracts';
import {
  ComplaintLedger,
  DEFAULT_POLICY,
  InteractionMeasuresState,
  MeasureScope,
  MeasuresBucket,
  MeasuresQuery,
  RelationshipPolicy,
  emptyInteractionMeasures,
  foldInteractionMeasures,
  measuresFor,
  getOwn,
  setOwn,
  utcDayOf,
} from '@crm/domain';
import { DocumentVersionConflictError, ReadStore, type StoredDocument } from '@crm/read-store';

const PREFIX = 'measures:';
/**
 * measures-index:<scope>:<shard> — the agent (or team) ids a shard has measures of, so listing
 * them reads a document per shard instead of every agent-day. Written in the same compare-and-set
 * as the buckets that introduce an id.
 */
const INDEX_PREFIX = 'measures-index:';
const indexName = (scope: MeasureScope, shard: string) => `${INDEX_PREFIX}${scope}:${shard}`;
interface IndexDocument {
  ids: string[];
}

/** measures:<scope>:<id>:<day>:<shard> — one document per agent-day (or team-day) per shard. */
const documentName = (scope: MeasureScope, id: string, day: string, shard: string) => `${PREFIX}${scope}:${id}:${day}:${shard}`;
/**
 * measures:complaint:<customerId>:<complaintId> (URI-encoded: ids may hold ':') — one per
 * complaint, whatever the shard: a customer's events all come through one partition.
 */
const complaintDocumentName = (customerId: string, complaintId: string) =>
  `${PREFIX}complaint:${encodeURIComponent(customerId)}:${encodeURIComponent(complaintId)}`;

/** What the measures remember of one complaint, to judge its resolutions by its filing's SLA deadline. */
interface ComplaintDocument {
  customerId: string;
  complaintId: string;
  ledger: ComplaintLedger;
}

type BucketKey = { scope: MeasureScope; id: string; day: string };
/** A bucket document: the measures state of one agent-day or team-day (no complaint ledgers). */
type BucketDocument = Pick<InteractionMeasuresState, MeasureScope>;

const isMeasured = (event: StoredInteractionEvent): boolean =>
  event.type === 'ContactLogged' || event.type === 'ComplaintResolved' || event.type === 'ComplaintFiled';

/** The (scope, id, day) buckets an event counts in: its agent's and its team's, on the day it occurred. */
function bucketsOf(event: StoredInteractionEvent): BucketKey[] {
  if (event.type !== 'ContactLogged' && event.type !== 'ComplaintResolved') return [];
  const day = utcDayOf(event.occurredAt);
  const data = event.data as { agentId?: string; teamId?: string };
  return [
    ...(data.agentId !== undefined ? [{ scope: 'agent' as const, id: data.agentId, day }] : []),
    ...(data.teamId !== undefined ? [{ scope: 'team' as const, id: data.teamId, day }] : []),
  ];
}

/** The buckets a complaint's earlier resolutions were counted in: a late filing can re-judge them. */
function bucketsOfLedger(ledger: ComplaintLedger): BucketKey[] {
  const keys: BucketKey[] = [];
  for (const e of ledger.entries) {
    if (e.kind !== 'resolved') continue;
    if (e.agentId !== null) keys.push({ scope: 'agent', id: e.agentId, day: e.day });
    if (e.teamId !== null) keys.push({ scope: 'team', id: e.teamId, day: e.day });
  }
  return keys;
}

const bucketIn = (state: BucketDocument, { scope, id, day }: BucketKey): MeasuresBucket | undefined =>
  getOwn(getOwn(state[scope] ?? {}, id) ?? {}, day);

/** Keeps only one bucket of a measures state (a document holds one agent-day or team-day). */
function only(state: BucketDocument, key: BucketKey): BucketDocument {
  const bucket = bucketIn(state, key);
  // Computed keys define own properties: an id `__proto__` stays a key.
  return bucket ? { agent: {}, team: {}, [key.scope]: { [key.id]: { [key.day]: bucket } } } : { agent: {}, team: {} };
}

/** Adds the counters of two buckets of the same day (shards of one agent-day). */
function addBuckets(a: MeasuresBucket | undefined, b: MeasuresBucket): MeasuresBucket {
  if (!a) return b;
  const counters = { ...a.counters };
  for (const key of Object.keys(counters) as (keyof typeof counters)[]) counters[key] += b.counters[key];
  return { counters, eventIds: [] };
}

export interface InteractionMeasuresStoreOptions {
  /**
   * The policy the customer views are folded with: its complaint SLAs judge a resolution that
   * has no withinSla, so the measures agree with the views. @defaultValue DEFAULT_POLICY
   */
  policy?: RelationshipPolicy;
  /** Compare-and-set attempts before a conflict is thrown. @defaultValue 20 */
  maxAttempts?: number;
}

/**
 * Call-centre measures per agent and team per day, as read-store documents. Each document is
 * one agent-day (or team-day) of one shard — the Kafka partition, or the embedded log — so
 * projector instances never write the same document (a customer's events always come through
 * the same partition); the query adds the shards up. A complaint's ledger (its filings and
 * resolutions, see the domain's interaction-measures.ts) is one document per complaint, read
 * before the buckets so a late filing can re-judge the resolutions counted without it. Updates
 * are compare-and-set over all of them at once (a rebalance can briefly give a partition two
 * owners), and the domain fold is idempotent by eventId, so redeliveries change nothing.
 */
export class InteractionMeasuresStore {
  private readonly policy: RelationshipPolicy;
  private readonly maxAttempts: number;

  constructor(
    private readonly readStore: ReadStore,
    options: InteractionMeasuresStoreOptions = {},
  ) {
    this.policy = options.policy ?? DEFAULT_POLICY;
    this.maxAttempts = options.maxAttempts ?? 20;
  }

  async apply(events: readonly StoredInteractionEvent[], shard: string): Promise<void> {
    const measured = events.filter(isMeasured);
    if (measured.length === 0) return;
    const complaints = new Map<string, { customerId: string; complaintId: string }>();
    for (const event of measured) {
      if (event.type !== 'ComplaintFiled' && event.type !== 'ComplaintResolved') continue;
      const { customerId } = event;
      const { complaintId } = event.data;
      complaints.set(complaintDocumentName(customerId, complaintId), { customerId, complaintId });
    }
    for (let attempt = 1; ; attempt++) {
      const ledgers = complaints.size > 0 ? await this.readStore.getDocuments<ComplaintDocument>([...complaints.keys()]) : new Map();
      const buckets = new Map<string, BucketKey>();
      const addBucket = (key: BucketKey) => buckets.set(documentName(key.scope, key.id, key.day, shard), key);
      for (const event of measured) bucketsOf(event).forEach(addBucket);
      for (const doc of ledgers.values()) bucketsOfLedger(doc.value.ledger).forEach(addBucket);
      const indexes = [indexName('agent', shard), indexName('team', shard)];
      const stored = buckets.size > 0 ? await this.readStore.getDocuments<BucketDocument>([...buckets.keys(), ...indexes]) : new Map();

      // One state holding every document read; the domain folds the batch into it.
      const loaded: { [S in MeasureScope]: Record<string, Record<string, MeasuresBucket>> } & { complaints: Record<string, Record<string, ComplaintLedger>> } =
        { agent: {}, team: {}, complaints: {} };
      for (const [name, key] of buckets) {
        const value = stored.get(name)?.value;
        const bucket = value === undefined ? undefined : bucketIn(value, key);
        if (bucket === undefined) continue;
        const days = getOwn(loaded[key.scope], key.id) ?? {};
        setOwn(days, key.day, bucket);
        setOwn(loaded[key.scope], key.id, days);
      }
      for (const [name, { customerId, complaintId }] of complaints) {
        const doc = ledgers.get(name)?.value as ComplaintDocument | undefined;
        if (doc === undefined) continue;
        const byCustomer = getOwn(loaded.complaints, customerId) ?? {};
        setOwn(byCustomer, complaintId, doc.ledger);
        setOwn(loaded.complaints, customerId, byCustomer);
      }
      const state: InteractionMeasuresState = foldInteractionMeasures(loaded, measured, { policy: this.policy });

      // Only the documents whose content changed (the fold is copy-on-write).
      const writes: { name: string; expectedVersion: number; value: unknown }[] = [];
      for (const [name, key] of buckets) {
        const after = bucketIn(state, key);
        if (after === undefined || after === bucketIn(loaded, key)) continue;
        writes.push({ name, expectedVersion: stored.get(name)?.version ?? 0, value: only(state, key) });
      }
      for (const scope of ['agent', 'team'] as const) {
        const name = indexName(scope, shard);
        const index = stored.get(name) as StoredDocument<IndexDocument> | undefined;
        const known = new Set(index?.value.ids ?? []);
        const seen = [...new Set([...buckets.values()].filter((key) => key.scope === scope).map((key): string => key.id))].filter((id) => !known.has(id));
        if (seen.length > 0) writes.push({ name, expectedVersion: index?.version ?? 0, value: { ids: [...known, ...seen].sort() } satisfies IndexDocument });
      }
      for (const [name, { customerId, complaintId }] of complaints) {
        const after = getOwn(getOwn(state.complaints, customerId) ?? {}, complaintId);
        const before = getOwn(getOwn(loaded.complaints, customerId) ?? {}, complaintId);
        if (after === undefined || after === before) continue;
        const value: ComplaintDocument = { customerId, complaintId, ledger: after };
        writes.push({ name, expectedVersion: ledgers.get(name)?.version ?? 0, value });
      }
      if (writes.length === 0) return;
      try {
        await this.readStore.putDocuments(writes);
        return;
      } catch (error) {
        if (!(error instanceof DocumentVersionConflictError) || attempt >= this.maxAttempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      }
    }
  }

  /** Every agent (or team) id with measures, sorted: the union of the shards' indexes (filled as events are folded; a rebuild fills it for older data). */
  async ids(scope: MeasureScope): Promise<string[]> {
    const names: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.readStore.listDocumentNames(`${INDEX_PREFIX}${scope}:`, { after, limit: 500 });
      names.push(...page.names);
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
    const ids = new Set<string>();
    for (const doc of (await this.readStore.getDocuments<IndexDocument>(names)).values()) for (const id of doc.value.ids) ids.add(id);
    return [...ids].sort();
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
    const documents = await this.readStore.getDocuments<BucketDocument>(names);
    const days: Record<string, MeasuresBucket> = {};
    for (const doc of documents.values()) {
      // The prefix of id `a` also lists the documents of id `a:b`: only own keys count.
      const ofId = getOwn(doc.value[scope] ?? {}, id) ?? {};
      for (const [day, bucket] of Object.entries(ofId)) setOwn(days, day, addBuckets(getOwn(days, day), bucket));
    }
    return measuresFor({ ...emptyInteractionMeasures(), [scope]: { [id]: days } }, scope, id, query);
  }
}
