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
