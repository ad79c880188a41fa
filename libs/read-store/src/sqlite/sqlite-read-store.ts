import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  DocumentNamePage,
  DocumentVersionConflictError,
  DocumentWrite,
  ListDocumentNamesOptions,
  ListViewsQuery,
  ReadStore,
  StoredDocument,
  ViewCommit,
  ViewPage,
  ViewRecord,
} from '../read-store.port';

export interface SqliteReadStoreOptions {
  /** Directory holding `read-store.sqlite`. Ignored when `filename` is given. */
  dataDir?: string;
  /** Explicit database file; ':memory:' for a throw-away store. */
  filename?: string;
}

interface ViewRow {
  customer_id: string;
  position: number;
  indexes: string;
  view: string;
}

type SerialisedWrite = { name: string; expectedVersion: number; json: string };

interface DocumentRow {
  name: string;
  version: number;
  value: string;
}

/**
 * The embedded read store: views as JSON in SQLite, secondary indexes in their own table,
 * views and checkpoint committed in one transaction (WAL, synchronous=FULL). A view is never
 * moved back to a lower position (stale-writer guard, as in the Redis adapter). Versioned
 * documents live in their own table; putDocuments checks and writes in one IMMEDIATE
 * transaction, so the check holds against other connections to the same file too.
 */
export class SqliteReadStore extends ReadStore {
  private readonly statements;
  private readonly putDocumentsTransaction;

  private constructor(private readonly db: Database.Database) {
    super();
    this.statements = {
      get: db.prepare<[string], ViewRow>('SELECT customer_id, position, indexes, view FROM views WHERE customer_id = ?'),
      // Stale-writer guard: a lower position than the stored one leaves the row alone (changes = 0).
      upsert: db.prepare(
        `INSERT INTO views (customer_id, position, indexes, view) VALUES (@customerId, @position, @indexes, @view)
         ON CONFLICT(customer_id) DO UPDATE SET position = excluded.position, indexes = excluded.indexes, view = excluded.view
         WHERE excluded.position >= views.position`,
      ),
      deleteIndexes: db.prepare('DELETE FROM view_index WHERE customer_id = ?'),
      insertIndex: db.prepare('INSERT INTO view_index (name, value, customer_id) VALUES (?, ?, ?)'),
      setCheckpoint: db.prepare(
        'INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position',
      ),
      getCheckpoint: db.prepare<[string], { position: number }>('SELECT position FROM checkpoints WHERE name = ?'),
      getDocument: db.prepare<[string], DocumentRow>('SELECT name, version, value FROM documents WHERE name = ?'),
      documentVersion: db.prepare<[string], { version: number }>('SELECT version FROM documents WHERE name = ?'),
      putDocument: db.prepare<[string, number, string]>(
        'INSERT INTO documents (name, version, value) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET version = excluded.version, value = excluded.value',
      ),
      documentNames: db.prepare<[string, string, number], { name: string }>(
        'SELECT name FROM documents WHERE name >= ? AND name > ? ORDER BY name LIMIT ?',
      ),
      scan: db.prepare<[string, number], ViewRow>(
        'SELECT customer_id, position, indexes, view FROM views WHERE customer_id > ? ORDER BY customer_id LIMIT ?',
      ),
    };
    this.putDocumentsTransaction = db.transaction((writes: SerialisedWrite[]) => this.checkAndPutDocuments(writes));
  }

  static open(options: SqliteReadStoreOptions = {}): SqliteReadStore {
    const filename = options.filename ?? join(options.dataDir ?? './data', 'read-store.sqlite');
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    const db = new Database(filename);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec(`
      CREATE TABLE IF NOT EXISTS views (
        customer_id TEXT PRIMARY KEY,
        position INTEGER NOT NULL,
        indexes TEXT NOT NULL,
        view TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS view_index (
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        PRIMARY KEY (name, value, customer_id)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS view_index_by_customer ON view_index (customer_id);
      CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS documents (
        name TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
    `);
    return new SqliteReadStore(db);
  }

  async getView<V>(customerId: string): Promise<ViewRecord<V> | null> {
    const row = this.statements.get.get(customerId);
    return row ? toRecord<V>(row) : null;
  }

  async getViews<V>(customerIds: readonly string[]): Promise<Map<string, ViewRecord<V>>> {
    const result = new Map<string, ViewRecord<V>>();
    for (const id of new Set(customerIds)) {
      const row = this.statements.get.get(id);
      if (row) result.set(id, toRecord<V>(row));
    }
    return result;
  }

  async commit<V>(commit: ViewCommit<V>): Promise<void> {
    this.commitTransaction(commit);
  }

