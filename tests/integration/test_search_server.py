"""A process that holds the library answers `photoseek search` over its local endpoint: the same output as the
search the CLI runs itself, only to the user's own processes, and never in the way when it is gone or stuck."""

from __future__ import annotations

import json
import os
import socket
import stat
import time
from multiprocessing.connection import AuthenticationError, Client
from pathlib import Path

import pytest

from photoseek.cli.main import main
from photoseek.core.library import Library
from photoseek.core.search_endpoint import PROTOCOL, Endpoint, ask
from photoseek.core.search_server import SearchServer


@pytest.fixture
def pics(home: Path, tmp_path: Path, make_photo) -> Path:
    root = tmp_path / "Pictures"
    for i, c in enumerate(["red", "green", "blue", "yellow"]):
        make_photo(root / "2021" / f"IMG_{i:04d}.jpg", c, seed=i, exif_date=f"2021:0{i + 6}:10 08:00:00",
                   camera=("Canon", f"EOS {i}") if i % 2 else ("Google", "Pixel 7"))
    for i, c in enumerate(["red", "blue", "white"]):
        make_photo(root / "2023" / f"DSC_{i:04d}.jpg", c, seed=10 + i, exif_date=f"2023:0{i + 1}:15 12:00:00")
    with Library(home) as lib:
        lib.add_folder(root)
        assert lib.index().embedded == 7
    return root


@pytest.fixture
def holder(home: Path, pics: Path):
    """The library held open (writable, as the desktop app holds it) by a process that serves searches."""
    lib = Library(home)
    server = SearchServer(lib, retry_s=0.1)
    server.start()
    assert server.serving.wait(10)
    yield server
    server.stop()
    lib.close()


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def test_the_holder_answers_exactly_what_the_cli_finds_by_itself(holder, pics, capsys, monkeypatch):
    monkeypatch.chdir(pics)  # relative paths are the asker's, not the holder's
    searches = [
        ["search", "red", "-n", "3"],
        ["search", "red", "--json", "--all"],
        ["search", "blue", "--in", "2021", "--all"],
        ["search", "green", "--after", "2021-07-01", "--before", "2021-09-01", "--json", "--all"],
        ["search", "yellow", "--sort", "date", "--all"],
        ["search", "yellow", "--sort", "date-asc", "--json", "--all", "-n", "5"],
        ["search", "red 2023", "--all"],
        ["search", "blue camera:canon", "--all"],
        ["search", "red", "--camera", "pixel", "--json", "--all"],
        ["search", "red +0.5:blue -green", "--all"],
        ["search", "march 2023"],
        ["similar", "2021/IMG_0000.jpg", "--all", "--json"],
        ["similar", "2023/DSC_0001.jpg", "--in", "2021", "-n", "2"],
        ["search", "red", "--in", "/nowhere/at/all"],
        ["search", "--", "-people"],
        ["similar", "2021/no-such-photo.jpg"],
    ]
    served = [cli(capsys, *args) for args in searches]
    assert holder.answered == len(searches)
    holder.stop()
    assert not holder.serving.is_set()
    by_itself = [cli(capsys, *args) for args in searches]
    assert holder.answered == len(searches)  # nobody answered the second round
    for args, a, b in zip(searches, served, by_itself, strict=True):
        assert a == b, args
    # and the answers say what they should, so the comparison is not between two empty outputs
    rc, out, _ = served[2]
    assert rc == 0 and out.splitlines()[0].endswith("IMG_0002.jpg") and "2023" not in out
    dated = json.loads(served[3][1])
    assert [Path(h["path"]).name for h in dated] == ["IMG_0001.jpg", "IMG_0002.jpg"]
    assert "Filter: taken 2023" in served[6][2]
    assert all("2021" in h["path"] for h in json.loads(served[8][1]))
    assert json.loads(served[11][1])[0]["path"] != str(pics / "2021" / "IMG_0000.jpg")
    assert "No photo matches the filters (inside /nowhere/at/all)" in served[13][2]
    assert served[14][0] == 1 and "only negative parts" in served[14][2]
    assert served[15][0] == 1 and "does not exist" in served[15][2]


def test_a_relative_image_path_in_a_query_is_read_by_the_asker(holder, pics, capsys, monkeypatch):
    monkeypatch.chdir(pics)
    rc, out, _ = cli(capsys, "search", "2021/IMG_0003.jpg", "-n", "1")
    assert rc == 0 and out.strip().endswith("IMG_0003.jpg")
    assert holder.answered == 0  # only this process knows what 2021/ means here


