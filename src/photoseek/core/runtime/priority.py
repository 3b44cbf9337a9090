"""Below-normal priority and a core budget for the threads that index, so the desktop stays responsive.

Linux gives every thread its own nice value and CPU mask, and a thread starts with its creator's: lowering the
thread that creates an ONNX Runtime session lowers the session's worker threads too. Windows has per-thread
priorities (ours) and a per-process priority class (used for headless `photoseek index`); macOS lowers threads
with a quality-of-service class, which they also pass on to threads they start.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
NICE_STEP = 10  # Linux/BSD nice increment for background work (0 normal .. 19 idle)
DECODER_STEP = 9  # a headless run's decoders, below its model: nice 19 against 10 weighs 15 against 110


def background_nice(extra: int = 0) -> int:
    """The nice value of indexing threads: :data:`NICE_STEP` (and ``extra``) below the process itself (a PhotoSeek
    started with ``nice`` keeps its searches above its indexing), at most 19. Linux keeps a nice value per thread:
    the base is the main thread's (its id is the process id), never a thread that was lowered already. POSIX only."""
    return min(19, os.getpriority(os.PRIO_PROCESS, os.getpid()) + NICE_STEP + extra)


_WIN_THREAD_BELOW_NORMAL = -1
_WIN_PROCESS_BELOW_NORMAL = 0x4000
_MAC_QOS_UTILITY = 0x11


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def core_budget(setting: int, *, interactive: bool) -> int:
    """How many cores indexing may use: the setting when given (capped to the machine), else every core for a
    headless run and all but one for the desktop app (the window keeps one)."""
    n = usable_cores()
    if setting > 0:
        return min(setting, n)
    return n if not interactive else max(1, n - 1)


def cpu_set(cores: int) -> set[int] | None:
    """The CPUs indexing threads are pinned to (the last ``cores`` usable ones), or None where pinning is not
    possible or not needed (the budget is the whole machine)."""
    try:
        allowed = sorted(os.sched_getaffinity(0))
    except AttributeError:
        return None
    if cores >= len(allowed):
        return None
    return set(allowed[-cores:])


def lower_current_thread(cpus: set[int] | None = None, *, extra: int = 0) -> bool:
    """Run the calling thread (and, on Linux and macOS, the threads it starts from now on) below normal priority,
    on ``cpus`` when given; ``extra`` nice steps lower still (Linux only: the other platforms take one level).
    Returns False when the platform refused; indexing then runs at normal priority."""
    try:
        if sys.platform == "win32":
            k32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined]
            return bool(k32.SetThreadPriority(k32.GetCurrentThread(), _WIN_THREAD_BELOW_NORMAL))
        if sys.platform == "darwin":
            libc = ctypes.CDLL(None)
            return libc.pthread_set_qos_class_self_np(_MAC_QOS_UTILITY, 0) == 0
        tid = threading.get_native_id()
        target = background_nice(extra)
        if os.getpriority(os.PRIO_PROCESS, tid) < target:
            os.setpriority(os.PRIO_PROCESS, tid, target)  # on Linux PRIO_PROCESS with a thread id: that thread
        if cpus:
            os.sched_setaffinity(0, cpus)  # 0: the calling thread
        return True
    except (OSError, AttributeError) as e:
        log.info("could not lower the priority of indexing threads: %s", e)
        return False


@contextmanager
def background_process() -> Iterator[None]:
    """On Windows, the process runs in the below-normal priority class while indexing (ONNX Runtime's workers do
    not take their creator's thread priority there) and returns to normal after. Elsewhere the threads are lowered
    one by one (:func:`lower_current_thread`) and this does nothing."""
    if sys.platform != "win32":
        yield
        return
    k32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined]
    proc = k32.GetCurrentProcess()
    before = k32.GetPriorityClass(proc)
    lowered = bool(before) and bool(k32.SetPriorityClass(proc, _WIN_PROCESS_BELOW_NORMAL))
    try:
        yield
    finally:
        if lowered:
            k32.SetPriorityClass(proc, before)


def pin_current_thread(cpus: set[int] | None) -> None:
    """Keep the calling thread on ``cpus`` (Linux), at its normal priority.

    Threads that run Python code (decoders, the model caller) are pinned, not lowered: a low-priority thread that
    a busy machine preempts while it holds the GIL stalls the window's thread with it (measured: 300-500 ms gaps
    in the GUI stall meter on a loaded machine, against 100 ms without). ONNX Runtime's workers never hold the
    GIL, so they alone run below normal priority (see :func:`in_background_thread`)."""
    if cpus:
        try:
            os.sched_setaffinity(0, cpus)
        except (OSError, AttributeError) as e:
            log.info("could not pin an indexing thread: %s", e)


def pin_headless_model_thread(cpus: set[int] | None) -> None:
    """The thread that calls the image model in a headless run (no window): at the priority of the model's own
    workers (:func:`in_background_thread`), on ``cpus``. It computes part of every model call itself, so it must not
    outweigh the workers it waits for. Linux only; elsewhere as :func:`pin_current_thread`."""
    if sys.platform.startswith("linux"):
        lower_current_thread(cpus)
    else:
        pin_current_thread(cpus)


def pin_headless_decoder(cpus: set[int] | None) -> None:
    """A decoder of a headless run: :data:`DECODER_STEP` below the model's threads, on ``cpus``.

    The model is the slow stage: when a decoder competes with it for a core, the model's parallel work waits for
    its preempted share (and both lose their caches), so a photo costs more CPU than the two stages apart. Below
    the model, decoders run in the model's serial gaps and while it waits for a batch (ViT-B-32 int8 on 2 cores:
    a batch of 8 takes about the model-alone time, and the run about 10 % less CPU). Not for the desktop app: a
    window's thread would wait on the GIL a decoder holds while the model's threads starve it (see
    :func:`pin_current_thread`). Linux only (per-thread nice); elsewhere as :func:`pin_current_thread`."""
    if sys.platform.startswith("linux"):
        lower_current_thread(cpus, extra=DECODER_STEP)
    else:
        pin_current_thread(cpus)


def in_background_thread(fn: Callable[..., T], *args: Any, cpus: set[int] | None = None) -> T:
    """Call ``fn(*args)`` on a fresh thread running below normal priority and return its result (or raise its
    error). Threads ``fn`` starts (ONNX Runtime's workers) inherit that priority where the platform passes it on."""
    out: list[Any] = []
    err: list[BaseException] = []

    def body() -> None:
        lower_current_thread(cpus)
        try:
            out.append(fn(*args))
        except BaseException as e:  # handed to the caller
            err.append(e)

    t = threading.Thread(target=body, name="photoseek-background", daemon=True)
    t.start()
    t.join()
    if err:
        raise err[0]
    return out[0]  # type: ignore[no-any-return]

