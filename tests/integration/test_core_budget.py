"""How many cores indexing may use: the index_cores setting, the front end's default, and what follows from it."""

from __future__ import annotations

import os
import sys

import pytest

from photoseek.core.library import Library
from photoseek.core.runtime.priority import usable_cores


def test_the_app_keeps_a_core_and_a_headless_run_takes_them_all(home):
    n = usable_cores()
    with Library(home) as app:
        assert app.model_set.cores() == max(1, n - 1)
        assert app.embedder.threads == max(1, n - 1)
    with Library(home, threads=n) as cli:
        assert cli.model_set.cores() == n and cli.embedder.cpus is None


@pytest.mark.skipif(not sys.platform.startswith("linux") or usable_cores() < 2, reason="needs CPU masks, 2 cores")
def test_index_cores_caps_threads_and_pins_the_model_to_that_many_cpus(home, tmp_path, make_photo):
    (home / "config.toml").write_text('model = "tiny"\nindex_cores = 1\n')
    for i, c in enumerate(["red", "green", "blue"]):
        make_photo(tmp_path / "pics" / f"{i}.jpg", c, seed=i)
    before = os.sched_getaffinity(0)
    with Library(home, threads=usable_cores()) as lib:
        assert lib.model_set.cores() == 1
        emb = lib.embedder
        assert emb.threads == 1 and emb.cpus is not None and len(emb.cpus) == 1
        assert emb.cpus <= os.sched_getaffinity(0)
        lib.add_folder(tmp_path / "pics")
        assert lib.index().embedded == 3
    assert os.sched_getaffinity(0) == before  # only the indexing threads were pinned, never the caller


@pytest.mark.skipif(not sys.platform.startswith("linux") or usable_cores() < 2, reason="needs CPU masks, 2 cores")
def test_a_new_core_budget_or_device_applies_without_reopening_the_library(home, tmp_path, make_photo):
    for i, c in enumerate(["red", "green"]):
        make_photo(tmp_path / "pics" / f"{i}.jpg", c, seed=i)
    with Library(home, threads=usable_cores()) as lib:
        lib.add_folder(tmp_path / "pics")
        assert lib.index().embedded == 2
        emb = lib.embedder
        old = emb._visual
        assert old is not None and emb.threads == usable_cores()
        lib.update_settings(index_cores=1)
        assert lib.embedder is emb and emb.threads == 1 and emb.cpus is not None and len(emb.cpus) == 1
        assert emb._visual is None  # the next run makes a one-thread session
        make_photo(tmp_path / "pics" / "2.jpg", "blue", seed=2)
        assert lib.index().embedded == 1
        assert emb._visual is not old and emb._visual.get_session_options().intra_op_num_threads == 1
        assert lib.search("blue")
        text = emb._textual
        lib.update_settings(device="auto")  # nothing but the CPU here: auto runs there too
        assert lib.model_set.provider().describe() == "cpu"
        assert emb._textual is None and emb._visual is None
        assert lib.search("blue") and emb._textual is not text
        lib.update_settings(device="cuda")
        assert "cuda is not available" in (lib.model_set.provider().note or "")
