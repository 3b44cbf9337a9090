"""One desktop window per library, across real processes; a CLI index run names the app that is indexing."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

EXE = shutil.which("photoseek", path=str(Path(sys.executable).parent)) or shutil.which("photoseek")
pytestmark = pytest.mark.slow


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(extra)
    return env


def _wait_for(log: Path, text: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not logged (exit {proc.poll()}):\n{log.read_text(errors='replace')}")


def _start_gui(log: Path, *args: str) -> subprocess.Popen[bytes]:
    assert EXE, "the photoseek console script is not installed (pip install -e .)"
    with log.open("wb") as out:
        return subprocess.Popen([EXE, *args], stdout=out, stderr=subprocess.STDOUT, env=_env())


def _stop(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # the app closes its window on SIGTERM, as on a session logout
    try:
        return proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)
        raise


def test_second_start_raises_the_first_window_instead_of_opening_another(home: Path, tmp_path: Path,
                                                                         make_photo) -> None:
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = _start_gui(first_log)
    try:
        _wait_for(first_log, "window shown", first)
        query = make_photo(tmp_path / "query.jpg", "red")
        second = subprocess.run([EXE, "gui", str(query)], capture_output=True, text=True, env=_env(), timeout=60)
        assert second.returncode == 0, second.stderr
        assert "already open for this library; brought its window to the front" in second.stderr
        assert "window shown" not in second.stderr  # it never opened a window of its own
        _wait_for(first_log, "window raised for another start", first)
        assert "another start asked for the window with 1 image(s)" in first_log.read_text()
        assert first.poll() is None  # the first window is still there
    finally:
        code = _stop(first)
    assert code == 0, first_log.read_text()
    assert "closing on a signal" in first_log.read_text()

    # with the first one gone (its socket and lock released) the next start opens a window again
    again = _start_gui(second_log)
    try:
        _wait_for(second_log, "window shown", again)
    finally:
        assert _stop(again) == 0


def test_a_window_on_another_library_is_not_taken_over(home: Path, tmp_path: Path) -> None:
    first_log = tmp_path / "first.log"
    first = _start_gui(first_log)
    try:
        _wait_for(first_log, "window shown", first)
        other = tmp_path / "other-library"
        other.mkdir()
        (other / "config.toml").write_text((home / "config.toml").read_text())
        log = tmp_path / "other.log"
        with log.open("wb") as out:
            second = subprocess.Popen([EXE], stdout=out, stderr=subprocess.STDOUT,
                                      env=_env(PHOTOSEEK_HOME=str(other)))
        try:
            _wait_for(log, "window shown", second)
        finally:
            assert _stop(second) == 0
    finally:
        assert _stop(first) == 0


HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from photoseek.core.indexing.lock import WriterLock
    sys.argv = [sys.argv[2]]  # what the desktop app's process looks like: the `photoseek` command, no arguments
    with WriterLock(Path({lock!r})):
        print("held", flush=True)
        time.sleep(120)
""")


def test_cli_index_while_the_desktop_app_indexes_names_it(home: Path, tmp_path: Path, make_photo) -> None:
    pics = tmp_path / "Pictures"
    make_photo(pics / "a.jpg", "red")
    env = _env()
    assert subprocess.run([EXE, "folders", "add", str(pics)], env=env, capture_output=True, timeout=60).returncode == 0
    code = HOLDER.replace("{lock!r}", repr(str(home / "writer.lock")))
    holder = subprocess.Popen([sys.executable, "-c", code, "x", EXE], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        p = subprocess.run([EXE, "index"], capture_output=True, text=True, env=env, timeout=60)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert p.returncode == 1
    assert f"the PhotoSeek desktop app (process {holder.pid}) is already indexing this library" in p.stderr
    assert "Searching works meanwhile" in p.stderr
    assert "1 indexed" in subprocess.run([EXE, "index"], capture_output=True, text=True, env=env,
                                         timeout=60).stdout
