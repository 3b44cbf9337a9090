"""The installed `photoseek` command, run as a user would run it, on real photos."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = shutil.which("photoseek", path=str(Path(sys.executable).parent)) or shutil.which("photoseek")


@pytest.fixture
def run(home: Path):
    assert EXE, "the photoseek console script is not installed (pip install -e .)"
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}

    def _run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        p = subprocess.run([EXE, *args], capture_output=True, text=True, env=env, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"photoseek {' '.join(args)} -> {p.returncode}\n{p.stdout}\n{p.stderr}")
        return p

    return _run


@pytest.fixture
def pics(tmp_path: Path, make_photo) -> Path:
    root = tmp_path / "Pictures"
    for i, c in enumerate(["red", "green", "blue", "yellow"]):
        make_photo(root / "2021" / f"IMG_{i:04d}.jpg", c, seed=i, exif_date=f"2021:0{i + 6}:10 08:00:00")
    make_photo(root / "2022" / "sunny.png", "yellow", seed=42, fmt="PNG")
    (root / "2022" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return root


def test_user_session(run, pics: Path, tmp_path: Path, make_photo) -> None:
    out = run("folders", "add", str(pics)).stdout
    assert "Added" in out
    out = run("index").stdout
    assert "5 indexed" in out and "1 could not be read" in out

    hits = json.loads(run("search", "red", "--limit", "3", "--json").stdout)
    assert len(hits) == 3
    assert hits[0]["path"] == str(pics / "2021" / "IMG_0000.jpg")
    assert set(hits[0]) >= {"path", "score", "taken_at", "size"}
    assert hits[0]["taken_at"].startswith("2021-06-10")
    assert hits[0]["size"] == (pics / "2021" / "IMG_0000.jpg").stat().st_size
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)

    text = run("search", "yellow", "--in", str(pics / "2021")).stdout.splitlines()
    assert text[0].endswith("IMG_0003.jpg") and all("2022" not in line for line in text)
    dated = json.loads(run("search", "blue", "--after", "2021-08-01", "--before", "2021-09-01", "--json").stdout)
    assert [Path(h["path"]).name for h in dated] == ["IMG_0002.jpg"]

    sim = json.loads(run("similar", str(pics / "2021" / "IMG_0003.jpg"), "--json", "-n", "1").stdout)
    assert Path(sim[0]["path"]).name == "sunny.png"
    outside = make_photo(tmp_path / "query.jpg", "green", seed=99)
    sim = json.loads(run("similar", str(outside), "--json", "-n", "1").stdout)
    assert Path(sim[0]["path"]).name == "IMG_0001.jpg"

    status = run("status").stdout
    assert "Photos    6   indexed 5   pending 0   errors 1" in status
    assert "broken.jpg: truncated file" in status or "broken.jpg: corrupt" in status
    st = json.loads(run("status", "--json").stdout)
    assert st["indexed"] == 5 and st["problems"][0]["path"].endswith("broken.jpg")

    (pics / "2021" / "IMG_0000.jpg").rename(pics / "2022" / "renamed.jpg")
    out = run("index").stdout
    assert "1 moved/renamed (kept)" in out and "0 indexed" in out
    assert Path(json.loads(run("search", "red", "-n", "1", "--json").stdout)[0]["path"]).name == "renamed.jpg"

    models = run("models", "list").stdout
    assert "* tiny" in models and "5 vectors" in models
    assert run("models", "verify").stdout.strip() == "tiny: ok"


def test_errors_are_messages_with_exit_codes(run, tmp_path: Path) -> None:
    p = run("folders", "add", str(tmp_path / "nope"), check=False)
    assert p.returncode == 1 and "not a folder" in p.stderr and "Traceback" not in p.stderr
    p = run("index", check=False)
    assert p.returncode == 1 and "folders add" in p.stderr
    p = run("search", "red", "--after", "yesterday", check=False)
    assert p.returncode == 2 and "not a date" in p.stderr
    p = run("search", "-red", check=False)
    assert p.returncode != 0 and "Traceback" not in p.stderr
    p = run("models", "use", "no-such-pack", check=False)
    assert p.returncode == 1 and "not installed" in p.stderr
    p = run("models", "install", "https://example.com/pack.zip", check=False)
    assert p.returncode == 1 and "--allow-download" in p.stderr


def test_empty_library_search_says_what_to_do(run) -> None:
    p = run("search", "sunset")
    assert p.stdout == "" and "Add a folder" in p.stderr
    assert json.loads(run("search", "sunset", "--json").stdout) == []


def test_similar_to_a_file_that_never_existed_says_so(run, pics: Path, tmp_path: Path) -> None:
    run("folders", "add", str(pics))
    run("index", "-q")
    p = run("similar", str(tmp_path / "nonexistent.jpg"), check=False)
    assert p.returncode == 1 and "does not exist" in p.stderr
    assert "vanished" not in p.stderr and "Traceback" not in p.stderr


def test_filters_that_match_nothing_say_so_not_that_nothing_is_indexed(run, pics: Path) -> None:
    run("folders", "add", str(pics))
    run("index", "-q")
    p = run("search", "red", "--after", "2030-01-01")
    assert p.stdout == "" and "No photo matches the filters" in p.stderr and "2030-01-01" in p.stderr
    assert "indexed yet" not in p.stderr
    p = run("similar", str(pics / "2021" / "IMG_0001.jpg"), "--in", str(pics / "2022"), "--before", "2000-01-01")
    assert "No photo matches the filters" in p.stderr and "indexed yet" not in p.stderr
    assert json.loads(run("search", "red", "--after", "2030-01-01", "--json").stdout) == []


def test_models_install_converts_clip_packs_to_int8_unless_fp32(run) -> None:
    tiny = Path(__file__).resolve().parents[1] / "data" / "clip_tiny"
    out = run("models", "install", str(tiny), "--name", "tiny").stdout
    assert "Installed tiny-int8" in out and "(int8)" in out
    out = run("models", "install", str(tiny), "--name", "tiny", "--fp32").stdout
    assert "Installed tiny " in out and "int8" not in out
    listed = run("models", "list").stdout
    assert "tiny-int8" in listed and "tiny " in listed.replace("tiny-int8", "")
    assert "tiny-int8: ok" in run("models", "verify").stdout


def test_duplicates_lists_copies_best_first_and_touches_nothing(run, tmp_path: Path) -> None:
    from PIL import Image

    root = Path(__file__).resolve().parents[2]
    pics = tmp_path / "Dups"
    pics.mkdir()
    for name in ("cat", "orange_flower", "yellow_flower"):
        shutil.copy(root / "bench" / "photos" / f"{name}.jpg", pics / f"{name}.jpg")
    os.utime(pics / "cat.jpg", (1_500_000_000, 1_500_000_000))
    with Image.open(pics / "cat.jpg") as im:
        im.resize((im.width // 2, im.height // 2)).save(pics / "cat small.jpg", quality=80)
    before = {p.name: p.stat().st_mtime for p in pics.iterdir()}
    model = str(root / "models" / "basic")
    run("folders", "add", str(pics))
    run("--model", model, "index", "-q")
    groups = json.loads(run("--model", model, "duplicates", "--json").stdout)
    assert [[Path(p["path"]).name for p in g["photos"]] for g in groups] == [["cat.jpg", "cat small.jpg"]]
    assert groups[0]["photos"][0]["width"] == 451 and groups[0]["photos"][1]["width"] == 225
    text = run("--model", model, "duplicates").stdout
    assert "1 group of near-duplicates: 1 extra copy" in text and "best" in text and "cat small.jpg" in text
    bad = run("duplicates", "--threshold", "1.5", check=False)
    assert bad.returncode == 2 and "at most 1" in bad.stderr
    assert {p.name: p.stat().st_mtime for p in pics.iterdir()} == before  # listed, never moved or deleted


def test_matches_only_unless_all_with_dates_and_cameras(run, tmp_path: Path, make_photo) -> None:
    root = tmp_path / "Holiday"
    make_photo(root / "red.jpg", "red", seed=1, exif_date="2021:07:10 08:00:00", camera=("Canon", "Canon EOS 80D"))
    for i in range(9):
        make_photo(root / f"blue_{i}.jpg", "blue", seed=10 + i, exif_date=f"20{18 + i % 3}:0{i % 9 + 1}:10 08:00:00",
                   camera=("Google", "Pixel 7") if i % 2 else ("Canon", "Canon EOS 80D"))
    run("folders", "add", str(root))
    run("index")

    matches = json.loads(run("search", "red", "--json").stdout)
    assert [Path(h["path"]).name for h in matches] == ["red.jpg"] and matches[0]["match"] is True
    everything = json.loads(run("search", "red", "--json", "--all").stdout)
    assert len(everything) == 10 and [h["match"] for h in everything] == [True] + [False] * 9
    assert set(everything[0]) == {"path", "score", "taken_at", "size", "width", "height", "camera", "state", "match",
                                  "text_match", "raw"}
    p = run("search", "red")
    assert p.stdout.strip().endswith("red.jpg") and "9 weaker results not shown (--all shows them)" in p.stderr
    assert "(weaker)" in run("search", "red", "--all").stdout

    p = run("search", "red", "2019", "--all", "--json")
    assert "Filter: taken 2019; searching for 'red'" in p.stderr
    assert {h["taken_at"][:4] for h in json.loads(p.stdout)} == {"2019"}
    p = run("search", "blue", "camera:pixel", "--all", "--json")
    assert "camera contains 'pixel'" in p.stderr and {h["camera"] for h in json.loads(p.stdout)} == {"Google Pixel 7"}
    canon = json.loads(run("search", "blue", "--camera", "canon", "--all", "--json").stdout)
    assert len(canon) == 6 and {h["camera"] for h in canon} == {"Canon EOS 80D"}
    quoted = run("search", '"red 2019"', "--all", "--json")
    assert "Filter" not in quoted.stderr and len(json.loads(quoted.stdout)) == 10


def test_words_in_photos_and_raw_pairs_from_the_command_line(run, home: Path, tmp_path: Path, make_photo) -> None:
    cfg = home / "config.toml"
    cfg.write_text(cfg.read_text().replace("read_text = false", "read_text = true"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from raw_files import write_dng
    from text_photos import make_text_photos

    photos = Path(__file__).resolve().parents[1] / "data" / "photos"
    root = tmp_path / "Phone"
    make_text_photos(sorted(photos.glob("*.jpg")), root, 1)  # a sign: "WIFI: MOONLIGHT42"
    make_photo(root / "IMG_0007.jpg", "red")
    write_dng(root / "IMG_0007.CR2.tmp", photos / "coffee.jpg").rename(root / "IMG_0007.dng")
    run("folders", "add", str(root))
    out = run("index").stdout
    assert "2 indexed" in out  # the RAW+JPEG pair is one photo
    assert "Read text in 2 photos (1 with words)" in out
    status = run("status").stdout
    assert "Text      read 2 of 2 photos (1 with words), 0 pending" in status
    assert json.loads(run("status", "--json").stdout)["text"]["with_text"] == 1

    hits = json.loads(run("search", 'text:"moonlight"', "--json").stdout)
    assert [Path(h["path"]).name for h in hits] == ["text_000_sign.jpg"]
    assert "MOONLIGHT42" in hits[0]["text_match"]
    line = run("search", '"wifi moonlight42"').stdout.splitlines()[0]
    assert line.endswith('words: "WIFI: MOONLIGHT42"')
    red = json.loads(run("search", "red", "-n", "1", "--json").stdout)[0]
    assert Path(red["path"]).name == "IMG_0007.jpg" and red["raw"] == str(root / "IMG_0007.dng")
    assert red["text_match"] is None
    assert "Read text" not in run("index", "--no-text").stdout
