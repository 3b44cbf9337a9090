"""The bench photo sets and their query halves: complete, licensed, and the report half out of a tuner's reach."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import eval_quality as ev  # noqa: E402


@pytest.mark.parametrize("name", sorted(ev.PHOTO_SETS))
def test_every_query_names_photos_of_its_set_and_the_halves_are_disjoint(name: str) -> None:
    ps = ev.load_set(name)
    tune, report = ps.queries[ev.Split.TUNE], ps.queries[ev.Split.REPORT]
    assert tune and report
    assert not set(tune) & set(report)
    # a photo's queries all sit in one half, so tuning on a photo never shows in the report half
    first_photo = {q: photos[0] for half in (tune, report) for q, photos in half.items()}
    assert not {first_photo[q] for q in tune} & {first_photo[q] for q in report}


def test_second_set_is_large_downscaled_and_every_photo_has_a_source_and_licence() -> None:
    ps = ev.load_set("set2")
    assert len(ps.photos) >= 60
    assert len(ps.queries[ev.Split.REPORT]) >= 40
    sources = (ps.folder / "SOURCES.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\S+)\.jpg \| .+ \| .+ \| (.+) \|$", sources, flags=re.M))
    assert set(rows) == set(ps.photos)
    assert all(lic.strip() for lic in rows.values())
    for n in ps.photos:
        with Image.open(ps.folder / f"{n}.jpg") as im:
            assert max(im.size) <= 1024, n
    first = ev.load_set("bench")
    assert not set(first.photos) & set(ps.photos)


def test_a_sealed_process_cannot_load_a_report_half() -> None:
    code = (
        "import sys; sys.path.insert(0, 'bench'); import eval_quality as ev\n"
        "ev.seal_report_split()\n"
        "ps = ev.load_set('set2', (ev.Split.TUNE,)); assert ps.queries[ev.Split.TUNE]\n"
        "try:\n    ev.load_set('set2')\nexcept ev.ReportSplitSealed:\n    print('sealed')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "sealed"


@pytest.mark.parametrize("script", ["tune_basic.py", "tune_extras.py"])
def test_tune_script_seals_the_report_half_before_it_imports_or_loads_anything_else(script: str) -> None:
    tree = ast.parse((ROOT / "models" / script).read_text(encoding="utf-8"))
    body = [n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    seal = next(i for i, n in enumerate(body) if isinstance(n, ast.Expr) and "seal_report_split" in ast.unparse(n))
    for n in body[:seal]:  # only sys.path set-up and the eval_quality import may come before the seal
        text = ast.unparse(n)
        assert isinstance(n, ast.Import | ast.ImportFrom | ast.Assign | ast.For), text
        assert not any(w in text for w in ("build_basic", "tune_basic", "torch", "load_set")), text
    assert "Split.REPORT" not in ast.unparse(tree)
