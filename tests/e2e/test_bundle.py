"""The PyInstaller app folder (`make dist` -> dist/PhotoSeek/) works on its own: CLI headless, GUI offscreen.

The build takes a minute or more, so `make test` uses a bundle only when one was built; CI builds it
(`.ci/run` with CI=true) and sets PHOTOSEEK_REQUIRE_BUNDLE=1 so a missing bundle fails instead of skipping.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = Path(os.environ.get("PHOTOSEEK_BUNDLE", ROOT / "dist" / "PhotoSeek" / "photoseek"))
PHOTOS = ROOT / "tests" / "data" / "photos"



def _stale() -> bool:
    """A bundle older than the sources would test yesterday's code."""
    built = BUNDLE.stat().st_mtime
    return any(f.stat().st_mtime > built for f in (ROOT / "src").rglob("*.py"))


if os.environ.get("PHOTOSEEK_REQUIRE_BUNDLE") == "1" or "PHOTOSEEK_BUNDLE" in os.environ:
    if not BUNDLE.is_file():
        raise RuntimeError(f"no bundle at {BUNDLE}: run `make dist` first")
elif not BUNDLE.is_file() or _stale():
    pytest.skip("no up-to-date PyInstaller bundle (make dist)", allow_module_level=True)

pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Nothing from this checkout or its venv: the bundle must find its own pack and libraries."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER")
    e = {k: v for k, v in os.environ.items() if k in keep}
    e.update(PHOTOSEEK_HOME=str(tmp_path / "library"), XDG_DATA_HOME=str(tmp_path / "share"))
    return e


def run(env: dict[str, str], cwd: Path, *args: str) -> str:
    p = subprocess.run([str(BUNDLE), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)
    assert p.returncode == 0, f"photoseek {' '.join(args)} -> {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p.stdout


def test_bundled_cli_indexes_and_searches_real_photos(env: dict[str, str], tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    shutil.copytree(PHOTOS, photos, ignore=shutil.ignore_patterns("*.md"))
    assert "Photos    0" in run(env, tmp_path, "status")
    run(env, tmp_path, "folders", "add", str(photos))
    assert "6 photos found, 6 indexed" in run(env, tmp_path, "index")
    hits = json.loads(run(env, tmp_path, "search", "a cup of coffee", "--json", "-n", "3"))
    assert Path(hits[0]["path"]) == photos / "coffee.jpg"
    hits = json.loads(run(env, tmp_path, "search", "a rocket launch", "--json", "-n", "3"))
    assert Path(hits[0]["path"]) == photos / "rocket.jpg"
    st = json.loads(run(env, tmp_path, "status", "--json"))
    assert (st["model"], st["indexed"]) == ("basic", 6)
    assert run(env, tmp_path, "models", "verify").strip() == "basic: ok"
    run(env, tmp_path, "install-desktop")
    entry = (tmp_path / "share" / "applications" / "io.photoseek.PhotoSeek.desktop").read_text()
    assert f"Exec={BUNDLE} gui %F" in entry.splitlines()


def test_bundle_carries_the_model_catalog_and_int8_conversion(env: dict[str, str], tmp_path: Path) -> None:
    """A user of the app folder can list the downloadable models and install a CLIP pack as int8 (onnx inside)."""
    catalog = json.loads(run(env, tmp_path, "models", "available", "--json"))
    assert "clip-vit-b32" in {m["id"] for m in catalog}
    out = run(env, tmp_path, "models", "install", str(ROOT / "tests" / "data" / "clip_tiny"), "--name", "tiny8",
              "--quantize")
    assert "tiny8" in out
    assert "tiny8: ok" in run(env, tmp_path, "models", "verify")


def test_bundled_gui_shows_its_window_offscreen(env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "gui.log"
    started = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen([str(BUNDLE)], stdout=out, stderr=subprocess.STDOUT,
                                env={**env, "QT_QPA_PLATFORM": "offscreen"}, cwd=tmp_path)
    try:
        while "window shown" not in log.read_text(errors="replace"):
            assert proc.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() - started < 120, log.read_text(errors="replace")
            time.sleep(0.05)
        time.sleep(2)  # let it run: the first index run and the watcher start
        assert proc.poll() is None, log.read_text(errors="replace")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    text = log.read_text(errors="replace")
    assert code == 0, text
    assert "Traceback" not in text and "could not load" not in text.lower()


def test_bundled_gui_without_display_explains(env: dict[str, str], tmp_path: Path) -> None:
    p = subprocess.run([str(BUNDLE)], capture_output=True, text=True, env={**env, "QT_QPA_PLATFORM": "xcb"},
                       cwd=tmp_path, timeout=120)
    assert p.returncode == 1, p.stderr
    assert p.stderr.startswith("PhotoSeek cannot open its window: no display was found"), p.stderr
    assert "command line works without a display" in p.stderr
