"""Only one PhotoSeek process may index a library at a time."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from photoseek.core.errors import CatalogError
from photoseek.core.indexing.lock import WriterLock


def test_second_lock_in_same_process_is_refused_then_allowed_after_release(tmp_path):
    path = tmp_path / "index.lock"
    first = WriterLock(path)
    first.acquire()
    try:
        with pytest.raises(CatalogError, match="another PhotoSeek process") as ei:
            WriterLock(path).acquire()
        assert ei.value.hint
    finally:
        first.release()
    with WriterLock(path):  # free again
        pass


def test_lock_held_by_another_process_is_refused(tmp_path):
    path = tmp_path / "index.lock"
    code = textwrap.dedent(f"""
        import sys
        from photoseek.core.indexing.lock import WriterLock
        from photoseek.core.errors import CatalogError
        try:
            WriterLock(__import__("pathlib").Path({str(path)!r})).acquire()
        except CatalogError:
            sys.exit(3)
        sys.exit(0)
    """)
    env_path = {"PYTHONPATH": ":".join(p for p in sys.path if p)}
    with WriterLock(path):
        held = subprocess.run([sys.executable, "-c", code], env=env_path, timeout=30)
    free = subprocess.run([sys.executable, "-c", code], env=env_path, timeout=30)
    assert held.returncode == 3
    assert free.returncode == 0
