"""Sizes of what `make dist` built and how fast the bundled desktop app opens its window.

    make dist && .venv/bin/python bench/bundle_start.py [--runs 5]

Start time: from spawning the process to the app's "window shown" log line (the window is shown and the event
loop about to run), offscreen. "Cold": the bundle's files are first dropped from the page cache
(posix_fadvise DONTNEED, no root needed; system libraries stay cached), as after a reboot or a long idle.
"Warm": straight after another start. The same is measured for this checkout's venv (`.venv/bin/photoseek`) as
the baseline. Prints one line per measurement; packaging/README.md quotes them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLE_DIR = ROOT / "dist" / "PhotoSeek"


def tree_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def drop_cache(path: Path) -> None:
    for f in path.rglob("*"):
        if f.is_file() and not f.is_symlink():
            fd = os.open(f, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def start_seconds(exe: str, home: Path) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PHOTOSEEK_HOME": str(home)}
    env.pop("PHOTOSEEK_BUILTIN_MODELS", None)
    log = home / "start.log"
    with log.open("wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen([exe], stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        while b"window shown" not in log.read_bytes():
            if proc.poll() is not None:
                raise RuntimeError(log.read_text(errors="replace"))
            time.sleep(0.005)
        return time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    exe = BUNDLE_DIR / "photoseek"
    if not exe.is_file():
        print("no bundle: run `make dist` first", file=sys.stderr)
        return 1
    mb = 1024 * 1024
    print(f"bundle folder          {tree_bytes(BUNDLE_DIR) / mb:8.1f} MiB  ({BUNDLE_DIR.relative_to(ROOT)})")
    for pattern in ("PhotoSeek-*.tar.gz", "photoseek-*.whl"):
        for f in sorted((ROOT / "dist").glob(pattern)):
            print(f"{f.name:<38} {f.stat().st_size / mb:8.1f} MiB")
    internal = BUNDLE_DIR / "_internal"
    parts = sorted(((tree_bytes(p) if p.is_dir() else p.stat().st_size, p.name) for p in internal.iterdir()
                    if not p.is_symlink()), reverse=True)[:8]
    print("largest parts          " + ", ".join(f"{n} {b / mb:.0f}" for b, n in parts) + " (MiB)")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        cold, warm = [], []
        for _ in range(a.runs):
            drop_cache(BUNDLE_DIR)
            cold.append(start_seconds(str(exe), home))
            warm.append(start_seconds(str(exe), home))
        venv = ROOT / ".venv" / "bin" / "photoseek"
        base = [start_seconds(str(venv), home) for _ in range(a.runs)] if venv.is_file() else []
    print(f"bundle start, cold     median {statistics.median(cold):.2f} s  (min {min(cold):.2f}, max {max(cold):.2f})")
    print(f"bundle start, warm     median {statistics.median(warm):.2f} s  (min {min(warm):.2f}, max {max(warm):.2f})")
    if base:
        print(f"venv start, warm       median {statistics.median(base):.2f} s  (baseline: same app from .venv)")
    print(f"cpu cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
