"""A library on a disk that fills up: clear messages, no traceback, no signal, nothing committed is lost.

These run the real `photoseek` command on a real small file system: tmpfs (as in the report, 600 KB) and a 1 MiB
ext4 image (1 KiB blocks, where SQLite's shared-memory file used to get the process killed with SIGBUS). Mounting
needs root; elsewhere they skip, and the unit tests simulate the failures at the boundary (usearch, SQLite).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

EXE = shutil.which("photoseek", path=str(Path(sys.executable).parent)) or shutil.which("photoseek")


def _can_mount() -> bool:
    return sys.platform.startswith("linux") and os.geteuid() == 0 and shutil.which("mount") is not None


pytestmark = pytest.mark.skipif(not _can_mount(), reason="mounting a small file system needs root on Linux")


def _sh(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)


@pytest.fixture
def mounts() -> Iterator[list[Path]]:
    mounted: list[Path] = []
    yield mounted
    for m in reversed(mounted):
        subprocess.run(["umount", "-l", str(m)], capture_output=True, timeout=60)


def _tmpfs(where: Path, size: str, mounts: list[Path]) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    try:
        _sh("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where))
    except subprocess.CalledProcessError as e:
        pytest.skip(f"cannot mount tmpfs here: {e.stderr!r}")
    mounts.append(where)
    return where


def _ext4(image: Path, where: Path, mounts: list[Path]) -> Path:
    if not shutil.which("mkfs.ext4"):
        pytest.skip("no mkfs.ext4")
    where.mkdir(parents=True, exist_ok=True)
    if not image.exists():
        with open(image, "wb") as f:
            f.truncate(1024 * 1024)
        _sh("mkfs.ext4", "-q", "-F", "-b", "1024", str(image))
    try:
        _sh("mount", "-o", "loop", str(image), str(where))
    except subprocess.CalledProcessError as e:
        pytest.skip(f"cannot loop-mount here: {e.stderr!r}")
    mounts.append(where)
    shutil.rmtree(where / "lost+found", ignore_errors=True)
    return where


def _umount(where: Path, mounts: list[Path]) -> None:
    _sh("umount", str(where))
    mounts.remove(where)


@pytest.fixture
def pics(tmp_path: Path, make_photo) -> Path:
    root = tmp_path / "Pictures"
    for i in range(240):
        make_photo(root / f"IMG_{i:04d}.jpg", ["red", "green", "blue", "yellow"][i % 4], size=(48, 32), seed=i)
    return root


def _runner(lib: Path, models: Path):
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env.update(PHOTOSEEK_HOME=str(lib), PHOTOSEEK_BUILTIN_MODELS=str(models))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        p = subprocess.run([EXE, *args], capture_output=True, text=True, env=env, timeout=300)  # type: ignore[list-item]
        assert p.returncode >= 0, f"photoseek {' '.join(args)} was killed by signal {-p.returncode}\n{p.stderr}"
        assert "Traceback" not in p.stderr, p.stderr
        return p

    return run


def _new_library(lib: Path) -> None:
    (lib / "config.toml").write_text('model = "tiny"\nbatch_size = 8\n')


_CHECK = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
print(con.execute("PRAGMA integrity_check").fetchone()[0], con.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])
"""


def _integrity_and_vectors(lib: Path) -> int:
    """PRAGMA integrity_check and the number of vectors, from another process (SQLite on a full disk could fault)."""
    p = subprocess.run([sys.executable, "-c", _CHECK, str(lib / "catalog.sqlite")], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    verdict, count = p.stdout.split()
    assert verdict == "ok"
    return int(count)


_KILLED_WRITER = """
import os, sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA wal_autocheckpoint=0")
for i in range(20):
    con.execute("INSERT OR REPLACE INTO settings(key, value) VALUES(?, ?)", (f"k{i}", "v" * 200))
os._exit(0)  # as kill -9: the WAL keeps frames no checkpoint copied, the -shm file stays
"""


def _fill(where: Path) -> Path | None:
    """Take every last byte of the file system (as another program writing a large file would)."""
    filler = where / "filler.bin"
    try:
        with open(filler, "wb") as f:
            while True:
                f.write(b"\0" * 1024)
                f.flush()
    except OSError:
        pass
    return filler if filler.exists() else None


def test_index_on_a_full_tmpfs_says_so_and_keeps_every_committed_batch(tmp_path, tiny_models, pics, mounts):
    lib = _tmpfs(tmp_path / "lib", "600k", mounts)
    _new_library(lib)
    run = _runner(lib, tiny_models)
    assert run("folders", "add", str(pics)).returncode == 0
    first = run("index", "-q")
    assert first.returncode == 1
    assert "full" in first.stderr and "Free some space" in first.stderr
    assert not list(lib.rglob("*.tmp")), "a half-written temp file was left on the full disk"
    kept = _integrity_and_vectors(lib)
    assert kept > 0  # batches committed before the disk filled
    assert run("status").returncode in (0, 1)  # a clear answer either way (it has room to read, or says why not)

    _sh("mount", "-o", "remount,size=32m", str(lib))  # the user frees space
    again = run("index", "-q")
    assert again.returncode == 0, again.stderr
    assert f"{240 - kept} indexed" in again.stdout  # only what was not committed is embedded again
    assert _integrity_and_vectors(lib) == 240
    hit = run("search", "green", "-n", "1", "--all")
    assert hit.returncode == 0 and "IMG_" in hit.stdout


def test_a_full_ext4_volume_never_kills_status_or_search(tmp_path, tiny_models, pics, mounts):
    image = tmp_path / "small.ext4"
    lib = _ext4(image, tmp_path / "lib", mounts)
    _new_library(lib)
    run = _runner(lib, tiny_models)
    few = tmp_path / "Few"
    few.mkdir()
    for f in sorted(pics.iterdir())[:40]:  # room to spare: the disk is filled later, by someone else
        shutil.copy(f, few)
    run("folders", "add", str(few))
    assert run("index", "-q").returncode == 0
    kept = _integrity_and_vectors(lib)
    assert kept > 0
    subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(lib / "catalog.sqlite")], check=True, timeout=60)
    _umount(lib, mounts)
    lib = _ext4(image, lib, mounts)  # as after a reboot: nothing of the library is in the page cache
    filler = _fill(lib)
    for args in (("status",), ("search", "red"), ("index", "-q")):
        p = run(*args)
        assert p.returncode == 0 or (p.returncode == 1 and "is full" in p.stderr), (args, p.stderr)
        assert "repair" not in p.stderr and "aside" not in p.stderr  # no hint to throw a healthy file away
    assert filler is not None
    filler.unlink()  # the user makes room
    assert run("status").returncode == 0
    assert _integrity_and_vectors(lib) == kept
