import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ListViewsQuery, ReadStore, ViewCommit, ViewPage, ViewRecord } from '../read-store.port';

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

/**
 * The embedded read store: views as JSON in SQLite, secondary indexes in their own table,
 * views and checkpoint committed in one transaction (WAL, synchronous=FULL).
 */
export class SqliteReadStore extends ReadStore {
  private readonly statements;

  private constructor(private readonly db: Database.Database) {
    super();
    this.statements = {
      get: db.prepare<[string], ViewRow>('SELECT customer_id, position, indexes, view FROM views WHERE customer_id = ?'),
      upsert: db.prepare(
        `INSERT INTO views (customer_id, position, indexes, view) VALUES (@customerId, @position, @indexes, @view)
         ON CONFLICT(customer_id) DO UPDATE SET position = excluded.position, indexes = excluded.indexes, view = excluded.view`,
      ),
      deleteIndexes: db.prepare('DELETE FROM view_index WHERE customer_id = ?'),
      insertIndex: db.prepare('INSERT INTO view_index (name, value, customer_id) VALUES (?, ?, ?)'),
      setCheckpoint: db.prepare(
        'INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position',
      ),
      getCheckpoint: db.prepare<[string], { position: number }>('SELECT position FROM checkpoints WHERE name = ?'),
      scan: db.prepare<[string, number], ViewRow>(
        'SELECT customer_id, position, indexes, view FROM views WHERE customer_id > ? ORDER BY customer_id LIMIT ?',
      ),
    };
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
    this.writeTransaction(commit);
  }

  private readonly writeTransaction = (commit: ViewCommit<unknown>) =>
    this.db.transaction(() => {
      for (const record of commit.views) {
        this.statements.upsert.run({
          customerId: record.customerId,
          position: record.position,
          indexes: JSON.stringify(record.indexes),
          view: JSON.stringify(record.view),
        });
        this.statements.deleteIndexes.run(record.customerId);
        for (const [name, value] of Object.entries(record.indexes)) {
          this.statements.insertIndex.run(name, value, record.customerId);
        }
      }
      if (commit.checkpoint) this.statements.setCheckpoint.run(commit.checkpoint.name, commit.checkpoint.position);
    })();

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

  async clear(): Promise<void> {
    this.db.exec('DELETE FROM views; DELETE FROM view_index; DELETE FROM checkpoints;');
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
