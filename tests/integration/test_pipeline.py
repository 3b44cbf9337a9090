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
from photoseek.core.runtime.priority import DECODER_STEP, NICE_STEP, background_nice, usable_cores
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


def _model_calls(monkeypatch, lib: Library) -> tuple[list[int], int]:  # noqa: ANN001
    """Index and return the size of each image-model call and the most calls that ran at once."""
    sizes: list[int] = []
    running, most = [0], [0]
    lock = threading.Lock()
    real = lib.embedder.embed_pixels

    def embed(pixels):  # noqa: ANN001, ANN202
        with lock:
            sizes.append(len(pixels))
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            threading.Event().wait(0.1)  # long enough for a second caller to start, if there is one
            return real(pixels)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(lib.embedder, "embed_pixels", embed)
    assert lib.index().embedded == 10
    return sizes, most[0]


@pytest.mark.skipif(usable_cores() < 2, reason="needs 2 cores")
def test_a_headless_run_calls_the_model_from_each_core_with_a_slice_of_the_batch(home: Path, pics: Path,
                                                                                monkeypatch) -> None:  # noqa: ANN001
    """`photoseek index` on 2 cores: two calls at once, each on one thread and half a batch (one call on two
    threads waits at a barrier after every operator), and every vector still lands on its own photo."""
    with Library(home, threads=2) as lib:
        lib.add_folder(pics)
        assert lib.embedder.image_callers == 2
        sizes, most = _model_calls(monkeypatch, lib)
        assert most == 2
        assert sorted(sizes) == [1, 1, 4, 4]  # batches of 8 and 2, each in two slices: what is held stays a batch
        assert lib.embedder._visual.get_session_options().intra_op_num_threads == 1
        for colour in COLOURS:
            assert Path(lib.search(colour)[0].photo.path).name.startswith(f"{colour}_")
        assert lib.status().indexed == 10


def test_the_desktop_app_calls_the_model_once_at_a_time_on_its_whole_budget(home: Path, pics: Path,
                                                                            monkeypatch) -> None:  # noqa: ANN001
    """The app's model callers stay at normal priority (see pin_current_thread), so the model's work must run on
    its own below-normal workers, not on the callers: one call at a time, on the session's threads."""
    with Library(home) as lib:
        lib.add_folder(pics)
        assert lib.embedder.image_callers == 1
        sizes, most = _model_calls(monkeypatch, lib)
        assert most == 1 and sorted(sizes) == [2, 8]
        assert lib.embedder._visual.get_session_options().intra_op_num_threads == lib.embedder.threads


@pytest.mark.skipif(usable_cores() < 2, reason="needs 2 cores")
def test_a_stopped_headless_run_keeps_every_batch_the_model_was_given(home: Path, tmp_path: Path,
                                                                      make_photo) -> None:  # noqa: ANN001
    for i in range(40):
        make_photo(tmp_path / "many" / f"{COLOURS[i % 4]}_{i:02d}.jpg", COLOURS[i % 4], seed=i, size=(96, 72))
    with Library(home, threads=2) as lib:
        lib.add_folder(tmp_path / "many")
        r = lib.index(lambda p: p.phase != "embedding" or p.done < 8)
        assert r.cancelled
        kept = lib.status().indexed
        # the batch being committed when the user stopped, and the next one the model was already working on
        assert 8 <= kept < 40 and r.embedded == kept == lib.embedder.image_calls
    with Library(home, threads=2) as lib:
        r = lib.index()
        assert r.embedded == 40 - kept and lib.status().indexed == 40
        assert Path(lib.search("blue")[0].photo.path).name.startswith("blue_")
