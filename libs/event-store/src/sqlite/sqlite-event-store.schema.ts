/**
 * The embedded store's only table. `position` is the rowid: AUTOINCREMENT guarantees a value is
 * never reused and, with SQLite's single writer, that positions increase in commit order.
 * The UNIQUE constraints are the last line of defence behind the checks in the append
 * transaction (they also give the indexes that make those checks cheap).
 */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id   TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  event_id    TEXT    NOT NULL UNIQUE,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at TEXT    NOT NULL,
  UNIQUE (stream_id, revision)
);
`;

/** Columns read back, in the order `rowToEvent` expects them (rows are fetched raw, as arrays). */
export const EVENT_COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata, recorded_at';

/** Prefix filter by characters, not LIKE: LIKE is case-insensitive and treats % and _ as wildcards. */
export const PREFIX_FILTER = 'substr(stream_id, 1, length(@prefix)) = @prefix';
