"""`photoseek search` from a cold process on a 10k-photo library, in process and asking a running holder.

    python bench/cold_search.py [--packs int8,fp32] [--runs 5]

Libraries: bench/out/scale-10000 (int8 pack) and bench/out/scale-10000-fp32, built by bench/scale.py
(``--sizes 10000 --cli-only``, ``--tag fp32`` with the fp32 pack) when missing; packs in bench/out/packs.

For each pack:
- in process: wall time of `photoseek --library L search QUERY -n 20` in a fresh process, nobody holding the
  library (one run first writes the optimised text model, as `models install` does), median of ``--runs``;
- where it goes: one child timing imports, opening the library, tokenizer, text session, the first query, and the
  imports the CLI does before it asks a holder;
- via the socket: the same commands while a holder (a child with the library open read-only and its text model
  loaded, as the desktop app or `photoseek watch` has it) serves the library; the outputs must equal the
  in-process ones.
Each line prints the goal (int8 < 0.3 s, fp32 < 0.5 s) and, when missed, by how much; the load average (1 min) is
printed with every figure since the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
EXE = Path(sys.executable).parent / "photoseek"
QUERIES = ["a dog on the beach", "sunset over mountains", "birthday cake with candles", "red car in the snow",
           "children playing in a park", "old stone bridge", "plate of pasta", "city skyline at night"]
PACKS = {"int8": ("ViT-B-32-256-int8", "scale-10000", 0.3), "fp32": ("ViT-B-32-256", "scale-10000-fp32", 0.5)}


def load() -> float:
    return os.getloadavg()[0]


def search_args(home: Path, i: int) -> list[str]:
    return [str(EXE), "--library", str(home), "search", QUERIES[i % len(QUERIES)], "-n", "20"]


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds a running process has used so far (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_env() -> dict[str, str]:
    """The environment of a search as a user runs it: no PHOTOSEEK_HOME, and Python keeps compiled modules (an
    installed PhotoSeek has them; PYTHONDONTWRITEBYTECODE, set on some CI machines, would add ~60 ms of compiling
    to every run)."""
    return {k: v for k, v in os.environ.items() if k not in ("PHOTOSEEK_HOME", "PYTHONDONTWRITEBYTECODE")}


def cli_wall(home: Path, runs: int, first: int = 0) -> tuple[list[float], list[float], list[str]]:
    """Wall seconds, CPU seconds and stdout of ``runs`` cold `photoseek search` processes (queries ``first``,
    ``first + 1``...). On a shared machine the CPU time is the steadier figure: it is what the search costs, the
    wall time adds what the other processes take from it."""
    times, cpu, outs = [], [], []
    env = child_env()
    for i in range(first, first + runs):
        c, t = children_cpu(), time.perf_counter()
        p = subprocess.run(search_args(home, i), capture_output=True, text=True, check=True, timeout=300, env=env)
        times.append(time.perf_counter() - t)
        cpu.append(children_cpu() - c)
        outs.append(p.stdout)
    return times, cpu, outs


PHASES = """
import json, sys, time
t0 = time.perf_counter()
import photoseek.cli.main
t1 = time.perf_counter()
from photoseek.core.library import Library
from photoseek.core.domain import SearchRequest
t2 = time.perf_counter()
lib = Library(sys.argv[1], read_only=True)
n = len(lib.vindex)
t3 = time.perf_counter()
lib.embedder._get_tokenizer()
t4 = time.perf_counter()
lib.embedder._textual_session()
t5 = time.perf_counter()
lib.find(SearchRequest(query="a dog on the beach", limit=20))
t6 = time.perf_counter()
print(json.dumps({"cli imports (before asking a holder)": t1 - t0, "library imports": t2 - t1,
                  "open library + vector index": t3 - t2, "tokenizer": t4 - t3, "text session": t5 - t4,
                  "first query": t6 - t5}))
"""

HOLDER = """
import sys
from photoseek.core.domain import SearchRequest
from photoseek.core.library import Library
from photoseek.core.search_server import SearchServer
lib = Library(sys.argv[1], read_only=True)
lib.find(SearchRequest(query="warm up", limit=20))  # a holder that has searched once has its text model loaded
server = SearchServer(lib)
server.start()
assert server.serving.wait(30), "the holder could not claim the endpoint"
print("ready", flush=True)
sys.stdin.read()  # until the bench closes our stdin
server.stop()
print(server.answered, flush=True)
lib.close()
"""


def python_startup(runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def line(label: str, value: float, goal: float | None, at_load: float) -> None:
    verdict = ""
    if goal is not None:
        verdict = "ok" if value < goal else f"MISSED by {value - goal:.3f} s ({value / goal:.2f}x the goal)"
        verdict = f"goal < {goal:g} s  {verdict}"
    print(f"  {label:<44} {value:7.3f} s  (load {at_load:.1f})  {verdict}")


def bench_pack(name: str, runs: int) -> None:
    pack_id, lib_name, goal = PACKS[name]
    home, pack = OUT / lib_name, OUT / "packs" / pack_id
    if not (home / "scale-stamp.json").is_file():
        tag = ["--tag", "fp32"] if name == "fp32" else []
        subprocess.run([sys.executable, str(ROOT / "scale.py"), "--pack", str(pack), "--sizes", "10000", "--cli-only",
                        *tag], check=True)
    print(f"\n{name}: {pack_id}, {home}")
    cli_wall(home, 1)  # writes the optimised text model once (`models install` does it at install)

    before = load()
    cold, cold_cpu, cold_out = cli_wall(home, runs)
    line(f"cold search in process (median of {runs})", statistics.median(cold), goal, (before + load()) / 2)
    print(f"  {'  runs':<44} {' '.join(f'{t:.3f}' for t in cold)}")
    print(f"  {'  CPU time of the process (median)':<44} {statistics.median(cold_cpu):7.3f} s")

    env = {**child_env(), "PYTHONPATH": str(ROOT.parent / "src")}
    p = subprocess.run([sys.executable, "-c", PHASES, str(home)], capture_output=True, text=True, check=True, env=env)
    at = load()
    for label, s in json.loads(p.stdout.strip().splitlines()[-1]).items():
        print(f"  {'  ' + label:<44} {s:7.3f} s  (load {at:.1f})")

    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(home)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "ready"
        before, held = load(), process_cpu(holder.pid)
        served, served_cpu, served_out = cli_wall(home, runs)
        at, held = (before + load()) / 2, (process_cpu(holder.pid) - held) / runs
        holder.stdin.close()
        answered = int(holder.stdout.readline())
    finally:
        holder.wait(60)
    assert answered == runs, f"the holder answered {answered} of {runs} searches"
    assert served_out == cold_out, "answers via the socket differ from the in-process ones"
    line(f"search via the socket (median of {runs})", statistics.median(served), goal, at)
    print(f"  {'  runs':<44} {' '.join(f'{t:.3f}' for t in served)}")
    print(f"  {'  CPU time of the asking process (median)':<44} {statistics.median(served_cpu):7.3f} s")
    print(f"  {'  CPU time of the holder per answer (mean)':<44} {held:7.3f} s")
    print(f"  {'  same output as in process':<44} yes ({runs} queries)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packs", default="int8,fp32", help="int8, fp32 or both (default)")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    print(f"{os.cpu_count()} cores, load average {load():.2f}; `python -c pass` takes "
          f"{python_startup():.3f} s here")
    for name in a.packs.split(","):
        bench_pack(name, a.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
