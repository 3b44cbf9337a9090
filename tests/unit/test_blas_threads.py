"""numpy's BLAS runs on the calling thread in PhotoSeek processes (its spinning workers slowed every query)."""

from __future__ import annotations

import os
import subprocess
import sys

CODE = "import photoseek, numpy, os; print(os.environ.get('OPENBLAS_NUM_THREADS'))"


def _run(env: dict[str, str]) -> str:
    return subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, env=env, check=True,
                          timeout=60).stdout.strip()


def test_importing_photoseek_gives_numpy_one_blas_thread_unless_the_user_chose():
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    assert _run(env) == "1"
    assert _run({**env, "OPENBLAS_NUM_THREADS": "3"}) == "3"
