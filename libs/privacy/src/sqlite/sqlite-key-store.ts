import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CreateWrappedKey, DestroyedKeys, ErasureRecord, KeyRef, KeyStore, WrappedKeyRecord, keyRefId } from '../key-store.port';

export interface SqliteKeyStoreOptions {
  /**
   * The key store's own database file, never one shared with other data: keys are backed up,
   * restored and shredded on their own schedule (a restored backup of the views must not bring
   * erased keys back). Created with mode 0600 (SQLite gives its -wal and -shm files the same).
   * ':memory:' for a throw-away store.
   */
  filename: string;
  /** How long a write waits for another connection's write lock. @defaultValue 5000 */
  busyTimeoutMs?: number;
}

interface KeyRow {
  customer_id: string;
  version: number;
  master_key_id: string;
  wrapped: string;
  created_at: string;
}

interface ErasureRow {
  erased_at: string;
  last_version: number;
}

/**
 * The embedded key store: wrapped keys in `data_keys`, tombstones in `erasures`, in a SQLite file
 * of its own (WAL, synchronous=FULL). Creation runs in one IMMEDIATE transaction for the batch,
 * so two connections to the same file (two processes) agree on one winner per customer.
 *
 * Erasure must leave no copy of the wrapped key on disk: `secure_delete` is on for the
 * connection (deleted cells and freed pages are overwritten with zeros), and after the deleting
 * transaction the WAL is checkpointed into the main file and truncated (`wal_checkpoint(TRUNCATE)`),
 * so neither file holds the old bytes. If a reader on another connection keeps the checkpoint from
 * finishing within the busy timeout, the next destroy or close() tries again. Copies outside these
 * files (backups, filesystem snapshots, SSD remapping) are beyond reach: that is what the master
 * key's wrapping is for.
 */
export class SqliteKeyStore extends KeyStore {
  private readonly statements;
  private readonly createMissing;
  private readonly destroyAll;
  private readonly readTransaction;
  private checkpointPending = false;

  private constructor(private readonly db: Database.Database) {
    super();
    const columns = 'customer_id, version, master_key_id, wrapped, created_at';
    this.statements = {
      current: db.prepare<[string], KeyRow>(`SELECT ${columns} FROM data_keys WHERE customer_id = ? ORDER BY version DESC LIMIT 1`),
      get: db.prepare<[string, number], KeyRow>(`SELECT ${columns} FROM data_keys WHERE customer_id = ? AND version = ?`),
      insert: db.prepare<[string, number, string, string, string]>(
        `INSERT INTO data_keys (${columns}) VALUES (?, ?, ?, ?, ?) ON CONFLICT (customer_id, version) DO NOTHING`,
      ),
      versions: db.prepare<[string], { version: number }>('SELECT version FROM data_keys WHERE customer_id = ? ORDER BY version'),
      deleteKeys: db.prepare<[string]>('DELETE FROM data_keys WHERE customer_id = ?'),
      erasure: db.prepare<[string], ErasureRow>('SELECT erased_at, last_version FROM erasures WHERE customer_id = ?'),
      putErasure: db.prepare<[string, string, number]>(
        `INSERT INTO erasures (customer_id, erased_at, last_version) VALUES (?, ?, ?)
         ON CONFLICT (customer_id) DO UPDATE SET erased_at = excluded.erased_at, last_version = excluded.last_version`,
      ),
    };
    // Run IMMEDIATE: the write lock is taken before the current versions are read, so another
    // connection cannot create or destroy in between.
    this.createMissing = db.transaction((ids: string[], create: CreateWrappedKey, into: Map<string, WrappedKeyRecord>) => {
      for (const customerId of ids) {
        const row = this.statements.current.get(customerId);
        if (row) {
          into.set(customerId, toRecord(row)); // another connection won
          continue;
        }
        const record = this.created(create, customerId, (this.statements.erasure.get(customerId)?.last_version ?? 0) + 1);
        this.statements.insert.run(customerId, record.version, record.masterKeyId, record.wrapped, record.createdAt);
        into.set(customerId, record);
      }
    });
    this.destroyAll = db.transaction((ids: string[], at: string): DestroyedKeys[] =>
      ids.map((customerId) => {
        const versionsDestroyed = this.statements.versions.all(customerId).map((row) => row.version);
        if (versionsDestroyed.length > 0) this.statements.deleteKeys.run(customerId);
        const previous = this.statements.erasure.get(customerId);
        if (versionsDestroyed.length > 0 || !previous) {
          this.statements.putErasure.run(customerId, at, Math.max(previous?.last_version ?? 0, ...versionsDestroyed));
        }
        return { customerId, versionsDestroyed };
      }),
    );
    this.readTransaction = db.transaction((read: () => unknown) => read());
  }

