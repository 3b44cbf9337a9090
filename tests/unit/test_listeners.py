"""Listeners: add, remove, a failing callback is isolated, and adding/removing from other threads is safe."""

from __future__ import annotations

import threading

from photoseek.core.listeners import Listeners


def test_called_in_order_until_removed() -> None:
    got: list[tuple[str, list[int]]] = []
    ls: Listeners[list[int]] = Listeners()

    def a(ids: list[int]) -> None:
        got.append(("a", ids))

    def b(ids: list[int]) -> None:
        got.append(("b", ids))

    ls.add(a)
    ls.add(b)
    ls([1, 2])
    ls.remove(a)
    ls.remove(a)  # removing twice is harmless
    ls([3])
    assert got == [("a", [1, 2]), ("b", [1, 2]), ("b", [3])]


def test_a_failing_listener_does_not_stop_the_others(caplog) -> None:  # noqa: ANN001
    got: list[int] = []
    ls: Listeners[int] = Listeners()

    def boom(_: int) -> None:
        raise RuntimeError("front-end bug")

    ls.add(boom)
    ls.add(got.append)
    ls(7)
    assert got == [7] and "front-end bug" in caplog.text


def test_a_listener_may_remove_itself_while_being_called() -> None:
    ls: Listeners[int] = Listeners()
    calls: list[int] = []

    def once(v: int) -> None:
        calls.append(v)
        ls.remove(once)

    ls.add(once)
    ls(1)
    ls(2)
    assert calls == [1] and len(ls) == 0


def test_adding_and_removing_from_many_threads_while_notifying() -> None:
    ls: Listeners[int] = Listeners()
    stop = threading.Event()

    def churn() -> None:
        fns = [lambda _v, i=i: None for i in range(50)]
        while not stop.is_set():
            for f in fns:
                ls.add(f)
            for f in fns:
                ls.remove(f)

    threads = [threading.Thread(target=churn) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for i in range(2000):
            ls(i)  # never "list changed size during iteration"
    finally:
        stop.set()
        for t in threads:
            t.join(5)
    assert len(ls) == 0