def test_only_the_users_own_processes_can_ask(holder, home):
    ep = holder.endpoint
    assert stat.S_IMODE(os.stat(ep.address).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(ep.key_path).st_mode) == 0o600
    with pytest.raises(AuthenticationError):
        Client(ep.address, family=ep.family, authkey=b"not the key")
    with Client(ep.address, family=ep.family, authkey=ep.read_key()) as c:  # a newer or older CLI
        c.send_bytes(json.dumps({"format": PROTOCOL + 1, "command": "search", "query": "red"}).encode())
        assert "failed" in json.loads(c.recv_bytes())
    got = ask(home, {"command": "search", "query": "red", "limit": 1})
    assert got is not None and Path(got["hits"][0]["path"]).name == "IMG_0000.jpg"


def test_an_endpoint_left_by_a_crash_is_ignored_then_replaced(home, pics, capsys):
    ep = Endpoint(home)
    dead = socket.socket(socket.AF_UNIX)
    dead.bind(ep.address)  # a holder that died: its socket file and key stay behind
    dead.close()
    ep.key_path.write_bytes(b"0" * 64)
    t = time.monotonic()
    assert ask(home, {"command": "search", "query": "red"}) is None
    assert time.monotonic() - t < 1.0
    rc, out, err = cli(capsys, "search", "red", "-n", "1")
    assert rc == 0 and out.strip().endswith("IMG_0000.jpg") and err == ""  # in process, silently
    with Library(home) as lib:
        server = SearchServer(lib)
        server.start()
        try:
            assert server.serving.wait(10)
            assert cli(capsys, "search", "red", "-n", "1") == (rc, out, err)
            assert server.answered == 1
        finally:
            server.stop()
    assert not os.path.exists(ep.address) and not ep.key_path.exists()


def test_a_holder_that_never_answers_costs_the_asker_at_most_the_timeout(home, pics):
    ep = Endpoint(home)
    stuck = socket.socket(socket.AF_UNIX)
    stuck.bind(ep.address)
    stuck.listen(4)  # accepts connections (the kernel does) and never says a word, like a stopped process
    ep.key_path.write_bytes(b"1" * 64)
    try:
        t = time.monotonic()
        assert ask(home, {"command": "search", "query": "red"}, connect_timeout=0.3) is None
        assert time.monotonic() - t < 1.5
    finally:
        stuck.close()


def test_a_second_holder_waits_and_takes_over_when_the_first_goes(holder, home):
    with Library(home) as lib:
        second = SearchServer(lib, retry_s=0.1)
        second.start()
        try:
            time.sleep(0.5)
            assert not second.serving.is_set()  # the first one serves
            holder.stop()
            assert second.serving.wait(10)
            assert ask(home, {"command": "search", "query": "red", "limit": 1}) is not None
            assert second.answered == 1
        finally:
            second.stop()


def test_a_library_too_deep_for_a_socket_path_is_served_from_a_private_folder(home, tmp_path):
    deep = tmp_path / ("a-long-folder-name-" * 7) / "library"
    deep.mkdir(parents=True)
    (deep / "config.toml").write_text('model = "tiny"\nread_text = false\n')
    with Library(deep) as lib:
        server = SearchServer(lib)
        server.start()
        try:
            assert server.serving.wait(10)
            assert not (deep / "search.sock").exists() and os.path.exists(server.endpoint.address)
            got = ask(deep, {"command": "search", "query": "red"})
            assert got is not None and got["hits"] == [] and got["indexed"] == 0
        finally:
            server.stop()
    assert not os.path.exists(server.endpoint.address)


@pytest.mark.skipif(os.name != "posix", reason="stops itself with SIGINT")
def test_photoseek_watch_reads_the_catalog_into_the_file_cache_while_it_serves(home, pics, monkeypatch):
    """The searches `photoseek watch` answers read their result rows from anywhere in the catalog: it reads them all
    once, in the background, and stops that pass when it stops."""
    import argparse
    import io
    import signal
    import threading

    from photoseek.cli import watch_cmd

    rows: list[int] = []
    passes: list[threading.Event] = []
    with Library(home) as lib:
        real = lib.warm_up

        def warm_up(stop: threading.Event) -> int:
            passes.append(stop)
            rows.append(real(stop))
            os.kill(os.getpid(), signal.SIGINT)  # then stop watching, as Ctrl+C does
            return rows[-1]

        monkeypatch.setattr(lib, "warm_up", warm_up)
        p = argparse.ArgumentParser()
        watch_cmd.add_arguments(p)
        give_up = threading.Timer(30, os.kill, (os.getpid(), signal.SIGINT))  # no warm-up: stop anyway, and fail
        give_up.start()
        try:
            assert watch_cmd.run(lib, p.parse_args([]), out=io.StringIO(), serve=True) == 0
        finally:
            give_up.cancel()
    assert rows == [7] and passes[0].is_set()
