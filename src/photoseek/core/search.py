"""Queries: text, example images and weighted combinations of both, with folder and date filters.

:class:`Searcher` turns a query into a vector and ranks the vector index under :class:`Filters`;
:func:`resolve_target` says which image a "find similar" starts from; :func:`sort_hits` orders results by
:class:`~photoseek.core.domain.Sort`.

Query syntax (for the CLI and the GUI search box)::

    beach +2:sunset -people            # parts with weights; "-" subtracts, "+2:" doubles
    "boats on a lake" -fog             # quotes keep a phrase together
    ~/Pictures/ref.jpg +0.5:winter     # an image file as a part
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from photoseek.core.domain import SearchHit, SearchRequest, Sort
from photoseek.core.errors import FolderError, QueryError
from photoseek.core.fs import is_photo_path, normalize_folder
from photoseek.core.runtime.embedder import Embedder
from photoseek.core.storage.catalog import Catalog
from photoseek.core.storage.vector_index import VectorIndex

# a quoted phrase may carry a mark (-"foggy morning", +2:"red boat"); otherwise \S+ would split it at the space
_TOKEN = re.compile(r'[+-]?(?:\d+(?:\.\d+)?:)?"[^"]*"|\S+')
_MARK = re.compile(r"^([+-])(\d+(?:\.\d+)?)?:?(.*)$", re.S)
EXACT_AMONG_MAX = 2_000  # a folder filter with at most this many photos scores each of them


@dataclass(frozen=True)
class QueryPart:
    weight: float
    text: str | None = None
    image: str | None = None  # path of an example image


@dataclass(frozen=True)
class Filters:
    folder: str | None = None
    after: datetime | None = None
    before: datetime | None = None

    @property
    def active(self) -> bool:
        return bool(self.folder or self.after or self.before)

    @classmethod
    def of(cls, folder: str | None = None, after: datetime | None = None, before: datetime | None = None) -> Filters:
        """Filters as a front end gives them (``folder`` may be relative or start with ``~``)."""
        return cls(normalize_folder(folder) if folder else None, after, before)


def _image_token(tok: str) -> str | None:
    if not (os.sep in tok or "/" in tok or tok.startswith("~")):
        return None
    path = os.path.abspath(os.path.expanduser(tok))
    return path if is_photo_path(path) and os.path.isfile(path) else None


def parse_query(query: str) -> list[QueryPart]:
    """Split a query into weighted text and image parts.

    Raises:
        QueryError: the query is empty or has no positive part.
    """
    parts: list[QueryPart] = []
    weight = 1.0
    words: list[str] = []

    def flush() -> None:
        nonlocal words
        if words:
            parts.append(QueryPart(weight, text=" ".join(words)))
        words = []

    for raw in _TOKEN.findall(query):
        tok = raw
        m = _MARK.match(tok) if tok[:1] in "+-" and len(tok) > 1 else None
        if m:
            flush()
            sign = -1.0 if m.group(1) == "-" else 1.0
            weight = sign * float(m.group(2) or 1.0)
            tok = m.group(3)
            if not tok:
                continue
        unq = tok[1:-1] if len(tok) >= 2 and tok[0] == tok[-1] == '"' else tok
        img = _image_token(unq)
        if img:
            flush()
            parts.append(QueryPart(weight, image=img))
            weight = 1.0
            continue
        if unq.strip():
            words.append(unq.strip())
        if m:  # a mark weighs one word or quoted phrase; the words after it are a new, positive part
            flush()
            weight = 1.0
    flush()
    if not parts:
        raise QueryError("the query is empty", hint='Type what you remember, e.g. "sunset over mountains".')
    if not any(p.weight > 0 for p in parts):
        raise QueryError("the query has only negative parts", hint='Add something to look for, e.g. "beach -people".')
    return parts


class Searcher:
    """Turns queries into vectors and vectors into ranked, filtered photos."""

    def __init__(self, catalog: Catalog, vindex: VectorIndex, embedder: Embedder) -> None:
        self.catalog = catalog
        self.vindex = vindex
        self.embedder = embedder

    def image_vector(self, path: str) -> np.ndarray:
        """The stored vector of a library photo, or a fresh embedding of any image file."""
        path = os.path.abspath(os.path.expanduser(path))
        photo = self.catalog.photo_by_path(path)
        if photo is not None:
            got = self.vindex.get([photo.id]) or self.catalog.vectors_for(self.embedder.model_id, [photo.id])
            if photo.id in got:
                return np.asarray(got[photo.id], dtype=np.float32)
        from photoseek.core.imaging.decode import decode  # Pillow's plugins load only for an example image

        dec = decode(path, min_side=self.embedder.pack.preprocess.min_side)
        return self.embedder.embed_images([dec.image])[0]

    def query_vector(self, parts: list[QueryPart]) -> np.ndarray:
        texts = [p.text for p in parts if p.text is not None]
        text_vecs = iter(self.embedder.embed_texts(texts)) if texts else iter(())
        total = np.zeros(self.embedder.dim, dtype=np.float32)
        for p in parts:
            v = self.image_vector(p.image) if p.image is not None else next(text_vecs)
            total += np.float32(p.weight) * v
        norm = float(np.linalg.norm(total))
        if norm < 1e-6:
            raise QueryError("the query gives the model nothing to look for",
                             hint="Use other words, or check that positive and negative parts do not cancel out.")
        return total / norm

    def find(self, r: SearchRequest) -> list[SearchHit]:
        """Run a request: by example when ``similar_to`` is set (the example itself is never a match), else by
        text; filtered, then sorted as asked."""
        filters = Filters.of(r.folder, r.after, r.before)
        if r.similar_to is not None:
            path, own_id = resolve_target(self.catalog, r.similar_to)
            hits = self.search_vector(self.image_vector(path), limit=r.limit, filters=filters,
                                      exclude={own_id} if own_id is not None else set())
        else:
            parts = parse_query(r.query)
            if len(self.vindex) == 0:
                return []  # nothing indexed yet: no need to load the text model
            hits = self.search_vector(self.query_vector(parts), limit=r.limit, filters=filters)
        return sort_hits(hits, r.sort)

    def search_vector(self, vec: np.ndarray, *, limit: int, filters: Filters | None = None,
                      exclude: set[int] | None = None) -> list[SearchHit]:
        """Top ``limit`` photos by cosine to ``vec`` that pass the filters."""
        filters = filters or Filters()
        exclude = exclude or set()
        n = len(self.vindex)
        if n == 0 or limit <= 0:
            return []
        k = min(n, limit + len(exclude) + (limit * 3 if filters.active else 8))
        # A folder filter knows its photos up front (a range over the path index). A small folder is scored
        # exactly; a larger one asks the graph at once for as many neighbours as it takes to find `limit` of its
        # photos among them (twice its share), instead of growing k round after round, and keeps them by id.
        folder_ids = set(self.catalog.ids_under(filters.folder)) if filters.folder else None
        exact = folder_ids is not None and len(folder_ids) <= EXACT_AMONG_MAX
        if folder_ids is not None:
            if not folder_ids:
                return []
            k = min(n, max(k, 2 * (limit + len(exclude)) * n // len(folder_ids)))
        while True:
            if exact:
                assert folder_ids is not None
                k = min(len(folder_ids), k)
                ids, scores = self.vindex.search_among(vec, sorted(folder_ids), k)
                n = len(folder_ids)  # nothing more to find past the folder's own photos
            else:
                ids, scores = self.vindex.search(vec, k)
            id_list = [int(i) for i in ids]
            if folder_ids is not None:
                id_list, scores = ([i for i in id_list if i in folder_ids],
                                   np.asarray([s for i, s in zip(id_list, scores, strict=True) if i in folder_ids]))
            keep = self.catalog.filter_ids(id_list, folder=None, after=filters.after, before=filters.before)
            ranked = [(i, float(s)) for i, s in zip(id_list, scores, strict=True) if i in keep and i not in exclude]
            if len(ranked) >= limit or k >= n:
                break
            k = min(n, k * 4)
        ranked = ranked[:limit]
        photos = self.catalog.photos(i for i, _ in ranked)
        return [SearchHit(photos[i], s) for i, s in ranked if i in photos]


def resolve_target(catalog: Catalog, target: str | int) -> tuple[str, int | None]:
    """The image a "find similar" starts from: ``(path, library photo id or None)``.

    ``target`` is a library photo id, or a path (a library photo's or any image file's).

    Raises:
        FolderError: no library photo has that id.
    """
    if isinstance(target, int):
        photo = catalog.photo(target)
        if photo is None:
            raise FolderError(f"no photo with id {target}")
        path = photo.path
    else:
        path = os.path.abspath(os.path.expanduser(target))
    photo = catalog.photo_by_path(path)
    return path, (photo.id if photo is not None else None)


def _when(h: SearchHit) -> datetime:
    return h.photo.taken_at or datetime.fromtimestamp(h.photo.mtime)


def sort_hits(hits: list[SearchHit], sort: Sort | str) -> list[SearchHit]:
    """Results in the asked order: relevance (as ranked), newest first, or oldest first (date taken, else file
    time). ``sort`` may be a :class:`Sort` or its value ("relevance", "date", "date-asc")."""
    order = Sort(sort)
    if order is Sort.NEWEST:
        return sorted(hits, key=_when, reverse=True)
    if order is Sort.OLDEST:
        return sorted(hits, key=_when)
    return hits
