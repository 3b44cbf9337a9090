"""ModelSet (core.models): the active model, per-model embedders and indexes, and the switch target, on real packs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from photoseek.core.config import SettingsStore
from photoseek.core.errors import ModelPackError
from photoseek.core.models import TARGET_MODEL, ModelSet
from photoseek.core.runtime.registry import ModelRegistry
from photoseek.core.storage.catalog import Catalog, PhotoUpdate
from tiny_pack import build_tiny_pack


@pytest.fixture
def parts(home: Path):  # noqa: ANN201
    build_tiny_pack(home / "models" / "tiny2", pack_id="tiny2")
    store = SettingsStore(home / "config.toml")
    cat = Catalog(home / "catalog.sqlite")
    switched: list[str] = []

    def switch_to(pack_id: str) -> None:
        switched.append(pack_id)
        store.update(model=pack_id)

    ms = ModelSet(ModelRegistry(home), cat, home / "index", settings=store.get, switch_to=switch_to)
    yield ms, cat, switched
    ms.save()
    cat.close()


def test_embedders_and_indexes_are_made_once_per_model(parts) -> None:  # noqa: ANN001
    ms, _, _ = parts
    assert ms.active_name() == "tiny" and ms.active_id() == "tiny"
    assert ms.embedder is ms.embedder_for("tiny") and ms.embedder.model_id == "tiny"
    assert ms.vindex is ms.vindex_for(ms.embedder)
    other = ms.embedder_for("tiny2")
    assert other is not ms.embedder and ms.vindex_for(other) is not ms.vindex
    assert {i.id: i.active for i in ms.infos()} == {"tiny": True, "tiny2": False}


def test_a_switch_to_a_pack_without_vectors_becomes_the_target(parts) -> None:  # noqa: ANN001
    ms, cat, switched = parts
    f = cat.add_folder("/p")
    with cat.write() as w:
        cat.upsert_photo(w, PhotoUpdate("/p/a.jpg", f.id, 1, 1.0, "h"), keep_vectors=True)
    assert ms.use("tiny2") is False and ms.target() == "tiny2" and switched == []
    assert ms.to_index() == [("tiny", False), ("tiny2", True)]
    ms.complete_switch("tiny2")
    assert switched == ["tiny2"] and ms.active_name() == "tiny2" and ms.target() is None
    assert ms.to_index() == [("tiny2", False)]
    assert ms.use("tiny2") is True  # already active


def test_an_empty_library_switches_at_once(parts) -> None:  # noqa: ANN001
    ms, _, switched = parts
    assert ms.use("tiny2") is True and switched == ["tiny2"] and ms.embedder.model_id == "tiny2"


def test_a_target_pack_removed_meanwhile_is_dropped_not_fatal(parts, home: Path) -> None:  # noqa: ANN001
    ms, cat, _ = parts
    cat.set_setting(TARGET_MODEL, "gone-pack")
    assert ms.to_index() == [("tiny", False), ("gone-pack", True)]
    assert ms.embedder_or_drop_target("gone-pack", True) is None
    assert ms.target() is None
    shutil.rmtree(home / "models" / "tiny2")
    with pytest.raises(ModelPackError):
        ms.embedder_or_drop_target("tiny2", False)  # the active pack missing is an error, not a silent skip
