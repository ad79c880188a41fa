import { GenerationLocations, GenerationalReadStore } from './generational-read-store';
import { DocumentVersionConflictError, ReadStore } from './read-store.port';

/** One generation of the views: where they are and what produced them. */
export interface GenerationInfo {
  id: number;
  /** The projection version its views are folded with (e.g. relationship-3/policy-2026-12.1). */
  projectionVersion: string;
  /** The policy its views are folded with, as JSON; null: the configured one (POLICY_FILE or the default). */
  policy: unknown;
  createdAt: string;
  /** When readers were switched to it (null while it is being built). */
  servedSince: string | null;
}

/** The control document: which generation readers and the projectors use, which one a rebuild builds. */
export interface GenerationsState {
  active: GenerationInfo;
  /** The generation a rebuild is building (readers never see it until it is switched to). */
  building: GenerationInfo | null;
  /** Earlier generations kept with --keep (their data is still there). */
  kept: GenerationInfo[];
  /** The last generation id handed out: ids are never reused. */
  lastId: number;
}

export const GENERATIONS_DOCUMENT = 'read-store:generations';

/** How long this process keeps the store of a generation it no longer serves open (reads in flight). */
const RETIRED_STORE_CLOSE_MS = 60_000;

/**
 * The generations of the read models, and the one being served. Every reader and writer of views
 * goes through `readStore`, which forwards to the active generation; a blue-green rebuild builds
 * another generation beside it and switches by one compare-and-set on the control document.
 * Other processes (distributed readers, projector instances) see the switch at their next
 * `refresh()`, at most `pollMs` later; both generations stay readable until the old one is retired.
 */
export class ReadStoreGenerations {
  readonly readStore: GenerationalReadStore;
  private readonly stores = new Map<number, Promise<ReadStore>>();
  private activeStore: ReadStore;
  private stateVersion: number;
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<GenerationInfo> | null = null;

  private constructor(
    private readonly locations: GenerationLocations,
    readonly control: ReadStore,
    private current: GenerationsState,
    version: number,
    store: ReadStore,
  ) {
    this.activeStore = store;
    this.stateVersion = version;
    this.stores.set(current.active.id, Promise.resolve(store));
    this.readStore = new GenerationalReadStore(() => this.activeStore);
  }

  /**
   * Opens the control store and the active generation (generation 0, the base keyspace, when no
   * rebuild ever switched; its projection version is then 'unknown': each view records its own).
   * With `pollMs` > 0 the control document is re-read on that interval (other processes switch).
   */
  static async open(locations: GenerationLocations, options: { pollMs?: number } = {}): Promise<ReadStoreGenerations> {
    const control = await locations.openControl();
    const stored = (await control.getDocuments<GenerationsState>([GENERATIONS_DOCUMENT])).get(GENERATIONS_DOCUMENT);
    const state: GenerationsState = stored?.value ?? {
      active: { id: 0, projectionVersion: 'unknown', policy: null, createdAt: new Date(0).toISOString(), servedSince: new Date(0).toISOString() },
      building: null,
      kept: [],
      lastId: 0,
    };
    const generations = new ReadStoreGenerations(locations, control, state, stored?.version ?? 0, await locations.open(state.active.id));
    if (options.pollMs && options.pollMs > 0) {
      generations.timer = setInterval(() => void generations.refresh().catch(() => undefined), options.pollMs);
      generations.timer.unref();
    }
    return generations;
  }

  get state(): GenerationsState {
    return this.current;
  }

  get active(): GenerationInfo {
    return this.current.active;
  }

  /** The active generation and its store, taken together (a batch that must not straddle a switch). */
  pin(): { generation: GenerationInfo; readStore: ReadStore } {
    return { generation: this.current.active, readStore: this.activeStore };
  }

  describe(generation: number): string {
    return this.locations.describe(generation);
  }

  /** The store of any generation (opened once). */
  storeOf(generation: number): Promise<ReadStore> {
    let store = this.stores.get(generation);
    if (!store) {
      store = this.locations.open(generation);
      this.stores.set(generation, store);
      store.catch(() => this.stores.delete(generation));
    }
    return store;
  }

  /** Re-reads the control document; switches this process's readers when the active generation changed. */
  refresh(): Promise<GenerationInfo> {
    this.refreshing ??= this.load().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async load(): Promise<GenerationInfo> {
    const stored = (await this.control.getDocuments<GenerationsState>([GENERATIONS_DOCUMENT])).get(GENERATIONS_DOCUMENT);
    if (!stored || stored.version === this.stateVersion) return this.current.active;
    await this.adopt(stored.value, stored.version);
    return this.current.active;
  }

  private async adopt(state: GenerationsState, version: number): Promise<void> {
    const previous = this.current.active;
    const store = state.active.id === previous.id ? this.activeStore : await this.storeOf(state.active.id);
    if (version < this.stateVersion) return; // a later state was adopted meanwhile
    this.current = state;
    this.stateVersion = version;
    this.activeStore = store;
    if (state.active.id === previous.id) return;
    // The old generation's store stays open a while for the reads in flight (the rebuild may delete its file meanwhile: an open handle still reads), then closes.
    const old = this.stores.get(previous.id);
    if (old) {
      setTimeout(() => {
        if (this.current.active.id === previous.id || this.stores.get(previous.id) !== old) return;
        this.stores.delete(previous.id);
        void old.then((s) => s.close()).catch(() => undefined);
      }, RETIRED_STORE_CLOSE_MS).unref();
    }
  }

  /**
   * Changes the control document by compare-and-set (`change` gets the stored state; retried
   * on a conflict), then adopts it here. `change` returning null changes nothing.
   */
  async update(change: (state: GenerationsState) => GenerationsState | null): Promise<GenerationsState> {
    for (;;) {
      const stored = (await this.control.getDocuments<GenerationsState>([GENERATIONS_DOCUMENT])).get(GENERATIONS_DOCUMENT);
      const base = stored?.value ?? this.current;
      const next = change(structuredClone(base));
      if (!next) return base;
      try {
        await this.control.putDocuments([{ name: GENERATIONS_DOCUMENT, expectedVersion: stored?.version ?? 0, value: next }]);
      } catch (error) {
        if (error instanceof DocumentVersionConflictError) continue;
        throw error;
      }
      await this.adopt(next, (stored?.version ?? 0) + 1);
      return next;
    }
  }

  /** Removes a generation's data (never the active one). */
  async destroy(generation: number): Promise<void> {
    if (generation === this.current.active.id) throw new Error(`generation ${generation} is being served: it cannot be dropped`);
    const store = this.stores.get(generation);
    this.stores.delete(generation);
    if (store) await (await store).close();
    await this.locations.destroy(generation);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const stores = [...this.stores.values()];
    this.stores.clear();
    await Promise.allSettled(stores.map(async (store) => (await store).close()));
    await this.control.close();
    await this.locations.close?.();
  }
}
