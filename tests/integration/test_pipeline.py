"""The indexing pipeline's overlap: the model loads while photos decode, and a model that cannot load stops the
run with its error instead of hanging or marking photos done."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from photoseek.core.errors import ModelPackError
from photoseek.core.indexing import pipeline
from photoseek.core.library import Library
from photoseek.core.runtime.priority import DECODER_STEP, NICE_STEP, background_nice
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


def _nice_of_calls(monkeypatch, lib: Library) -> tuple[set[int], set[int]]:  # noqa: ANN001
    """Index and return the nice values the decoders and the model's caller ran at (Linux: one per thread)."""
    decoders: set[int] = set()
    callers: set[int] = set()
    real_decode, real_embed = pipeline.decode, lib.embedder.embed_pixels

    def decode(path, **kw):  # noqa: ANN001, ANN003, ANN202
        decoders.add(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return real_decode(path, **kw)

    def embed(pixels):  # noqa: ANN001, ANN202
        callers.add(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return real_embed(pixels)

    monkeypatch.setattr(pipeline, "decode", decode)
    monkeypatch.setattr(lib.embedder, "embed_pixels", embed)
    assert lib.index().embedded == 10
    return decoders, callers


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_a_headless_run_decodes_below_its_model_and_the_desktop_app_does_not(home: Path, pics: Path, tmp_path: Path,
                                                                             monkeypatch) -> None:  # noqa: ANN001
    own = os.getpriority(os.PRIO_PROCESS, os.getpid())
    with Library(home, threads=2) as lib:  # `photoseek index`
        lib.add_folder(pics)
        decoders, callers = _nice_of_calls(monkeypatch, lib)
    assert callers == {background_nice()}  # with the model's own workers
    assert decoders == {background_nice(DECODER_STEP)}
    if own + NICE_STEP + DECODER_STEP <= 19:  # room below the model (not when the tests run under `nice 19`)
        assert min(decoders) > max(callers)
    desktop = tmp_path / "desktop-library"
    desktop.mkdir()
    (desktop / "config.toml").write_bytes((home / "config.toml").read_bytes())
    with Library(desktop) as lib:  # the desktop app: Python threads stay at normal priority (see pin_current_thread)
        lib.add_folder(pics)
        decoders, callers = _nice_of_calls(monkeypatch, lib)
    assert decoders == callers == {own}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_photoseek_watch_which_answers_searches_keeps_its_decoders_at_normal_priority(home: Path, pics: Path,
                                                                                      monkeypatch) -> None:  # noqa: ANN001
    """`photoseek watch` passes the cores like `photoseek index` but serves searches: a decoder at the lowest priority
    holding the GIL on a busy machine would hold up the answer, so its indexing runs as the desktop app's does."""
    import argparse

    from photoseek.cli import watch_cmd

    own = os.getpriority(os.PRIO_PROCESS, os.getpid())
    with Library(home, threads=2) as lib:
        lib.add_folder(pics)
        served: list[bool] = []

        def watch(*a, **k):  # noqa: ANN002, ANN003, ANN202 - stands in for watching: index once, then stop
            served.append(lib.model_set.headless)
            decoders, callers = _nice_of_calls(monkeypatch, lib)
            assert decoders == callers == {own}
            raise RuntimeError("stop")

        monkeypatch.setattr(lib, "watch", watch)
        p = argparse.ArgumentParser()
        watch_cmd.add_arguments(p)
        with pytest.raises(RuntimeError, match="stop"):
            watch_cmd.run(lib, p.parse_args([]), serve=True)
        assert served == [False]
