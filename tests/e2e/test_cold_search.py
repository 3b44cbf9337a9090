"""What a cold `photoseek search` loads, and how `--device` and `status` tell where models run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from photoseek.core.library import Library

HEAVY = ("photoseek.core.indexing.pipeline", "photoseek.core.imaging.decode", "photoseek.core.watching.observers",
         "watchdog", "PIL", "pillow_heif",
         "usearch",  # a small library is searched exactly, from the flat copy of its vectors (storage.flat_vectors)
         "photoseek.core.indexing.indexer", "photoseek.core.runtime.download", "photoseek.core.duplicates",
         "photoseek.core.indexing.text_pass", "photoseek.core.runtime.ocr",  # the OCR pass and engine: reading text
         "photoseek.core.reports", "photoseek.core.status",  # job reports, status: dataclasses a search never builds
         "tomli_w",  # saving settings
         "ftfy", "html")  # cleaning a query that is not plain ASCII text (runtime.textclean)


@pytest.fixture
def indexed(home: Path, tmp_path: Path, make_photo) -> Path:
    pics = tmp_path / "Pictures"
    for i, c in enumerate(["red", "green", "blue"]):
        make_photo(pics / f"IMG_{i}.jpg", c, seed=i)
    with Library(home) as lib:
        lib.add_folder(pics)
        assert lib.index().embedded == 3
    return pics


def test_a_text_search_loads_neither_the_pipeline_nor_pillow_nor_usearch_nor_the_image_model(home, indexed):
    code = (
        "import sys, json\n"
        "import onnxruntime as ort\n"
        "made = []\n"
        "class Session(ort.InferenceSession):\n"
        "    def __init__(self, path, *a, **k):\n"
        "        made.append(str(path)); super().__init__(path, *a, **k)\n"
        "ort.InferenceSession = Session\n"
        "from photoseek.cli.main import main\n"
        "rc = main(['search', 'red', '--json', '-n', '1'])\n"
        f"print(json.dumps([m for m in ({HEAVY!r} + HEAVY_MORE) if m in sys.modules]))\n"
        "print(json.dumps(made))\n"
    )
    p = subprocess.run([sys.executable, "-c", code.replace("HEAVY_MORE", "()")], capture_output=True, text=True,
                       timeout=120, env=os.environ)
    assert p.returncode == 0, p.stderr
    hits_line, loaded_line, sessions_line = p.stdout.strip().splitlines()
    assert Path(json.loads(hits_line)[0]["path"]).name == "IMG_0.jpg"
    assert json.loads(loaded_line) == []
    sessions = [Path(s) for s in json.loads(sessions_line)]
    assert [s.parent.name for s in sessions] == ["textual"]  # the text model only (optimised and saved now)
    cached = [f.name.split(".")[0] for f in (home / "cache" / "ort").iterdir()]
    assert "tiny-textual" in cached  # optimised once for the next search
    p = subprocess.run([sys.executable, "-c", code.replace("HEAVY_MORE", "('onnx', 'zipfile')")], capture_output=True,
                       text=True, timeout=120, env=os.environ)
    _, loaded_line, sessions_line = p.stdout.strip().splitlines()
    sessions = [Path(s) for s in json.loads(sessions_line)]
    assert len(sessions) == 1 and sessions[0].parent.name.startswith("tiny-textual.")  # which it loads as it is
    # the first search looked at the text model (onnx, which imports zipfile) to see if it takes any length; it
    # does, and the cache notes it: later searches load neither
    assert json.loads(loaded_line) == []


def test_device_flag_and_status_say_where_models_run(home, indexed):
    exe = Path(sys.executable).parent / "photoseek"
    st = subprocess.run([exe, "status"], capture_output=True, text=True, timeout=120)
    assert "Device    cpu\n" in st.stdout
    p = subprocess.run([exe, "--device", "cuda", "search", "red", "-n", "1"], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0 and "IMG_0.jpg" in p.stdout
    assert p.stderr.count("\n") == 1 and "cuda is not available in this onnxruntime" in p.stderr
    assert "using the CPU" in p.stderr and "onnxruntime-gpu" in p.stderr
    js = json.loads(subprocess.run([exe, "--device", "cuda", "status", "--json"], capture_output=True, text=True,
                                   timeout=120).stdout)
    assert js["device"].startswith("cpu; cuda is not available")
    bad = subprocess.run([exe, "--device", "gpu", "status"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_a_bad_device_setting_is_a_clear_error(home, indexed):
    (home / "config.toml").write_text('model = "tiny"\ndevice = "gpu"\n')
    exe = Path(sys.executable).parent / "photoseek"
    p = subprocess.run([exe, "search", "red"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and "unknown device 'gpu'" in p.stderr and "config.toml" in p.stderr


# what a search may load before it asks a running PhotoSeek: the standard library and a few small modules of ours
BEFORE_ASKING = ("numpy", "sqlite3", "onnxruntime", "tokenizers", "usearch", "babel", "platformdirs", "tomli_w",
                 "photoseek.core.library", "photoseek.core.config")


def _search_asking_a_holder(home: Path) -> None:
    """A CLI search, as a terminal runs it, while another process holds the library: the holder answers it, and
    before it asked, the search had loaded nothing heavy."""
    code = (
        "import sys, json\n"
        "from photoseek.core import search_endpoint\n"
        "real_ask = search_endpoint.ask\n"
        "def ask(*a, **k):\n"
        f"    print(json.dumps([m for m in {BEFORE_ASKING!r} if m in sys.modules]))\n"
        "    return real_ask(*a, **k)\n"
        "search_endpoint.ask = ask\n"
        "from photoseek.cli.main import main\n"
        "rc = main(['search', 'green', '--json', '-n', '1'])\n"
        f"print(json.dumps([m for m in {BEFORE_ASKING + HEAVY!r} if m in sys.modules]))\n"
    )
    deadline = time.monotonic() + 60
    while not (home / "search.key").exists():  # the endpoint is set up on a thread, just after the start
        assert time.monotonic() < deadline, "the holder never served"
        time.sleep(0.1)
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 0, p.stderr
    before, hits_line, after = p.stdout.strip().splitlines()
    assert json.loads(before) == []
    assert Path(json.loads(hits_line)[0]["path"]).name == "IMG_1.jpg"
    assert json.loads(after) == []  # the holder answered: nothing was loaded to search here


def test_photoseek_watch_answers_a_search_that_loads_nothing_heavy(home, indexed):
    from watch_process import WatchProcess

    watch = WatchProcess(settle_s=0.5)
    try:
        watch.wait_for("watching 1 folder")
        _search_asking_a_holder(home)
        assert watch.stop() == 0
    finally:
        watch.close()
    assert not (home / "search.key").exists() and not (home / "search.sock").exists()


@pytest.mark.slow
def test_the_desktop_app_answers_a_search_that_loads_nothing_heavy(home, indexed, tmp_path):
    log = tmp_path / "gui.log"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    with log.open("wb") as out:
        gui = subprocess.Popen([Path(sys.executable).parent / "photoseek"], stdout=out, stderr=subprocess.STDOUT,
                               env={**env, "QT_QPA_PLATFORM": "offscreen"})
    try:
        _search_asking_a_holder(home)
        assert "answering searches on" in log.read_text()
    finally:
        gui.send_signal(signal.SIGTERM)  # the app closes its window on SIGTERM
        assert gui.wait(60) == 0, log.read_text()
    assert not (home / "search.key").exists() and not (home / "search.sock").exists()


def test_a_search_piped_into_a_reader_that_stops_early_ends_quietly(home, indexed):
    """A read-only command ends without the interpreter's teardown (cli.main.leave): everything it printed still
    arrives, in order, and a reader that goes away early (`| head -1`) gets no traceback and exit code 0."""
    exe = Path(sys.executable).parent / "photoseek"
    full = subprocess.run([exe, "search", "red", "--all", "-n", "3"], capture_output=True, text=True, timeout=120)
    assert full.returncode == 0 and len(full.stdout.splitlines()) == 3 and "IMG_0.jpg" in full.stdout.splitlines()[0]
    status = subprocess.run([exe, "status"], capture_output=True, text=True, timeout=120)
    assert status.returncode == 0 and status.stdout.endswith(f"  {indexed}  3 photos\n") and "Photos    3" in status.stdout
    head = subprocess.run(f"'{exe}' search red --all -n 3 | head -c 1; exit ${{PIPESTATUS[0]}}", shell=True,
                          executable="/bin/bash", capture_output=True, text=True, timeout=120)
    assert head.returncode == 0 and head.stdout == full.stdout[:1] and head.stderr == ""
