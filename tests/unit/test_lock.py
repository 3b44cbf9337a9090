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
        with pytest.raises(CatalogError, match="is already indexing this library") as ei:
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


HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from photoseek.core.indexing.lock import WriterLock
    sys.argv = sys.argv[1:]  # pose as the program given on the command line
    with WriterLock(Path(sys.argv.pop(0))):
        print("held", flush=True)
        time.sleep(60)
""")


@pytest.mark.parametrize(("argv", "who"), [
    (["/home/u/.local/bin/photoseek"], "the PhotoSeek desktop app (process {pid})"),
    (["/opt/PhotoSeek/photoseek", "gui", "/tmp/a.jpg"], "the PhotoSeek desktop app (process {pid})"),
    (["/usr/bin/photoseek", "watch"], "`photoseek watch` (process {pid})"),
])
def test_refusal_names_the_process_that_holds_the_lock(tmp_path, argv, who):
    path = tmp_path / "writer.lock"
    env = {"PYTHONPATH": ":".join(p for p in sys.path if p)}
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path), *argv], stdout=subprocess.PIPE, text=True,
                              env=env)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(CatalogError) as ei:
            WriterLock(path).acquire()
        assert str(ei.value) == who.format(pid=holder.pid) + " is already indexing this library"
        assert "Searching works meanwhile" in (ei.value.hint or "")
    finally:
        holder.kill()
        holder.wait(timeout=30)
    with WriterLock(path):  # the holder died: the OS released its lock, its stale note does not matter
        pass


def test_unreadable_or_foreign_holder_notes_fall_back_to_a_plain_phrase():
    from photoseek.core.indexing.lock import describe_holder

    assert describe_holder(b"") == "another PhotoSeek process"
    assert describe_holder(b'{"format": 99, "pid": 1}') == "another PhotoSeek process"
    assert describe_holder(b'{"format": 1, "pid": 7, "argv": ["pytest", "-q"]}') == (
        "another PhotoSeek process (process 7, pytest)")
