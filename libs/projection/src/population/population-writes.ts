import { randomUUID } from 'node:crypto';
import type { ReadStore } from '@crm/read-store';
import type { OtherWriters } from '../projection-runner';

/**
 * The population pass writes each view's segment (tier, lifetime value) beside the projector. A
 * projector that holds its customers' views in memory (ProjectionRunner's owned mode) would write
 * a held view back with the segment from before the pass, so each pass announces its writes in
 * this document: one lease per running pass, with an expiry (a pass that died leaves a lease that
 * runs out). The projector checks it before each batch (`populationWriters`): while a lease runs it
 * reads every view from the store, and when one starts or ends it drops the views it holds.
 */
export const POPULATION_WRITES_DOCUMENT = 'population-pass:writes';

/** How long a lease lasts; a running pass renews it as it writes. */
export const POPULATION_WRITES_LEASE_MS = 10 * 60_000;

interface WritesDocument {
  /** Pass id → ISO instant its lease expires. */
  leases: Record<string, string>;
}

const leasesOf = (value: unknown): Record<string, string> => {
  const leases = (value as Partial<WritesDocument> | null)?.leases;
  return leases && typeof leases === 'object' ? leases : {};
};

/** What the projector's owned mode asks before each batch. */
export async function populationWriters(readStore: ReadStore, now: () => number = Date.now): Promise<OtherWriters> {
  const stored = (await readStore.getDocuments([POPULATION_WRITES_DOCUMENT])).get(POPULATION_WRITES_DOCUMENT);
  if (!stored) return { token: 0, active: false };
  const at = now();
  return { token: stored.version, active: Object.values(leasesOf(stored.value)).some((until) => Date.parse(until) > at) };
}

/** One pass's lease: taken before its first view write, renewed while it writes, released at the end. */
export class PopulationWritesLease {
  private readonly id = randomUUID();
  private until = 0;

  constructor(
    private readonly readStore: ReadStore,
    private readonly now: () => number = Date.now,
    private readonly leaseMs = POPULATION_WRITES_LEASE_MS,
  ) {}

  acquire(): Promise<void> {
    return this.update((leases) => {
      this.until = this.now() + this.leaseMs;
      leases[this.id] = new Date(this.until).toISOString();
    });
  }

  /** Renews the lease once half of it has run out (cheap to call before every write). */
  async renew(): Promise<void> {
    if (this.now() > this.until - this.leaseMs / 2) await this.acquire();
  }

  release(): Promise<void> {
    return this.update((leases) => void delete leases[this.id]);
  }

  /** Compare-and-set with retries; expired leases of other passes are cleared on the way. */
  private async update(change: (leases: Record<string, string>) => void): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const current = (await this.readStore.getDocuments([POPULATION_WRITES_DOCUMENT])).get(POPULATION_WRITES_DOCUMENT);
      const at = this.now();
      const leases = Object.fromEntries(Object.entries(leasesOf(current?.value)).filter(([, until]) => Date.parse(until) > at));
      change(leases);
      try {
        await this.readStore.putDocuments([{ name: POPULATION_WRITES_DOCUMENT, expectedVersion: current?.version ?? 0, value: { leases } }]);
        return;
      } catch (error) {
        if (!(error as { retriable?: boolean }).retriable || attempt >= 20) throw error;
      }
    }
  }
}
