"""`photoseek models available` / `models get` as a user runs them, against the loopback Hub server (HF_ENDPOINT):
download + verify + int8 + install, then the library is re-embedded in the foreground and search switches."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub_server import HubServer, repo_from_folder  # noqa: E402
from immich_pack import build_immich_pack  # noqa: E402

EXE = shutil.which("photoseek", path=str(Path(sys.executable).parent)) or shutil.which("photoseek")
PHOTOS = Path(__file__).resolve().parents[1] / "data" / "photos"


@pytest.fixture
def hub(tmp_path: Path):
    repo = repo_from_folder(build_immich_pack(tmp_path / "hub" / "ViT-B-32__openai"))
    with HubServer({"immich-app/ViT-B-32__openai": repo}) as server:
        yield server


def _run(hub_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"} | {"HF_ENDPOINT": hub_url}
    return subprocess.run([EXE, *args], capture_output=True, text=True, env=env, timeout=180)


def test_get_downloads_installs_reembeds_and_switches(home: Path, hub: HubServer, tmp_path: Path) -> None:
    pics = tmp_path / "Pictures"
    shutil.copytree(PHOTOS, pics, ignore=shutil.ignore_patterns("*.md"))
    assert _run(hub.url, "folders", "add", str(pics)).returncode == 0
    assert _run(hub.url, "index").returncode == 0
    assert not hub.log  # nothing but `models get` goes online

    listed = json.loads(_run(hub.url, "models", "available", "--json").stdout)
    b32 = next(m for m in listed if m["id"] == "clip-vit-b32")
    assert b32["repo"] == "immich-app/ViT-B-32__openai" and b32["languages"] == ["en"] and not b32["installed"]
    assert b32["size"] > 500e6 and not hub.log

    p = _run(hub.url, "models", "get", "clip-vit-b32")
    assert p.returncode == 0, p.stderr
    assert "Installed clip-vit-b32" in p.stdout
    assert f"Computing clip-vit-b32's vectors for {len(list(pics.iterdir()))} photos. Searches use tiny" in p.stdout
    assert p.stdout.rstrip().endswith("Search now uses clip-vit-b32.")
    assert "Converting to int8" in p.stderr

    status = json.loads(_run(hub.url, "status", "--json").stdout)
    assert status["model"] == "clip-vit-b32" and status["indexed"] == status["photos"] > 0
    models = {m["id"]: m for m in json.loads(_run(hub.url, "models", "list", "--json").stdout)}
    assert models["clip-vit-b32"]["active"] and models["clip-vit-b32"]["vectors"] == status["photos"]
    assert _run(hub.url, "models", "verify").returncode == 0
    hits = json.loads(_run(hub.url, "search", "a cup of coffee", "--json").stdout)
    assert len(hits) == status["photos"]

    n = len(hub.log)
    again = _run(hub.url, "models", "get", "clip-vit-b32")
    assert again.returncode == 0 and "already installed" in again.stdout and len(hub.log) == n


def test_get_offline_is_one_clear_line(home: Path) -> None:
    p = _run("http://127.0.0.1:9", "models", "get", "clip-vit-b32")
    assert p.returncode == 1
    assert p.stderr.strip().splitlines() == [
        "photoseek: cannot reach the model server: 127.0.0.1:9: [Errno 111] Connection refused; "
        "PhotoSeek keeps working with the models you have"]
    assert "clip-vit-b32" not in _run("http://127.0.0.1:9", "models", "list").stdout
