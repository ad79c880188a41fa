import { randomUUID } from 'node:crypto';
import type { ReadStore } from '@crm/read-store';
import type { OtherWriters } from './projection-runner';

/**
 * Views have writers besides the projector: the population pass writes each view's segment (tier,
 * lifetime value), a dead-letter redrive writes re-folded views. A projector that holds its
 * customers' views in memory (ProjectionRunner's owned mode) would write a held view back over
 * theirs, so each of them announces its writes in this document: one lease per running writer,
 * with an expiry (a writer that died leaves a lease that runs out). The projector checks it before
 * each batch (`otherViewWriters`): while a lease runs it reads every view from the store, and when
 * one starts or ends it drops the views it holds.
 */
export const VIEW_WRITERS_DOCUMENT = 'view-writers:leases';

/** How long a lease lasts; a running writer renews it as it writes. */
export const VIEW_WRITERS_LEASE_MS = 10 * 60_000;

interface WritesDocument {
  /** Writer id → ISO instant its lease expires. */
  leases: Record<string, string>;
}

const leasesOf = (value: unknown): Record<string, string> => {
  const leases = (value as Partial<WritesDocument> | null)?.leases;
  return leases && typeof leases === 'object' ? leases : {};
};

/** What the projector's owned mode asks before each batch. */
export async function otherViewWriters(readStore: ReadStore, now: () => number = Date.now): Promise<OtherWriters> {
  const stored = (await readStore.getDocuments([VIEW_WRITERS_DOCUMENT])).get(VIEW_WRITERS_DOCUMENT);
  if (!stored) return { token: 0, active: false };
  const at = now();
  return { token: stored.version, active: Object.values(leasesOf(stored.value)).some((until) => Date.parse(until) > at) };
}

/** One writer's lease: taken before its first view write, renewed while it writes, released at the end. */
export class ViewWritersLease {
  private readonly id = randomUUID();
  private until = 0;

  constructor(
    private readonly readStore: ReadStore,
    private readonly now: () => number = Date.now,
    private readonly leaseMs = VIEW_WRITERS_LEASE_MS,
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

  /** Compare-and-set with retries; expired leases of other writers are cleared on the way. */
  private async update(change: (leases: Record<string, string>) => void): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const current = (await this.readStore.getDocuments([VIEW_WRITERS_DOCUMENT])).get(VIEW_WRITERS_DOCUMENT);
      const at = this.now();
      const leases = Object.fromEntries(Object.entries(leasesOf(current?.value)).filter(([, until]) => Date.parse(until) > at));
      change(leases);
      try {
        await this.readStore.putDocuments([{ name: VIEW_WRITERS_DOCUMENT, expectedVersion: current?.version ?? 0, value: { leases } }]);
        return;
      } catch (error) {
        if (!(error as { retriable?: boolean }).retriable || attempt >= 20) throw error;
      }
    }
  }
}
