"""Several PhotoSeek processes starting together on a new (or old-schema) library: one creates or migrates the
schema, the others wait for it; every command succeeds and the catalog is whole.

Real processes, released together by a start file once each has imported PhotoSeek, so their catalog opens
really overlap (started one by one, import times would spread them out and hide the race).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from photoseek.core.storage.catalog import SCHEMA_VERSION

_PROCESS = """
import os, sys, time
from photoseek.cli.main import main
go, ready = sys.argv[1], sys.argv[2]
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.001)
sys.exit(main(sys.argv[3:]))
"""
ROUNDS = int(os.environ.get("PHOTOSEEK_RACE_ROUNDS", "2"))  # raise it to hunt for rare interleavings


def _together(home: Path, commands: list[list[str]], tmp: Path) -> list[subprocess.CompletedProcess[str]]:
    start = tmp / f"start-{time.monotonic_ns()}"
    start.mkdir()
    env = {**os.environ, "PHOTOSEEK_HOME": str(home)}
    procs = [subprocess.Popen([sys.executable, "-c", _PROCESS, str(start / "go"), str(start / f"ready{i}"), *c],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i, c in enumerate(commands)]
    deadline = time.monotonic() + 120
    while len(list(start.glob("ready*"))) < len(commands) and time.monotonic() < deadline:
        time.sleep(0.01)  # every process has imported PhotoSeek and waits at the start line
    (start / "go").touch()
    out = []
    for p, c in zip(procs, commands, strict=True):
        stdout, stderr = p.communicate(timeout=120)
        out.append(subprocess.CompletedProcess(c, p.returncode, stdout, stderr))
    return out


def _check(home: Path, results: list[subprocess.CompletedProcess[str]], folders: list[Path]) -> None:
    for r in results:
        assert r.returncode == 0, f"{r.args}: {r.stderr}"
        assert "Traceback" not in r.stderr and "locked" not in r.stderr
    con = sqlite3.connect(home / "catalog.sqlite")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert sorted(r[0] for r in con.execute("SELECT path FROM folders")) == sorted(str(f) for f in folders)
    finally:
        con.close()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_eight_folders_add_on_a_new_library(tmp_path, tiny_models, monkeypatch, round_):
    monkeypatch.setenv("PHOTOSEEK_BUILTIN_MODELS", str(tiny_models))
    home = tmp_path / "library"
    folders = [tmp_path / f"pics{i}" for i in range(8)]
    for f in folders:
        f.mkdir()
    _check(home, _together(home, [["folders", "add", str(f)] for f in folders], tmp_path), folders)


def test_eight_processes_migrate_an_old_library_once(tmp_path, tiny_models, monkeypatch):
    from photoseek.core.storage import schema

    monkeypatch.setenv("PHOTOSEEK_BUILTIN_MODELS", str(tiny_models))
    home = tmp_path / "library"
    home.mkdir()
    con = sqlite3.connect(home / "catalog.sqlite")  # a library written by the first release (schema 1)
    con.executescript(schema.MIGRATIONS[0] + "; PRAGMA user_version=1;")
    con.execute("INSERT INTO folders(path, added_at) VALUES(?, 0)", (str(tmp_path / "old"),))
    con.commit()
    con.close()
    folders = [tmp_path / "old", *(tmp_path / f"pics{i}" for i in range(7))]
    for f in folders:
        f.mkdir()
    _check(home, _together(home, [["folders", "add", str(f)] for f in folders[1:]] + [["status"]], tmp_path), folders)
