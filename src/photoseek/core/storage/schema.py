"""The catalog's SQLite schema: step-by-step migrations and the reader that applies or refuses them.

The version lives in ``PRAGMA user_version``. Each step runs in its own ``BEGIN IMMEDIATE`` transaction, so several
processes opening an old catalog at once migrate it exactly once; a catalog from a newer PhotoSeek is refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from photoseek.core.errors import CatalogError

# Migration 3 (issue 15): the words found in photos by OCR (storage/text_index.py) and an external-content FTS5
# index over them (unicode61, diacritics removed), kept in step by triggers. Statements, not a script: the
# triggers contain semicolons.
TEXT_SCHEMA: tuple[str, ...] = (
    """CREATE TABLE photo_text (
        photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        content_hash TEXT,
        engine TEXT NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        error TEXT,
        read_at REAL NOT NULL
    )""",
    """CREATE VIRTUAL TABLE photo_text_fts USING fts5(
        text, content='photo_text', content_rowid='photo_id', tokenize='unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER photo_text_ai AFTER INSERT ON photo_text BEGIN
        INSERT INTO photo_text_fts(rowid, text) VALUES (new.photo_id, new.text);
    END""",
    """CREATE TRIGGER photo_text_ad AFTER DELETE ON photo_text BEGIN
        INSERT INTO photo_text_fts(photo_text_fts, rowid, text) VALUES ('delete', old.photo_id, old.text);
    END""",
    """CREATE TRIGGER photo_text_au AFTER UPDATE ON photo_text BEGIN
        INSERT INTO photo_text_fts(photo_text_fts, rowid, text) VALUES ('delete', old.photo_id, old.text);
        INSERT INTO photo_text_fts(rowid, text) VALUES (new.photo_id, new.text);
    END""",
)

# Each step is a script of plain statements split at ";", or a tuple of statements (when they hold ";" themselves).
MIGRATIONS: list[str | tuple[str, ...]] = [
    # 1: initial schema
    """
    CREATE TABLE folders (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        added_at REAL NOT NULL,
        online INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE photos (
        id INTEGER PRIMARY KEY,
        folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime REAL NOT NULL,
        content_hash TEXT,
        width INTEGER,
        height INTEGER,
        taken_at TEXT,
        camera TEXT,
        state TEXT NOT NULL DEFAULT 'pending',
        error TEXT,
        updated_at REAL NOT NULL
    );
    CREATE INDEX photos_folder ON photos(folder_id);
    CREATE INDEX photos_hash ON photos(content_hash);
    CREATE INDEX photos_state ON photos(state);
    CREATE TABLE embeddings (
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (photo_id, model_id)
    ) WITHOUT ROWID;
    CREATE INDEX embeddings_model ON embeddings(model_id);
    CREATE TABLE model_state (
        model_id TEXT PRIMARY KEY,
        dim INTEGER NOT NULL,
        version INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: when a photo went missing, so a later re-appearance can be matched (moves seen as delete + create)
    """
    ALTER TABLE photos ADD COLUMN missing_since REAL;
    """,
    # 3: perceptual hashes (the near-duplicate check), cached per photo; stale when content_hash or version differs
    """
    CREATE TABLE image_hashes (
        photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        content_hash TEXT,
        version INTEGER NOT NULL,
        phash BLOB NOT NULL
    );
    """,
    # 4 (issue 15): words found in photos by OCR, with an FTS5 index (storage/text_index.py)
    TEXT_SCHEMA,
    # 5: folder lists and status at a million photos: per-folder counts by state read this index alone. IF (NOT)
    # EXISTS: catalogs written by the performance branch before it was merged got this index as their step 4.
    """
    CREATE INDEX IF NOT EXISTS photos_folder_state ON photos(folder_id, state);
    DROP INDEX IF EXISTS photos_folder;
    """,
    # 6: stored status counts (storage/count_snapshot.py) hold only while every writer moves their generation (the
    # model_state row with the empty id): from here on a PhotoSeek that does not refuses the catalog, and counts
    # stored before are dropped. Data only: the schema text stays on the first page (see the repair tests).
    """
    INSERT INTO model_state(model_id, dim, version) VALUES('', 0, 1) ON CONFLICT(model_id) DO NOTHING;
    DELETE FROM settings WHERE key = 'count_snapshot';
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(con: sqlite3.Connection, path: Path, write: Callable[[], AbstractContextManager[sqlite3.Connection]]
            ) -> None:
    """Bring the catalog on ``con`` to :data:`SCHEMA_VERSION`, one transaction (from ``write``) per step.

    Raises:
        CatalogError: the file is not a PhotoSeek catalog, is damaged, or comes from a newer PhotoSeek.
    """
    version = con.execute("PRAGMA user_version").fetchone()[0]  # damage raises CatalogDamagedError (guarded)
    if version > SCHEMA_VERSION:
        raise CatalogError(
            f"the catalog was written by a newer PhotoSeek (schema {version}, this one knows {SCHEMA_VERSION})",
            hint="Update PhotoSeek.",
        )
    for step in range(version, SCHEMA_VERSION):
        with write() as w:
            # re-read inside the lock: another process may have run this step meanwhile
            if w.execute("PRAGMA user_version").fetchone()[0] > step:
                continue
            script = MIGRATIONS[step]
            for stmt in script if isinstance(script, tuple) else script.split(";"):
                if stmt.strip():
                    w.execute(stmt)
            w.execute(f"PRAGMA user_version={step + 1}")
