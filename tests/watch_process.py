"""`photoseek watch` in a child process, as a terminal user runs it: its output lines collected as they come."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

_CODE = ("import argparse, sys\n"
         "from photoseek.cli import watch_cmd\n"
         "from photoseek.core.library import Library\n"
         "p = argparse.ArgumentParser(); watch_cmd.add_arguments(p)\n"
         "with Library() as lib:\n"
         "    sys.exit(watch_cmd.run(lib, p.parse_args(sys.argv[1:])))\n")


class WatchProcess:
    """Start with ``settle_s``; :meth:`wait_for` a line; :meth:`stop` sends SIGTERM and returns the exit status."""

    def __init__(self, settle_s: float) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        self.proc = subprocess.Popen([sys.executable, "-u", "-c", _CODE, "--settle", str(settle_s)],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: list[str] = []
        assert self.proc.stdout is not None
        out = self.proc.stdout
        self._reader = threading.Thread(target=lambda: self.lines.extend(iter(out.readline, "")), daemon=True)
        self._reader.start()

    def wait_for(self, text: str, timeout: float = 60, *, skip: str | None = None) -> None:
        """Until a line contains ``text`` (lines containing ``skip`` do not count)."""
        deadline = time.monotonic() + timeout
        while not any(text in ln and (skip is None or skip not in ln) for ln in self.lines):
            assert time.monotonic() < deadline, f"no {text!r} in {self.lines}"
            time.sleep(0.1)

    def stop(self, timeout: float = 20) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def close(self) -> str:
        """Kill it if still running; all it printed."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(5)
        return "".join(self.lines)
