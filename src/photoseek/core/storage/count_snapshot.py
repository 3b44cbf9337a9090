"""The counts that ``status`` and the folder list show, remembered in the catalog while nothing changes.

Counting a million photos by folder and state, and a model's million vectors, reads some 60 MB of index pages:
0.2 s when they are in memory, 1-2 s when the page cache has dropped them (a library opened after a while). So the
counts are stored, with the generation they hold at: every transaction that changes photos or vectors moves the
generation number, and carries the stored counts forward to the new one in the same transaction
(:mod:`.count_tally`). Counts whose generation is not the current one are never used, so a crash, a rollback, a
write that could not carry them or another PhotoSeek's write can only make them stale (counted again when next
asked), never wrong.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field

from photoseek.core.domain import PhotoState

# The generation is a row of model_state (no pack has an empty id): vector batches write that table's one page
# anyway, so moving it costs them no extra page in the write-ahead log.
GENERATION_ROW = ""
SNAPSHOT_KEY = "count_snapshot"  # in the settings table
SNAPSHOT_FORMAT = 1
_ASIDE = (PhotoState.MISSING, PhotoState.ERROR, PhotoState.OFFLINE)


@dataclass(frozen=True)
class ModelCounts:
    """A model's vectors, and how many of them belong to photos that are missing, unreadable or offline."""

    vectors: int
    aside: dict[str, int] = field(default_factory=dict)  # PhotoState value -> vectors of photos in that state


@dataclass(frozen=True)
class CountSnapshot:
    generation: int
    by_folder: dict[int, dict[str, int]]  # folder id -> state -> photos
    models: dict[str, ModelCounts]
    stored: bool = field(default=False, compare=False)  # these counts are the ones in the catalog

    def by_state(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for states in self.by_folder.values():
            for state, n in states.items():
                out[state] = out.get(state, 0) + n
        return out

    def plus(self, photos: Counter[tuple[int, str]], vectors: Counter[tuple[str, str | None]],
             generation: int) -> CountSnapshot | None:
        """These counts with photos per (folder, state) and vectors per (model, state of their photo) added (or,
        negative, taken away), as of ``generation``; None if a count would go below zero (they do not add up)."""
        by_folder = {fid: dict(states) for fid, states in self.by_folder.items()}
        for (fid, state), n in photos.items():
            states = by_folder.setdefault(fid, {})
            if not _add(states, state, n):
                return None
            if not states:
                del by_folder[fid]
        models: dict[str, ModelCounts] = {}
        for model_id, c in self.models.items():  # models not counted yet are counted when asked for
            total, aside = c.vectors, dict(c.aside)
            for (m, photo_state), n in vectors.items():
                if m != model_id:
                    continue
                total += n
                if photo_state in _ASIDE and not _add(aside, str(photo_state), n):
                    return None
            if total < 0:
                return None
            models[model_id] = ModelCounts(total, aside)
        return CountSnapshot(generation, by_folder, models)

    def to_json(self) -> str:
        return json.dumps({
            "format": SNAPSHOT_FORMAT, "generation": self.generation,
            "folders": [[fid, state, n] for fid, states in self.by_folder.items() for state, n in states.items()],
            "models": {m: {"vectors": c.vectors, "aside": c.aside} for m, c in self.models.items()},
        })

    @classmethod
    def from_json(cls, text: str | None, generation: int) -> CountSnapshot | None:
        """The stored snapshot when it was taken at ``generation`` (and is readable), else None."""
        try:
            data = json.loads(text or "")
            if data.get("format") != SNAPSHOT_FORMAT or data.get("generation") != generation:
                return None
            by_folder: dict[int, dict[str, int]] = {}
            for fid, state, n in data["folders"]:
                by_folder.setdefault(int(fid), {})[str(state)] = int(n)
            models = {str(m): ModelCounts(int(c["vectors"]), {str(s): int(n) for s, n in c["aside"].items()})
                      for m, c in data["models"].items()}
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        return cls(generation, by_folder, models)


def _add(counts: dict[str, int], key: str, n: int) -> bool:
    """counts[key] += n, dropping it at zero (a recount has no zero entries). False if it went below zero."""
    value = counts.get(key, 0) + n
    if value < 0:
        return False
    if value:
        counts[key] = value
    else:
        counts.pop(key, None)
    return True


def generation(con: sqlite3.Connection) -> int:
    row = con.execute("SELECT version FROM model_state WHERE model_id=?", (GENERATION_ROW,)).fetchone()
    return int(row[0]) if row else 0


def bump_generation(w: sqlite3.Connection) -> None:
    """Inside a write transaction that may change photos or vectors: stored counts stop being used."""
    w.execute("INSERT INTO model_state(model_id, dim, version) VALUES(?, 0, 1) ON CONFLICT(model_id) DO UPDATE SET "
              "version = version + 1", (GENERATION_ROW,))


def count_folders(con: sqlite3.Connection) -> dict[int, dict[str, int]]:
    """Photos per folder and state: one pass over the covering (folder_id, state) index."""
    out: dict[int, dict[str, int]] = {}
    for fid, state, n in con.execute("SELECT folder_id, state, COUNT(*) FROM photos GROUP BY folder_id, state"):
        out.setdefault(int(fid), {})[str(state)] = int(n)
    return out


def count_model(con: sqlite3.Connection, model_id: str) -> ModelCounts:
    vectors = con.execute("SELECT COUNT(*) FROM embeddings WHERE model_id=?", (model_id,)).fetchone()[0]
    # CROSS JOIN keeps SQLite from walking every vector first: photos by state (few), then one lookup each
    aside = con.execute(
        "SELECT p.state, COUNT(*) FROM photos p CROSS JOIN embeddings e ON e.photo_id=p.id AND e.model_id=? "
        f"WHERE p.state IN ({','.join('?' * len(_ASIDE))}) GROUP BY p.state", (model_id, *_ASIDE)).fetchall()
    return ModelCounts(int(vectors), {str(s): int(n) for s, n in aside})
