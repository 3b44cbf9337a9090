"""Queries: text, example images and weighted combinations of both, with folder, date and camera filters.

:class:`Searcher` turns a query into a vector, ranks the vector index under :class:`Filters` and marks which hits
are matches (the adaptive cutoff, :mod:`.cutoff`); :func:`resolve_target` says which image a "find similar" starts
from; :func:`sort_hits` orders results by :class:`~photoseek.core.domain.Sort`, matches first.

Query syntax (for the CLI and the GUI search box)::

    beach +2:sunset -people            # parts with weights; "-" subtracts, "+2:" doubles
    "boats on a lake" -fog             # quotes keep a phrase together
    ~/Pictures/ref.jpg +0.5:winter     # an image file as a part
    beach 2019 camera:pixel            # a date (see .query_dates) and a camera are filters, not text
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from photoseek.core.cutoff import match_count
from photoseek.core.domain import DateRange, QueryFilters, SearchHit, SearchRequest, Sort
from photoseek.core.errors import FolderError, QueryError
from photoseek.core.fs import is_photo_path, normalize_folder
from photoseek.core.query_filters import TOKEN, read_query
from photoseek.core.runtime.embedder import Embedder
from photoseek.core.storage.catalog import Catalog
from photoseek.core.storage.vector_index import VectorIndex

MORE_WEIGHT = 0.5  # "More like this" adds a photo as `+0.5:PATH` would in the query
LESS_WEIGHT = -0.5  # "Less like this" subtracts it as `-0.5:PATH` would
_MARK = re.compile(r"^([+-])(\d+(?:\.\d+)?)?:?(.*)$", re.S)
EXACT_AMONG_MAX = 2_000  # a folder filter with at most this many photos scores each of them
# Past that, a folder's photos are still scored one by one when that costs less than the graph walk that would find
# enough of them: the walk asks for k = 2 * limit * library / folder neighbours, and each neighbour it visits costs
# about this many exact scores (usearch 2.26, 1M f16 512-d vectors, bench/scale.py's data, same run: a 10,000-photo
# folder 47 ms exact vs 153 ms walking k=10,000; 20,000 photos 173 vs 149 ms). At a million photos that is every
# folder up to 20,000 photos for 50 results.
GRAPH_COST_RATIO = 4


def exact_is_cheaper(folder_count: int, library_count: int, want: int) -> bool:
    """Whether scoring a folder's ``folder_count`` photos beats walking the graph of ``library_count`` vectors
    for ``want`` of them."""
    if folder_count <= EXACT_AMONG_MAX:
        return True
    return folder_count * folder_count <= GRAPH_COST_RATIO * 2 * want * library_count


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
    months: frozenset[int] = frozenset()  # any year
    camera: str | None = None  # part of the camera name, any case

    @property
    def active(self) -> bool:
        return bool(self.folder or self.after or self.before or self.months or self.camera)

    @classmethod
    def of(cls, folder: str | None = None, after: datetime | None = None, before: datetime | None = None,
           camera: str | None = None) -> Filters:
        """Filters as a front end gives them (``folder`` may be relative or start with ``~``)."""
        return cls(normalize_folder(folder) if folder else None, after, before, camera=camera or None)

    def narrowed(self, q: QueryFilters) -> Filters:
        """These filters and the ones the query text asks for, both at once."""
        f = self
        if q.dates is not None:
            d = DateRange(f.after, f.before, f.months).narrowed(q.dates)
            f = replace(f, after=d.after, before=d.before, months=d.months)
        if q.camera:  # typed in the query: it says more about this search than a filter set earlier
            f = replace(f, camera=q.camera)
        return f


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

    for raw in TOKEN.findall(query):
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
        if not os.path.lexists(path):  # "vanished" is for a file that was there; this one never was
            raise QueryError(f"{path} does not exist",
                             hint="Check the path: give an image file, or a photo of the library.")
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
        text, whose dates and camera are filters; steered by ``more``/``less``, filtered, each hit marked match or
        weaker, then sorted as asked (matches first)."""
        q = read_query(r.query, locale=r.locale) if r.similar_to is None else QueryFilters("")
        filters = Filters.of(r.folder, r.after, r.before, r.camera).narrowed(q)
        exclude: set[int] = set()
        if r.similar_to is not None:
            path, own_id = resolve_target(self.catalog, r.similar_to)
            parts = [QueryPart(1.0, image=path)]
            exclude = {own_id} if own_id is not None else set()
        elif not q.text.strip() and q.active and not r.more:
            return self.browse(filters, r.limit, r.sort)  # "photos from last week": a date alone
        else:
            parts = parse_query(q.text) if q.text.strip() or not r.more else []
        photos = self.catalog.photos([*r.more, *r.less])
        parts += [QueryPart(MORE_WEIGHT, image=photos[i].path) for i in r.more if i in photos]
        parts += [QueryPart(LESS_WEIGHT, image=photos[i].path) for i in r.less if i in photos]
        if len(self.vindex) == 0:
            return []  # nothing indexed yet: no need to load the text model
        vec = self.query_vector(parts)
        hits = self.mark_matches(vec, self.search_vector(vec, limit=r.limit, filters=filters, exclude=exclude))
        return sort_hits(hits, r.sort)

    def mark_matches(self, vec: np.ndarray, hits: list[SearchHit]) -> list[SearchHit]:
        """Flag the hits above this query's adaptive cutoff (judged against a sample of the whole library)."""
        sample = self.vindex.sample()
        library = sample @ vec.astype(np.float32) if len(sample) else np.zeros(0, dtype=np.float32)
        n = match_count([h.score for h in hits], library)
        return [h if (i < n) == h.match else replace(h, match=i < n) for i, h in enumerate(hits)]

    def browse(self, filters: Filters, limit: int, sort: Sort | str) -> list[SearchHit]:
        """Every photo that passes the filters (no text to rank by): newest first unless asked oldest first. They
        all count as matches; the score is 0."""
        ids = self.catalog.filter_ids(None, folder=filters.folder, after=filters.after, before=filters.before,
                                      months=filters.months, camera=filters.camera)
        hits = [SearchHit(p, 0.0) for p in self.catalog.photos(ids).values()]
        hits.sort(key=_when, reverse=Sort(sort) is not Sort.OLDEST)
        return hits[:limit]

    def search_vector(self, vec: np.ndarray, *, limit: int, filters: Filters | None = None,
                      exclude: set[int] | None = None) -> list[SearchHit]:
        """Top ``limit`` photos by cosine to ``vec`` that pass the filters."""
        filters = filters or Filters()
        exclude = exclude or set()
        n = len(self.vindex)
        if n == 0 or limit <= 0:
            return []
        want = limit + len(exclude)
        k = min(n, want + (limit * 3 if filters.active else 8))
        # A folder filter knows its photos up front (the catalog's folder or path index). When it costs less, the
        # folder's photos are scored exactly, once, and ranked; otherwise the graph is asked at once for as many
        # neighbours as it takes to find `limit` of its photos among them (twice its share), instead of growing k
        # round after round, and its photos are kept by id.
        folder_ids = self.catalog.ids_under(filters.folder) if filters.folder else None
        ranking: tuple[np.ndarray, np.ndarray] | None = None
        members: set[int] = set()
        if folder_ids is not None:
            if not folder_ids:
                return []
            if exact_is_cheaper(len(folder_ids), n, want):
                ranking = self.vindex.search_among(vec, folder_ids, len(folder_ids))  # all of them, best first
                n = len(ranking[0])  # nothing more to find past the folder's own photos
                k = min(n, k)
            else:
                members = set(folder_ids)
                k = min(n, max(k, 2 * want * n // len(folder_ids)))
        while True:
            if ranking is not None:
                ids, scores = ranking[0][:k], ranking[1][:k]
            else:
                ids, scores = self.vindex.search(vec, k)
            id_list = [int(i) for i in ids]
            if members:
                inside = [j for j, i in enumerate(id_list) if i in members]
                id_list, scores = [id_list[j] for j in inside], scores[inside]
            keep = self.catalog.filter_ids(id_list, folder=None, after=filters.after, before=filters.before,
                                           months=filters.months, camera=filters.camera)
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
    time); matches always before weaker results. ``sort`` may be a :class:`Sort` or its value ("relevance",
    "date", "date-asc")."""
    order = Sort(sort)
    if order is Sort.RELEVANCE:
        return hits
    newest = order is Sort.NEWEST
    return (sorted((h for h in hits if h.match), key=_when, reverse=newest)
            + sorted((h for h in hits if not h.match), key=_when, reverse=newest))