  static open(options: SqliteKeyStoreOptions): SqliteKeyStore {
    const filename = options?.filename;
    if (typeof filename !== 'string' || filename === '') {
      throw new TypeError('SqliteKeyStore: options.filename is required (a database file of its own)');
    }
    const onDisk = filename !== ':memory:';
    const isNew = onDisk && !existsSync(filename);
    if (onDisk) mkdirSync(dirname(filename), { recursive: true });
    const db = new Database(filename);
    if (isNew) chmodSync(filename, 0o600);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    db.pragma('secure_delete = ON');
    db.exec(`
      CREATE TABLE IF NOT EXISTS data_keys (
        customer_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        master_key_id TEXT NOT NULL,
        wrapped TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (customer_id, version)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS erasures (
        customer_id TEXT PRIMARY KEY,
        erased_at TEXT NOT NULL,
        last_version INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
    return new SqliteKeyStore(db);
  }

  async getOrCreate(customerIds: readonly string[], create: CreateWrappedKey): Promise<Map<string, WrappedKeyRecord>> {
    const ids = this.distinctCustomerIds(customerIds);
    // Most calls find every key: read without the write lock first.
    const found = this.read(() => {
      const rows = new Map<string, WrappedKeyRecord>();
      for (const customerId of ids) {
        const row = this.statements.current.get(customerId);
        if (row) rows.set(customerId, toRecord(row));
      }
      return rows;
    });
    const missing = ids.filter((customerId) => !found.has(customerId));
    if (missing.length > 0) this.createMissing.immediate(missing, create, found);
    return new Map(ids.map((customerId) => [customerId, found.get(customerId)!]));
  }

  async get(customerId: string, version: number): Promise<WrappedKeyRecord | null> {
    this.checkRef({ customerId, version });
    const row = this.statements.get.get(customerId, version);
    return row ? toRecord(row) : null;
  }

  async getMany(refs: readonly KeyRef[]): Promise<Map<string, WrappedKeyRecord>> {
    refs.forEach((ref) => this.checkRef(ref));
    return this.read(() => {
      const result = new Map<string, WrappedKeyRecord>();
      for (const ref of refs) {
        const row = this.statements.get.get(ref.customerId, ref.version);
        if (row) result.set(keyRefId(ref), toRecord(row));
      }
      return result;
    });
  }

  async destroy(customerIds: readonly string[], at: string): Promise<DestroyedKeys[]> {
    this.checkInstant(at);
    const destroyed = this.destroyAll.immediate(this.distinctCustomerIds(customerIds), at);
    if (destroyed.some((entry) => entry.versionsDestroyed.length > 0)) this.checkpointPending = true;
    if (this.checkpointPending) this.truncateWal();
    return destroyed;
  }

  async erasure(customerId: string): Promise<ErasureRecord | null> {
    const row = this.statements.erasure.get(customerId);
    return row ? { erasedAt: row.erased_at, lastVersion: row.last_version } : null;
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    if (this.checkpointPending) this.truncateWal();
    this.db.close();
  }

  /** Runs `read` in one read transaction: one snapshot, one lock acquisition for the batch. */
  private read<T>(read: () => T): T {
    return this.readTransaction(read) as T;
  }

  /** Copies the WAL into the main file and empties it; stays pending while a reader holds it back. */
  private truncateWal(): void {
    const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    this.checkpointPending = result?.busy === 1;
  }
}

function toRecord(row: KeyRow): WrappedKeyRecord {
  return {
    customerId: row.customer_id,
    version: row.version,
    masterKeyId: row.master_key_id,
    wrapped: row.wrapped,
    createdAt: row.created_at,
  };
}
