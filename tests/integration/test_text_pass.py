"""The OCR pass over a real catalog with real photos: reads, records failures, pauses and resumes."""

from __future__ import annotations

from pathlib import Path

import pytest

from photoseek.core.domain import IndexPhase
from photoseek.core.indexing.text_pass import TextPass
from photoseek.core.runtime.ocr import TextReader
from photoseek.core.storage.catalog import Catalog, PhotoUpdate
from photoseek.core.storage.text_index import TextIndex
from text_photos import make_text_photos

PHOTOS = Path(__file__).resolve().parents[1] / "data" / "photos"


@pytest.fixture(scope="module")
def reader() -> TextReader:
    return TextReader(threads=1)


def _catalog(tmp_path: Path, files: list[Path]) -> tuple[Catalog, list[int]]:
    cat = Catalog(tmp_path / "catalog.sqlite")
    f = cat.add_folder(str(files[0].parent))
    ids = []
    with cat.write() as w:
        for i, p in enumerate(files):
            pid = cat.upsert_photo(w, PhotoUpdate(str(p), f.id, p.stat().st_size, 1.0, f"h{i}"), keep_vectors=False)
            cat.mark_ok(w, [pid])
            ids.append(pid)
    return cat, ids


def test_pass_reads_words_records_failures_and_resumes(tmp_path, reader):
    sign = make_text_photos(sorted(PHOTOS.glob("*.jpg")), tmp_path / "photos", 1)[0]
    plain = tmp_path / "photos" / "plain.jpg"
    plain.write_bytes((PHOTOS / "chelsea.jpg").read_bytes())
    broken = tmp_path / "photos" / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    cat, (sign_id, plain_id, broken_id) = _catalog(tmp_path, [sign.path, plain, broken])
    texts = TextIndex(cat)
    seen = []

    def pause_after_first(p):
        seen.append(p)
        return p.done < 1

    tp = TextPass(cat, reader, tmp_path / "text.lock")
    first = tp.run(pause_after_first)
    assert first.cancelled and first.read == 1
    assert seen[0].phase is IndexPhase.READING_TEXT and seen[0].total == 3
    assert texts.counts(reader.version).pending == 2

    second = tp.run(lambda p: True)  # resumes with what is left
    assert (second.read, second.with_text, second.failed, second.cancelled) == (1, 0, 1, False)
    assert [p.path for p in second.problems] == [str(broken)]
    c = texts.counts(reader.version)
    assert (c.done, c.with_text, c.pending, c.errors) == (2, 1, 0, 1)
    assert [m.photo_id for m in texts.search("moonlight42")] == [sign_id]
    assert texts.text_of(plain_id) == ""
    assert tp.run().read == 0  # nothing left: a failed photo is not retried by the same engine
    cat.close()


def test_a_second_process_reading_the_same_library_is_told_it_is_busy(tmp_path, reader):
    from photoseek.core.indexing.lock import WriterLock

    cat, _ = _catalog(tmp_path, [PHOTOS / "chelsea.jpg"])
    with WriterLock(tmp_path / "text.lock"):
        report = TextPass(cat, reader, tmp_path / "text.lock").run()
    assert report.busy and report.read == 0
    cat.close()
