import { createHash } from 'node:crypto';

/**
 * What `npm run rebuild -- --verify` keeps of every view before the rebuild, to name afterwards
 * the customers whose views differ and the fields that differ: not the views (a million of them
 * do not fit), but a 32-bit hash per field down to `depth` levels (`lifecycle.stage`,
 * `trust.transitions`, …), in one typed array per customer aligned to a shared list of paths,
 * plus one full digest per customer. About 4 bytes per field per customer.
 */
export class ViewFingerprints {
  private readonly paths: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly byCustomer = new Map<string, { digest: string; fields: Uint32Array }>();

  constructor(private readonly depth = 2) {}

  get size(): number {
    return this.byCustomer.size;
  }

  add(customerId: string, view: unknown): void {
    const hashes = new Map<number, number>();
    const walk = (value: unknown, path: string, level: number) => {
      if (level < this.depth && value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const [key, child] of Object.entries(value)) walk(child, path === '' ? key : `${path}.${key}`, level + 1);
        return;
      }
      hashes.set(this.pathIndex(path), fnv1a(JSON.stringify(value) ?? 'undefined'));
    };
    walk(view, '', 0);
    const fields = new Uint32Array(this.paths.length);
    // 0 means "absent": a real hash of 0 becomes 1 (one collision more in four billion).
    for (const [i, hash] of hashes) fields[i] = hash === 0 ? 1 : hash;
    this.byCustomer.set(customerId, { digest: createHash('sha256').update(JSON.stringify(view)).digest('hex'), fields });
  }

  /** The customers whose views differ from `after`'s, with the fields that differ, and the customers only one side has. */
  compare(after: ViewFingerprints): ViewDifferences {
    const changed: { customerId: string; fields: string[] }[] = [];
    const fieldCounts = new Map<string, number>();
    const removed: string[] = [];
    for (const [customerId, mine] of this.byCustomer) {
      const theirs = after.byCustomer.get(customerId);
      if (!theirs) {
        removed.push(customerId);
        continue;
      }
      if (mine.digest === theirs.digest) continue;
      const fields = new Set<string>();
      const paths = new Set([...this.paths.filter((_, i) => i < mine.fields.length && mine.fields[i] !== 0), ...after.paths.filter((_, i) => i < theirs.fields.length && theirs.fields[i] !== 0)]);
      for (const path of paths) if (this.hashOf(mine.fields, path) !== after.hashOf(theirs.fields, path)) fields.add(path);
      // Same fields, different digest: a difference past the hashes' reach (key order, or a collision).
      if (fields.size === 0) fields.add('(key order or a hash collision)');
      const sorted = [...fields].sort();
      for (const field of sorted) fieldCounts.set(field, (fieldCounts.get(field) ?? 0) + 1);
      changed.push({ customerId, fields: sorted });
    }
    const added = [...after.byCustomer.keys()].filter((id) => !this.byCustomer.has(id));
    changed.sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
    return {
      identical: changed.length === 0 && added.length === 0 && removed.length === 0,
      changed,
      added: added.sort(),
      removed: removed.sort(),
      byField: [...fieldCounts].map(([field, customers]) => ({ field, customers })).sort((a, b) => b.customers - a.customers || (a.field < b.field ? -1 : 1)),
    };
  }

  private pathIndex(path: string): number {
    let i = this.index.get(path);
    if (i === undefined) {
      i = this.paths.length;
      this.paths.push(path);
      this.index.set(path, i);
    }
    return i;
  }

  private hashOf(fields: Uint32Array, path: string): number {
    const i = this.index.get(path);
    return i === undefined || i >= fields.length ? 0 : fields[i];
  }
}

export interface ViewDifferences {
  identical: boolean;
  /** Customer ids ascending, each with its differing fields. */
  changed: { customerId: string; fields: string[] }[];
  /** Customers with a view only after / only before. */
  added: string[];
  removed: string[];
  /** How many customers differ in each field, most first. */
  byField: { field: string; customers: number }[];
}

/** The differences as lines for the terminal: the counts, the fields, the first `sample` customers. */
export function describeDifferences(d: ViewDifferences, sample = 20): string[] {
  if (d.identical) return [];
  const lines = [`${d.changed.length} customer(s) differ, ${d.added.length} only after, ${d.removed.length} only before`];
  for (const { field, customers } of d.byField.slice(0, 20)) lines.push(`  ${field}: ${customers} customer(s)`);
  for (const { customerId, fields } of d.changed.slice(0, sample)) lines.push(`  ${customerId}: ${fields.join(', ')}`);
  if (d.changed.length > sample) lines.push(`  … and ${d.changed.length - sample} more`);
  if (d.added.length > 0) lines.push(`  only after: ${d.added.slice(0, sample).join(', ')}${d.added.length > sample ? ', …' : ''}`);
  if (d.removed.length > 0) lines.push(`  only before: ${d.removed.slice(0, sample).join(', ')}${d.removed.length > sample ? ', …' : ''}`);
  return lines;
}

/** FNV-1a, 32 bits, over UTF-16 code units: a field fingerprint, not a security hash. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