  /** Built once: views, their index rows and the checkpoint in one transaction. */
  private readonly commitTransaction = this.db.transaction((commit: ViewCommit<unknown>) => {
      for (const record of commit.views) {
        const { changes } = this.statements.upsert.run({
          customerId: record.customerId,
          position: record.position,
          indexes: JSON.stringify(record.indexes),
          view: JSON.stringify(record.view),
        });
        if (changes === 0) continue; // skipped by the stale-writer guard: its indexes stay too
        this.statements.deleteIndexes.run(record.customerId);
        for (const [name, value] of Object.entries(record.indexes)) {
          this.statements.insertIndex.run(name, value, record.customerId);
        }
      }
      if (commit.checkpoint) this.statements.setCheckpoint.run(commit.checkpoint.name, commit.checkpoint.position);
    });

  async getCheckpoint(name: string): Promise<number> {
    return this.statements.getCheckpoint.get(name)?.position ?? -1;
  }

  async listViews<V>(query: ListViewsQuery = {}): Promise<ViewPage<V>> {
    const limit = query.limit ?? 50;
    const { sql, params } = this.filteredIds(query.filter ?? {}, query.after ?? '');
    const rows = this.db
      .prepare<unknown[], ViewRow>(
        `SELECT v.customer_id, v.position, v.indexes, v.view FROM views v WHERE v.customer_id IN (${sql})
         ORDER BY v.customer_id LIMIT ?`,
      )
      .all(...params, limit + 1);
    const items = rows.slice(0, limit).map((row) => toRecord<V>(row));
    return { items, nextCursor: rows.length > limit ? items[items.length - 1].customerId : null };
  }

  async countViews(filter: Record<string, string> = {}): Promise<number> {
    const { sql, params } = this.filteredIds(filter, '');
    return this.db.prepare<unknown[], { n: number }>(`SELECT COUNT(*) AS n FROM (${sql})`).get(...params)!.n;
  }

  /** A sub-select of customer ids matching every filter key (intersection of index entries). */
  private filteredIds(filter: Record<string, string>, after: string): { sql: string; params: unknown[] } {
    const entries = Object.entries(filter);
    if (entries.length === 0) return { sql: 'SELECT customer_id FROM views WHERE customer_id > ?', params: [after] };
    const parts = entries.map(() => 'SELECT customer_id FROM view_index WHERE name = ? AND value = ? AND customer_id > ?');
    return { sql: parts.join(' INTERSECT '), params: entries.flatMap(([name, value]) => [name, value, after]) };
  }

  async *scanViews<V>(options: { batchSize?: number } = {}): AsyncIterable<ViewRecord<V>> {
    const batchSize = options.batchSize ?? 1000;
    let after = '';
    for (;;) {
      const rows = this.statements.scan.all(after, batchSize);
      for (const row of rows) yield toRecord<V>(row);
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1].customer_id;
    }
  }

  async getDocuments<T>(names: readonly string[]): Promise<Map<string, StoredDocument<T>>> {
    const result = new Map<string, StoredDocument<T>>();
    for (const name of new Set(names)) {
      const row = this.statements.getDocument.get(name);
      if (row) result.set(name, { name, version: row.version, value: JSON.parse(row.value) as T });
    }
    return result;
  }

  async putDocuments(documents: readonly DocumentWrite[]): Promise<void> {
    const writes = this.serialiseDocumentWrites(documents);
    if (writes.length > 0) this.putDocumentsTransaction.immediate(writes);
  }

  /**
   * Checks every version, then writes every document. Run IMMEDIATE: the write lock is taken
   * before the versions are read, so no other connection can write in between (a DEFERRED
   * read-then-write would fail with SQLITE_BUSY_SNAPSHOT instead).
   */
  private checkAndPutDocuments(writes: SerialisedWrite[]): void {
    const conflicts = writes
      .filter((write) => (this.statements.documentVersion.get(write.name)?.version ?? 0) !== write.expectedVersion)
      .map((write) => write.name);
    if (conflicts.length > 0) throw new DocumentVersionConflictError(conflicts);
    for (const write of writes) this.statements.putDocument.run(write.name, write.expectedVersion + 1, write.json);
  }

  async listDocumentNames(prefix: string, options: ListDocumentNamesOptions = {}): Promise<DocumentNamePage> {
    const limit = this.documentPageLimit(options.limit);
    // BINARY collation compares UTF-8 bytes, like Redis' lex order; the prefix cut is in documentNamePage.
    const rows = this.statements.documentNames.all(prefix, options.after ?? '', limit + 1);
    return this.documentNamePage(
      rows.map((row) => row.name),
      prefix,
      limit,
    );
  }

  async clear(): Promise<void> {
    this.db.exec('DELETE FROM views; DELETE FROM view_index; DELETE FROM checkpoints; DELETE FROM documents;');
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function toRecord<V>(row: ViewRow): ViewRecord<V> {
  return {
    customerId: row.customer_id,
    position: row.position,
    indexes: JSON.parse(row.indexes) as Record<string, string>,
    view: JSON.parse(row.view) as V,
  };
}
