"""Results a person can trust, on real photos with the built-in pack: the adaptive cutoff, dates and cameras in the
query, and More / Less like this."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from photoseek.core.domain import SearchRequest
from photoseek.core.library import Library

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ROOT / "bench" / "photos"
# a few photos get a date and a camera in their EXIF (the rest have neither: their file time counts)
TAKEN = {"cat": ("2019:12:24 18:00:00", "Pixel 7"), "coffee_cup": ("2019:07:01 09:00:00", "Pixel 7"),
         "colorful_cups": ("2016:05:03 12:00:00", "Canon EOS 80D"), "boats_sunset": ("2019:08:15 20:00:00", "Canon EOS 80D"),
         "dahlia_flower": ("2014:06:01 10:00:00", "Canon EOS 80D"), "orange_flower": ("2019:06:01 10:00:00", "Pixel 7")}
MAKES = {"Pixel 7": "Google", "Canon EOS 80D": "Canon"}


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    if not (ROOT / "models" / "basic" / "config.json").is_file():
        pytest.skip("models/basic is not built")
    root = tmp_path_factory.mktemp("relevance")
    photos = root / "Pictures"
    photos.mkdir()
    for src in sorted(PHOTOS.glob("*.jpg")):
        img = Image.open(src)
        exif = Image.Exif()
        if src.stem in TAKEN:
            when, model = TAKEN[src.stem]
            exif.get_ifd(0x8769)[0x9003] = when
            exif[0x010F], exif[0x0110] = MAKES[model], model
        img.convert("RGB").save(photos / src.name, quality=92, exif=exif.tobytes())
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PHOTOSEEK_BUILTIN_MODELS", str(ROOT / "models"))
        home = root / "home"
        home.mkdir()
        (home / "config.toml").write_text('model = "basic"\n')
        library = Library(home)
        library.add_folder(photos)
        library.index()
        yield library
        library.close()


def _names(hits) -> list[str]:  # noqa: ANN001
    return [Path(h.path).stem for h in hits]


def test_a_cat_is_the_one_match_and_the_rest_are_weaker(lib: Library) -> None:
    hits = lib.find(SearchRequest(query="a cat", limit=100))
    matches = [h for h in hits if h.match]
    assert _names(matches)[:1] == ["cat"] and len(matches) <= 3
    assert len(hits) == 34 and all(not h.match for h in hits[len(matches):])  # matches are a prefix


def test_matches_come_first_whatever_the_sort(lib: Library) -> None:
    hits = lib.find(SearchRequest(query="a cat", limit=100, sort="date"))
    flags = [h.match for h in hits]
    assert flags == sorted(flags, reverse=True) and hits[0].match


def test_a_year_in_the_query_filters_by_date_taken(lib: Library) -> None:
    hits = lib.find(SearchRequest(query="a cat 2019", limit=100))
    assert _names(hits)[0] == "cat"
    assert {n for n in _names(hits)} <= {"cat", "coffee_cup", "boats_sunset", "orange_flower"}
    assert all(h.photo.taken_at and h.photo.taken_at.year == 2019 for h in hits)


def test_a_month_alone_is_any_year_and_a_date_alone_browses(lib: Library) -> None:
    assert _names(lib.find(SearchRequest(query="photos from december"))) == ["cat"]
    june = lib.find(SearchRequest(query="in june"))
    assert set(_names(june)) == {"dahlia_flower", "orange_flower"} and all(h.match for h in june)
    assert _names(june) == ["orange_flower", "dahlia_flower"]  # newest first


def test_quoted_year_stays_text(lib: Library) -> None:
    assert len(lib.find(SearchRequest(query='"a cat 2019"', limit=100))) == 34


def test_camera_filter_from_the_query_and_the_request(lib: Library) -> None:
    assert lib.cameras() == [("Canon EOS 80D", 3), ("Google Pixel 7", 3)]
    pixel = lib.find(SearchRequest(query="cup of coffee camera:pixel", limit=100))
    assert _names(pixel)[0] == "coffee_cup" and all(h.photo.camera == "Google Pixel 7" for h in pixel)
    canon = lib.find(SearchRequest(query="cups", camera="canon", limit=100))
    assert set(_names(canon)) == {"colorful_cups", "boats_sunset", "dahlia_flower"}


def test_more_and_less_like_this_rerank(lib: Library) -> None:
    base = lib.find(SearchRequest(query="flower", limit=100))
    ids = {Path(h.path).stem: h.photo.id for h in base}
    rank = {n: i for i, n in enumerate(_names(base))}
    more = _names(lib.find(SearchRequest(query="flower", limit=100, more=(ids["ladybird"],))))
    assert more.index("ladybird") < rank["ladybird"] or rank["ladybird"] == 0
    top = _names(base)[0]
    less = _names(lib.find(SearchRequest(query="flower", limit=100, less=(ids[top],))))
    assert less.index(top) > 0


def test_more_like_this_equals_the_cli_image_part(lib: Library) -> None:
    cat = next(h for h in lib.find(SearchRequest(query="a cat")) if Path(h.path).stem == "cat")
    by_mark = lib.find(SearchRequest(query="grass", limit=10, more=(cat.photo.id,)))
    by_text = lib.find(SearchRequest(query=f"grass +0.5:{cat.path}", limit=10))
    assert [(h.path, round(h.score, 5)) for h in by_mark] == [(h.path, round(h.score, 5)) for h in by_text]


def test_random_weight_model_has_no_match(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = ROOT / "tests" / "data" / "clip_tiny"
    models = tmp_path / "models"
    models.mkdir()
    (models / "clip_tiny").symlink_to(pack)
    monkeypatch.setenv("PHOTOSEEK_BUILTIN_MODELS", str(models))
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text('model = "clip_tiny"\n')
    photos = tmp_path / "Pictures"  # the first bench set only (bench/photos/set2 is a second one)
    photos.mkdir()
    for src in PHOTOS.glob("*.jpg"):
        shutil.copy(src, photos / src.name)
    with Library(home) as lib:
        lib.add_folder(photos)
        lib.index()
        for q in ("a cat", "cup of coffee", "rocket launch", "boats"):
            hits = lib.find(SearchRequest(query=q, limit=100))
            assert len(hits) == 34 and sum(h.match for h in hits) <= 1, q


def test_dates_in_the_json_stay_as_before(lib: Library) -> None:
    h = lib.find(SearchRequest(query="a cat", limit=1))[0]
    assert h.to_json()["match"] is True and h.to_json()["taken_at"] == datetime(2019, 12, 24, 18).isoformat()
