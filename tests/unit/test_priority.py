"""Indexing threads run below normal priority, on the cores they are given (Linux: per-thread nice and mask)."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest
from PIL import Image

from photoseek.core.runtime.embedder import Embedder
from photoseek.core.runtime.pack import ModelPack
from photoseek.core.runtime.priority import (
    background_nice,
    core_budget,
    cpu_set,
    in_background_thread,
    lower_current_thread,
    usable_cores,
)

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
# started at nice 19 (`nice -n 19 make test`), there is no lower priority for indexing to take
room_below = pytest.mark.skipif(hasattr(os, "getpriority") and os.getpriority(os.PRIO_PROCESS, os.getpid()) >= 19,
                                reason="the tests run at the lowest priority already")


def _nice_of_threads() -> dict[int, int]:
    out = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(task.name)] = int(fields[16])  # field 19 of stat: nice
    return out


@linux
@room_below
def test_a_lowered_thread_leaves_the_others_alone():
    seen: dict[str, int] = {}

    def body() -> None:
        assert lower_current_thread()
        seen["tid"] = threading.get_native_id()
        seen["nice"] = os.getpriority(os.PRIO_PROCESS, seen["tid"])

    t = threading.Thread(target=body)
    t.start()
    t.join()
    assert seen["nice"] >= background_nice()
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < background_nice()


def test_background_calls_return_results_and_raise_errors():
    assert in_background_thread(lambda a, b: a + b, 2, 3) == 5
    with pytest.raises(KeyError):
        in_background_thread(lambda: {}["x"])


@linux
@room_below
def test_the_image_models_workers_run_below_normal_and_the_text_models_do_not(tiny_models):
    before = _nice_of_threads()
    emb = Embedder(ModelPack.load(tiny_models / "tiny"), threads=2)
    emb.embed_texts(["red"])
    text_new = {t: n for t, n in _nice_of_threads().items() if t not in before}
    assert text_new and all(n < background_nice() for n in text_new.values())  # a query is what the user waits for
    emb.embed_images([Image.new("RGB", (32, 32))])
    image_new = {t: n for t, n in _nice_of_threads().items() if t not in before and t not in text_new}
    assert image_new and all(n >= background_nice() for n in image_new.values())


def test_core_budget_keeps_one_core_for_the_desktop_unless_told():
    n = usable_cores()
    assert core_budget(0, interactive=False) == n
    assert core_budget(0, interactive=True) == max(1, n - 1)
    assert core_budget(1, interactive=True) == 1
    assert core_budget(n + 5, interactive=False) == n


@linux
def test_cpu_set_pins_only_a_partial_budget():
    n = usable_cores()
    assert cpu_set(n) is None
    if n > 1:
        cpus = cpu_set(1)
        assert cpus is not None and len(cpus) == 1 and cpus <= os.sched_getaffinity(0)
