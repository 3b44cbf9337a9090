"""The wheel is what `pip install photoseek` / `pipx install` gets: it must carry the built-in pack and work alone.

Builds the wheel from this checkout, installs it (and its dependencies, from the configured package index) into a
throwaway virtual environment, and runs that environment's `photoseek` from a folder outside the repository on a
copy of real photos, with nothing pointing back at the checkout.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "models" / "basic"
PHOTOS = ROOT / "tests" / "data" / "photos"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (PACK / "manifest.json").is_file():
        pytest.fail("models/basic is missing: the wheel would ship without its built-in pack")
    out = tmp_path_factory.mktemp("wheelhouse")
    p = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    (whl,) = out.glob("photoseek-*.whl")
    return whl


def test_wheel_carries_the_builtin_pack(wheel: Path) -> None:
    manifest = json.loads((PACK / "manifest.json").read_text())
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for rel, sha in manifest["files"].items():
            name = f"photoseek/models/basic/{rel}"
            assert name in names, f"{rel} is not in the wheel"
            assert hashlib.sha256(z.read(name)).hexdigest() == sha, f"{rel} differs from the manifest"
        assert "photoseek/models/basic/manifest.json" in names
        packed = sum(i.file_size for i in z.infolist() if i.filename.startswith("photoseek/models/basic/"))
        assert not [n for n in names if n.startswith(("models/", "tests/", "bench/", "photoseek/models/build"))]
        assert "photoseek/share/applications/io.photoseek.PhotoSeek.desktop" in names
        assert "photoseek/gui/style.qss" in names
    on_disk = sum(f.stat().st_size for f in PACK.rglob("*") if f.is_file() and "__pycache__" not in f.parts)
    assert packed == on_disk  # every byte of the pack, nothing else under its folder
    size = wheel.stat().st_size
    # ONNX weights barely compress: the wheel is about the pack's size; much more means something slipped in
    assert 0.5 * on_disk < size < on_disk + 5_000_000, (size, on_disk)


def test_fresh_venv_with_only_the_wheel_indexes_and_searches(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-compile", str(wheel)],
                         capture_output=True, text=True, timeout=900)
    assert pip.returncode == 0, pip.stdout[-3000:] + pip.stderr[-3000:]

    photos = tmp_path / "My Photos"
    shutil.copytree(PHOTOS, photos, ignore=shutil.ignore_patterns("*.md"))
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("PHOTOSEEK_BUILTIN_MODELS", "PYTHONPATH", "VIRTUAL_ENV", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update(PHOTOSEEK_HOME=str(tmp_path / "library"), XDG_DATA_HOME=str(tmp_path / "share"),
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    exe = str(venv / "bin" / "photoseek")

    def run(*args: str) -> str:
        p = subprocess.run([exe, *args], capture_output=True, text=True, env=env, cwd=work, timeout=300)
        assert p.returncode == 0, f"photoseek {' '.join(args)} -> {p.returncode}\n{p.stdout}\n{p.stderr}"
        return p.stdout

    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import photoseek; print(photoseek.__file__)"],
                           capture_output=True, text=True, env=env, cwd=work, timeout=60).stdout
    assert where.startswith(str(venv)), where  # the installed copy, not this checkout

    run("folders", "add", str(photos))
    assert "6 photos found, 6 indexed" in run("index")
    hits = json.loads(run("search", "a cup of coffee", "--json", "-n", "3"))
    assert Path(hits[0]["path"]) == photos / "coffee.jpg"
    hits = json.loads(run("search", "a cat", "--json", "-n", "3"))
    assert Path(hits[0]["path"]) == photos / "chelsea.jpg"
    st = json.loads(run("status", "--json"))
    assert (st["model"], st["indexed"], st["errors"]) == ("basic", 6, 0)
    models = run("models", "list")
    assert "* basic" in models and "built-in" in models
    assert run("models", "verify").strip() == "basic: ok"
    run("install-desktop")
    entry = (tmp_path / "share" / "applications" / "io.photoseek.PhotoSeek.desktop").read_text()
    assert f"Exec={exe} gui %F" in entry.splitlines()
