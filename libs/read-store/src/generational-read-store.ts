import {
  DocumentNamePage,
  DocumentWrite,
  ListDocumentNamesOptions,
  ListViewsQuery,
  ReadStore,
  StoredDocument,
  ViewCommit,
  ViewPage,
  ViewRecord,
} from './read-store.port';

/**
 * A read store that forwards every call to the generation being served: a blue-green rebuild
 * builds the next generation in a keyspace (Redis) or file (SQLite) of its own, then switches
 * `resolve`'s answer. A call goes to one generation whole; the next call may go to the next.
 * A writer that must not straddle a switch (the projector's batch) takes `resolve()` once and
 * uses that store for the whole batch. `close()` leaves the generations open (their owner closes them), unless `closingWith` named the owner.
 */
export class GenerationalReadStore extends ReadStore {
  private owner: { close(): Promise<void> } | null = null;

  constructor(private readonly resolve: () => ReadStore) {
    super();
  }

  /** This store, whose close() closes `owner` (the generations), for a caller that holds only the store. */
  closingWith(owner: { close(): Promise<void> }): this {
    this.owner = owner;
    return this;
  }

  /** The store of the generation served now. */
  get current(): ReadStore {
    return this.resolve();
  }

  getView<V>(customerId: string): Promise<ViewRecord<V> | null> {
    return this.resolve().getView<V>(customerId);
  }

  getViews<V>(customerIds: readonly string[]): Promise<Map<string, ViewRecord<V>>> {
    return this.resolve().getViews<V>(customerIds);
  }

  commit<V>(commit: ViewCommit<V>): Promise<void> {
    return this.resolve().commit(commit);
  }

  getCheckpoint(name: string): Promise<number> {
    return this.resolve().getCheckpoint(name);
  }

  listViews<V>(query?: ListViewsQuery): Promise<ViewPage<V>> {
    return this.resolve().listViews<V>(query);
  }

  scanViews<V>(options?: { batchSize?: number }): AsyncIterable<ViewRecord<V>> {
    // The generation at the start of the scan, for the whole scan.
    return this.resolve().scanViews<V>(options);
  }

  countViews(filter?: Record<string, string>): Promise<number> {
    return this.resolve().countViews(filter);
  }

  getDocuments<T>(names: readonly string[]): Promise<Map<string, StoredDocument<T>>> {
    return this.resolve().getDocuments<T>(names);
  }

  putDocuments(documents: readonly DocumentWrite[]): Promise<void> {
    return this.resolve().putDocuments(documents);
  }

  listDocumentNames(prefix: string, options?: ListDocumentNamesOptions): Promise<DocumentNamePage> {
    return this.resolve().listDocumentNames(prefix, options);
  }

  clear(): Promise<void> {
    return this.resolve().clear();
  }

  async close(): Promise<void> {
    await this.owner?.close();
  }
}

/** Where the stores of each generation live, and the control store that says which one is served. */
export interface GenerationLocations {
  /** The control store: which generation is served, rebuild progress, the relay's checkpoint. */
  openControl(): Promise<ReadStore>;
  /** Generation 0 is where the views lived before generations (the base keyspace / file). */
  open(generation: number): Promise<ReadStore>;
  /** Removes a retired generation's data for good (its store closed first). */
  destroy(generation: number): Promise<void>;
  /** For logs and the admin API: the keyspace or file. */
  describe(generation: number): string;
  /** Releases what the locations hold (a shared connection), after every store is closed. */
  close?(): Promise<void>;
}
