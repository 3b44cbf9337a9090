"""The shipped model catalog (core/runtime/catalog.json): valid, versioned, and every family proven by a test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from photoseek.core.errors import ModelPackError
from photoseek.core.runtime.catalog import CATALOG_FORMAT, load_catalog
from photoseek.core.runtime.pack import REQUIRED_FILES

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_catalog_lists_the_required_choices() -> None:
    cat = load_catalog()
    assert cat.format == CATALOG_FORMAT
    assert cat.default.id == "clip-vit-b32" and cat.default.repo == "immich-app/ViT-B-32__openai"
    assert cat.get("siglip2-vit-b16").family == "siglip2"  # the stronger mid-size choice
    assert "de" in cat.get("clip-xlmr-b32-multilingual").languages  # a multilingual choice
    for e in cat.entries:
        assert e.repo.startswith("immich-app/") and e.license and e.quality and e.embed_dim > 0
        assert set(REQUIRED_FILES) <= {f.path for f in e.files}, e.id
        assert e.download_bytes > 100e6, e.id
    assert cat.get("ViT-B-32__openai").id == "clip-vit-b32"  # the Hub name works too


def test_every_family_has_a_parity_test_that_exists() -> None:
    cat = load_catalog()
    assert {e.family for e in cat.entries} == set(cat.families)
    for name, fam in cat.families.items():
        tests = [t.strip() for t in fam["parity_test"].split(",")]
        assert tests and all((ROOT / t).is_file() for t in tests), name


def test_unknown_id_lists_what_there_is() -> None:
    with pytest.raises(ModelPackError, match="no model 'nope' in the catalog .*clip-vit-b32"):
        load_catalog().get("nope")


def test_other_format_or_bad_entry_is_refused(tmp_path: Path) -> None:
    data = json.loads((ROOT / "src/photoseek/core/runtime/catalog.json").read_text(encoding="utf-8"))
    p = tmp_path / "c.json"
    p.write_text(json.dumps({**data, "format": 99}), encoding="utf-8")
    with pytest.raises(ModelPackError, match="format 99"):
        load_catalog(p)
    data["models"][0]["files"][0]["path"] = "../../etc/passwd"
    p.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ModelPackError, match="unsafe file path"):
        load_catalog(p)
