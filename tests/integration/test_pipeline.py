"""The indexing pipeline's overlap: the model loads while photos decode, and a model that cannot load stops the
run with its error instead of hanging or marking photos done."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from photoseek.core.errors import ModelPackError
from photoseek.core.indexing import pipeline
from photoseek.core.library import Library
from tiny_pack import build_tiny_pack

COLOURS = ["red", "green", "blue", "yellow"]


@pytest.fixture
def pics(tmp_path: Path, make_photo) -> Path:  # noqa: ANN001
    for i in range(10):
        make_photo(tmp_path / "pics" / f"{COLOURS[i % 4]}_{i}.jpg", COLOURS[i % 4], seed=i)
    return tmp_path / "pics"


def test_the_model_loads_while_the_first_photos_decode(home: Path, pics: Path, monkeypatch) -> None:  # noqa: ANN001
    with Library(home, threads=2) as lib:
        lib.add_folder(pics)
        emb = lib.embedder
        assert emb._visual is None
        seen: list[bool] = []
        real = pipeline.decode

        def decode_after_the_model(path, **kw):  # noqa: ANN001, ANN003, ANN202
            # the model loads on its own thread meanwhile; before, it loaded only once a whole batch had decoded,
            # so this waited the full 10 s and saw no session
            for _ in range(200):
                if emb._visual is not None:
                    break
                threading.Event().wait(0.05)
            seen.append(emb._visual is not None)
            return real(path, **kw)

        monkeypatch.setattr(pipeline, "decode", decode_after_the_model)
        report = lib.index()
        assert seen and seen[0], "the first photo decoded before the image model had loaded"
        assert report.embedded == 10 and report.failed == 0
        hits = lib.search("red")
        assert Path(hits[0].photo.path).name.startswith("red_")  # vectors went to the right photos


def test_a_model_that_cannot_load_stops_the_run_with_its_error(home: Path, pics: Path, tmp_path: Path) -> None:
    pack = build_tiny_pack(tmp_path / "broken")
    (pack / "visual" / "model.onnx").write_bytes(b"not an onnx model")
    with Library(home, model=str(pack), threads=2) as lib:
        lib.add_folder(pics)
        with pytest.raises(ModelPackError, match="cannot load"):
            lib.index()
        assert lib.status().indexed == 0


def test_the_image_model_goes_before_the_ocr_pass_and_comes_back_for_new_photos(home: Path, pics: Path,
                                                                                 make_photo) -> None:  # noqa: ANN001
    with Library(home, threads=2) as lib:
        lib.update_settings(read_text=True)
        lib.add_folder(pics)
        assert lib.index().embedded == 10
        emb = lib.embedder
        assert emb._visual is not None
        report = lib.text.read()
        assert report.read == 10 and emb._visual is None  # peak memory: the larger pass, not both at once
        make_photo(pics / "red_new.jpg", "red", seed=99)
        assert lib.index().embedded == 1 and emb._visual is not None
        assert Path(lib.search("red")[0].photo.path).name.startswith("red_")
