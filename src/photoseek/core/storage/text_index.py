"""The words found in photos: one row per photo in the catalog, searchable through SQLite FTS5.

``photo_text`` holds what the OCR pass read (or why it failed), with the OCR engine version and the content hash
it was read from, so a better engine or a changed file re-reads only what it must; ``photo_text_fts`` is an
external-content FTS5 index over it (unicode61 tokenizer, diacritics removed: "cafe" finds "Café"), kept in step
by triggers, so a photo deleted from the catalog leaves no words behind.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from photoseek.core.domain import PhotoState
from photoseek.core.storage.catalog import Catalog

_START, _END = "\x02", "\x03"  # match markers from FTS5 highlight(); never in OCR text (control characters)
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class TextMatch:
    """A photo whose words match a query: the matching lines and where the matched words sit in them."""

    photo_id: int
    rank: float  # FTS5 bm25: lower is better
    lines: str  # the lines that matched, joined by " / "
    spans: tuple[tuple[int, int], ...]  # (start, end) of each matched word in ``lines``


@dataclass(frozen=True)
class TextCounts:
    done: int  # read by the current engine (with or without words found)
    with_text: int  # of those, photos where words were found
    pending: int  # indexed photos not read yet (or read by another engine, or changed since)
    errors: int  # the current engine failed on them; retried when the engine changes


def fts_query(text: str, *, phrase: bool = False) -> str | None:
    """An FTS5 MATCH expression for what a person typed: every word must appear (prefixes of words of three
    letters or more count, so "moonlight" finds "moonlight42" while "a" does not match every word starting with
    an a); with ``phrase``, the words must appear in that order, side by side. None when ``text`` has no words."""
    words = _TOKEN.findall(text)
    if not words:
        return None
    quoted = ['"' + w.replace('"', '""') + '"' + (" *" if len(w) >= 3 else "") for w in words]
    if phrase and len(quoted) > 1:
        return " + ".join(q.removesuffix(" *") for q in quoted[:-1]) + " + " + quoted[-1]
    return " ".join(quoted)


def _marked_lines(marked: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Lines of ``marked`` text that hold a match, with the markers turned into spans."""
    keep = [line for line in marked.split("\n") if _START in line]
    joined = " / ".join(keep)
    spans: list[tuple[int, int]] = []
    out: list[str] = []
    pos = 0
    start = 0
    for ch in joined:
        if ch == _START:
            start = pos
        elif ch == _END:
            spans.append((start, pos))
        else:
            out.append(ch)
            pos += 1
    return "".join(out), tuple(spans)


class TextIndex:
    """Reads and writes the words of photos in the catalog (tables: schema migration 3)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    _PENDING = """FROM photos p LEFT JOIN photo_text t ON t.photo_id = p.id
                  WHERE p.state = 'ok' AND (t.photo_id IS NULL OR t.engine != ? OR t.content_hash IS NOT p.content_hash)"""

    def pending(self, engine: str, limit: int | None = None, exclude: Sequence[int] = ()) -> list[tuple[int, str]]:
        """(id, path) of indexed photos whose words have not been read by ``engine`` (oldest first)."""
        q = f"SELECT p.id, p.path {self._PENDING} ORDER BY p.id"
        if limit:
            q += f" LIMIT {int(limit) + len(exclude)}"
        skip = set(exclude)
        rows = [(int(r[0]), str(r[1])) for r in self.catalog._reader().execute(q, (engine,)) if r[0] not in skip]
        return rows[:limit] if limit else rows

    def counts(self, engine: str) -> TextCounts:
        con = self.catalog._reader()
        # CROSS JOIN: walk the readings and look each photo up; never every indexed photo to look for its reading
        current = """FROM photo_text t CROSS JOIN photos p ON p.id = t.photo_id
                     WHERE p.state = 'ok' AND t.engine = ? AND t.content_hash IS p.content_hash"""
        done, with_text, errors = con.execute(
            f"""SELECT COALESCE(SUM(t.error IS NULL), 0), COALESCE(SUM(t.error IS NULL AND t.text != ''), 0),
                       COALESCE(SUM(t.error IS NOT NULL), 0) {current}""",
            (engine,),
        ).fetchone()
        # _PENDING is every indexed photo without a current reading: counted as indexed photos (the catalog's
        # kept counts) minus the current readings above, since the join with every photo took 0.5 s at 1M photos
        indexed = self.catalog.snapshot().by_state().get(PhotoState.OK, 0)
        pending = int(indexed) - int(done) - int(errors)
        return TextCounts(int(done), int(with_text), int(pending), int(errors))

    def store(self, photo_id: int, content_hash: str | None, engine: str, text: str, error: str | None = None) -> None:
        """Record what ``engine`` read in a photo (or why it failed). A photo gone meanwhile is skipped."""
        with self.catalog.write(counted=False) as w:  # words read: no photo or vector count changes
            if w.execute("SELECT 1 FROM photos WHERE id=?", (photo_id,)).fetchone() is None:
                return
            w.execute(
                """INSERT INTO photo_text(photo_id, content_hash, engine, text, error, read_at) VALUES(?,?,?,?,?,?)
                   ON CONFLICT(photo_id) DO UPDATE SET content_hash=excluded.content_hash, engine=excluded.engine,
                   text=excluded.text, error=excluded.error, read_at=excluded.read_at""",
                (photo_id, content_hash, engine, text if error is None else "", error, time.time()),
            )

    def text_of(self, photo_id: int) -> str | None:
        """The words read in a photo (lines separated by newlines); None when it has not been read."""
        row = self.catalog._reader().execute(
            "SELECT t.text FROM photo_text t JOIN photos p ON p.id=t.photo_id "
            "WHERE t.photo_id=? AND t.error IS NULL AND t.content_hash IS p.content_hash",
            (photo_id,),
        ).fetchone()
        return str(row[0]) if row else None

    def search(self, text: str, *, phrase: bool = False, limit: int = 200) -> list[TextMatch]:
        """Photos whose words match ``text``, best first (bm25). Photos changed since they were read, missing or
        offline ones are left out."""
        q = fts_query(text, phrase=phrase)
        if q is None:
            return []
        rows = self.catalog._reader().execute(
            f"""SELECT f.rowid, bm25(photo_text_fts), highlight(photo_text_fts, 0, '{_START}', '{_END}')
                FROM photo_text_fts f JOIN photo_text t ON t.photo_id = f.rowid JOIN photos p ON p.id = f.rowid
                WHERE photo_text_fts MATCH ? AND p.state IN ('ok', 'pending') AND t.content_hash IS p.content_hash
                ORDER BY bm25(photo_text_fts) LIMIT ?""",
            (q, int(limit)),
        ).fetchall()
        out = []
        for pid, rank, marked in rows:
            lines, spans = _marked_lines(str(marked))
            out.append(TextMatch(int(pid), float(rank), lines, spans))
        return out
