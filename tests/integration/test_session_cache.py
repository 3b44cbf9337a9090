"""Optimised ONNX models written once and reused, with real sessions of the tiny pack."""

from __future__ import annotations

import os
import shutil

import numpy as np
import onnxruntime as ort
import pytest
from PIL import Image

from photoseek.core.runtime.embedder import Embedder
from photoseek.core.runtime.pack import ModelPack
from photoseek.core.runtime.session_cache import CACHE_FORMAT, GRAPH, NONE, WEIGHTS, SessionCache, cache_key
from tiny_pack import COLORS


@pytest.fixture
def pack(tmp_path, tiny_models) -> ModelPack:
    shutil.copytree(tiny_models / "tiny", tmp_path / "tiny")
    return ModelPack.load(tmp_path / "tiny")


def _copies(folder):
    """The optimised copies kept (not the notes that a model has no any-length form: it takes any length already)."""
    return sorted(p for p in folder.iterdir() if not p.name.endswith(NONE))


def _embed(emb: Embedder) -> tuple[np.ndarray, np.ndarray]:
    return emb.embed_images([Image.new("RGB", (40, 40), COLORS["red"])]), emb.embed_texts(["red", "blue"])


def test_first_use_writes_each_model_once_and_the_copy_gives_the_same_vectors(tmp_path, pack):
    cache = SessionCache(tmp_path / "ort")
    first = Embedder(pack, threads=1, cache=cache)
    img, txt = _embed(first)
    copies = _copies(tmp_path / "ort")
    assert [c.name.split(".")[0] for c in copies] == ["tiny-textual", "tiny-visual"]
    assert all(f".f{CACHE_FORMAT}." in c.name for c in copies)
    for c in copies:  # the graph, and the weights apart (memory-mapped when loaded)
        assert sorted(f.name for f in c.iterdir()) == [GRAPH, WEIGHTS]
        assert (c / WEIGHTS).stat().st_size > (c / GRAPH).stat().st_size
    stamps = {p: p.stat().st_mtime_ns for c in copies for p in c.iterdir()}

    second = Embedder(pack, threads=1, cache=cache)
    img2, txt2 = _embed(second)
    np.testing.assert_allclose(img2, img, atol=1e-5)
    np.testing.assert_allclose(txt2, txt, atol=1e-5)
    assert {p: p.stat().st_mtime_ns for c in copies for p in c.iterdir()} == stamps  # reused, not rewritten


def test_a_text_query_never_loads_the_image_model(tmp_path, pack):
    emb = Embedder(pack, threads=1, cache=SessionCache(tmp_path / "ort"))
    emb.embed_texts(["a dog"])
    assert [p.name.split(".")[0] for p in _copies(tmp_path / "ort")] == ["tiny-textual"]


def test_a_damaged_copy_is_rebuilt(tmp_path, pack):
    cache = SessionCache(tmp_path / "ort")
    _, txt = _embed(Embedder(pack, threads=1, cache=cache))
    copy = next((tmp_path / "ort").glob("tiny-textual.*"))
    (copy / WEIGHTS).write_bytes(b"not the weights")
    _, txt2 = _embed(Embedder(pack, threads=1, cache=cache))
    np.testing.assert_allclose(txt2, txt, atol=1e-5)
    assert (copy / WEIGHTS).stat().st_size > 1000
    _, txt3 = _embed(Embedder(pack, threads=1, cache=cache))  # and the rebuilt copy loads
    np.testing.assert_allclose(txt3, txt, atol=1e-5)


def test_a_copy_of_the_previous_format_is_replaced(tmp_path, pack):
    old = tmp_path / "ort" / "tiny-textual.f1.0123456789abcdef0123.onnx"
    old.parent.mkdir()
    old.write_bytes(b"a single-file copy")
    Embedder(pack, threads=1, cache=SessionCache(tmp_path / "ort")).embed_texts(["x"])
    assert [p.name.split(".")[1] for p in _copies(tmp_path / "ort")] == [f"f{CACHE_FORMAT}"]


def test_the_key_follows_format_onnxruntime_and_the_model_file(tmp_path, pack):
    a = cache_key(pack.textual_path, digest=None, ort_version=ort.__version__)
    assert cache_key(pack.textual_path, digest=None, ort_version="0.0.0") != a
    assert cache_key(pack.textual_path, digest="abc", ort_version=ort.__version__) != a
    os.utime(pack.textual_path, ns=(1, 1))  # the pack's file changed
    assert cache_key(pack.textual_path, digest=None, ort_version=ort.__version__) != a


def test_a_changed_model_replaces_its_old_copy(tmp_path, pack):
    cache = SessionCache(tmp_path / "ort")
    Embedder(pack, threads=1, cache=cache).embed_texts(["x"])
    os.utime(pack.textual_path, ns=(10**18, 10**18))
    Embedder(pack, threads=1, cache=cache).embed_texts(["x"])
    assert len(list((tmp_path / "ort").glob("tiny-textual.*"))) == 1


def test_an_unwritable_cache_still_runs(tmp_path, pack):
    blocker = tmp_path / "ort"
    blocker.write_text("a file where the cache folder should be")
    out = Embedder(pack, threads=1, cache=SessionCache(blocker)).embed_texts(["red"])
    assert out.shape[0] == 1
