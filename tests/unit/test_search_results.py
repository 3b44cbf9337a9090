"""core.search: result sorting by Sort, find-similar target resolution, and Filters from front-end values."""

from __future__ import annotations

import os
from datetime import datetime

import pytest

from photoseek.core.domain import Photo, PhotoState, SearchHit, Sort
from photoseek.core.errors import FolderError
from photoseek.core.search import Filters, resolve_target, sort_hits
from photoseek.core.storage.catalog import Catalog, PhotoUpdate


def hit(pid: int, score: float, taken: datetime | None, mtime: float) -> SearchHit:
    return SearchHit(Photo(pid, f"/p/{pid}.jpg", 1, 1, mtime, None, None, None, taken, None, PhotoState.OK), score)


HITS = [hit(1, 0.9, datetime(2020, 5, 1), 0), hit(2, 0.8, None, datetime(2023, 1, 1).timestamp()),
        hit(3, 0.7, datetime(2010, 1, 1), datetime(2024, 1, 1).timestamp())]


@pytest.mark.parametrize("sort,order", [(Sort.RELEVANCE, [1, 2, 3]), (Sort.NEWEST, [2, 1, 3]), (Sort.OLDEST, [3, 1, 2]),
                                        ("date", [2, 1, 3]), ("date-asc", [3, 1, 2]), ("relevance", [1, 2, 3])])
def test_sort_by_date_taken_else_file_time(sort: Sort | str, order: list[int]) -> None:
    assert [h.photo.id for h in sort_hits(list(HITS), sort)] == order


def test_an_unknown_sort_is_refused() -> None:
    with pytest.raises(ValueError):
        sort_hits(list(HITS), "shuffle")


def test_filters_of_normalize_the_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/me")
    assert Filters.of("~/Pictures/").folder == "/home/me/Pictures"
    assert not Filters.of().active and Filters.of(after=datetime(2020, 1, 1)).active


def test_resolve_target_by_id_by_library_path_and_by_outside_file(tmp_path) -> None:  # noqa: ANN001
    cat = Catalog(tmp_path / "c.sqlite")
    try:
        f = cat.add_folder("/p")
        with cat.write() as w:
            pid = cat.upsert_photo(w, PhotoUpdate("/p/a.jpg", f.id, 1, 1.0, "h"), keep_vectors=True)
        assert resolve_target(cat, pid) == ("/p/a.jpg", pid)
        assert resolve_target(cat, "/p/a.jpg") == ("/p/a.jpg", pid)
        outside = resolve_target(cat, "~/elsewhere.jpg")
        assert outside == (os.path.expanduser("~/elsewhere.jpg"), None)
        with pytest.raises(FolderError, match="no photo with id 999"):
            resolve_target(cat, 999)
    finally:
        cat.close()
