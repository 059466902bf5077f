//! The SQLite schema and its migrations. `user_version` records which
//! migrations ran, so an old data directory is upgraded in place.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: lists, versions and deduplicated entity bodies.
    "CREATE TABLE source_versions (
        version_id   INTEGER PRIMARY KEY AUTOINCREMENT,
        source       TEXT NOT NULL,
        format       TEXT NOT NULL,
        published    TEXT,
        imported_at  INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        entities     INTEGER NOT NULL,
        names        INTEGER NOT NULL,
        report       TEXT NOT NULL
     );
     CREATE INDEX source_versions_by_source ON source_versions (source, version_id);
     CREATE TABLE entity_bodies (
        hash BLOB PRIMARY KEY,
        body BLOB NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE version_entities (
        version_id INTEGER NOT NULL REFERENCES source_versions (version_id) ON DELETE CASCADE,
        entity_id  TEXT NOT NULL,
        schema     TEXT NOT NULL,
        hash       BLOB NOT NULL,
        PRIMARY KEY (version_id, entity_id)
     ) WITHOUT ROWID;
     CREATE INDEX version_entities_by_id ON version_entities (entity_id);
     CREATE TABLE current (
        source     TEXT PRIMARY KEY,
        version_id INTEGER NOT NULL REFERENCES source_versions (version_id)
     );",
    // 2: failed import attempts, so `kordon lists` can say a source is stale and why.
    "CREATE TABLE import_failures (
        source     TEXT NOT NULL,
        failed_at  INTEGER NOT NULL,
        error      TEXT NOT NULL
     );
     CREATE INDEX import_failures_by_source ON import_failures (source, failed_at);",
    // 3: finding unreferenced bodies for retention.
    "CREATE INDEX version_entities_by_hash ON version_entities (hash);",
    // 4: HTTP validators per downloaded URL (conditional requests: an unchanged
    // list costs one 304), and when each source was last confirmed current
    // upstream (an unchanged list is fresh, not stale).
    "CREATE TABLE http_validators (
        url           TEXT PRIMARY KEY,
        source        TEXT NOT NULL,
        etag          TEXT,
        last_modified TEXT,
        sha256        TEXT NOT NULL,
        bytes         INTEGER NOT NULL,
        fetched_at    INTEGER NOT NULL
     );
     CREATE TABLE source_checks (
        source     TEXT PRIMARY KEY,
        checked_at INTEGER NOT NULL
     );",
    // 5: which version was current when an import failed. Timestamps have
    // one-second resolution, so "failed after the current version was
    // imported" cannot be told by time alone; -1 = no version yet, NULL = a
    // row written before this migration (judged by time).
    "ALTER TABLE import_failures ADD COLUMN current_version INTEGER;",
];

pub fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    // WAL keeps readers (a running server) unblocked during an import;
    // synchronous=FULL fsyncs the WAL on every commit so an acknowledged
    // import is durable.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // An import writes tens of thousands of rows in one transaction; with the
    // default 2 MB page cache SQLite spills dirty pages to the WAL mid-way and
    // rewrites them. 64 MB keeps a whole list's pages in memory until commit.
    conn.pragma_update(None, "cache_size", -65536)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        conn.execute_batch(&format!(
            "BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;",
            i + 1
        ))?;
    }
    Ok(())
}
