"""Text models exported for exactly 77 ids run on the ids a query has, with open_clip's embeddings.

The graphs: clip_tiny's text tower exported the way Immich's Hub packs were (TorchScript exporter, [1, 77] int32,
onnxruntime's basic optimisation; scripts/make_immich_textual.py) and as our dynamo exporter writes a fixed-length
one (tests/data/clip_tiny), both checked against open_clip's PyTorch embeddings (tests/data/clip_tiny_golden).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from golden import cos_rows, load_golden  # noqa: E402
from immich_pack import build_immich_pack  # noqa: E402
from photoseek.core.runtime import text_length  # noqa: E402
from photoseek.core.runtime.embedder import DERIVED, Embedder  # noqa: E402
from photoseek.core.runtime.pack import ModelPack  # noqa: E402
from photoseek.core.runtime.quantize import quantize_model  # noqa: E402
from photoseek.core.runtime.session_cache import NONE, SessionCache  # noqa: E402
from photoseek.core.runtime.text_length import (  # noqa: E402
    cut_width,
    derive_any_length,
    fixed_length,
    is_quantized,
    make_any_length,
    verify_any_length,
)

DATA = Path(__file__).resolve().parents[1] / "data"
TORCHSCRIPT = DATA / "immich_clip_tiny" / "textual_torchscript" / "model.onnx"
DYNAMO = DATA / "clip_tiny" / "textual" / "model.onnx"
EOT = 49407


@pytest.fixture(scope="module")
def golden() -> tuple[dict, dict[str, np.ndarray]]:
    return load_golden(DATA / "clip_tiny_golden")


def _rewritten(src: Path, dst: Path) -> Path:
    model = onnx.load(str(src))
    assert fixed_length(model) is not None
    assert make_any_length(model)
    assert fixed_length(model) is None
    onnx.save(model, str(dst))
    return dst


def _session(path: Path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _embed(sess: ort.InferenceSession, ids: np.ndarray) -> np.ndarray:
    inp = sess.get_inputs()[0]
    dtype = np.int32 if "int32" in inp.type else np.int64
    return np.concatenate([sess.run(None, {inp.name: row[None].astype(dtype)})[0] for row in ids])


@pytest.mark.parametrize("graph", [TORCHSCRIPT, DYNAMO], ids=["immich-torchscript", "dynamo"])
def test_the_rewritten_graph_gives_open_clips_embeddings_on_the_ids_a_text_has(tmp_path, golden, graph):
    meta, g = golden
    assert fixed_length(onnx.load(str(graph))) == 77  # both fixtures take exactly 77 ids
    sess = _session(_rewritten(graph, tmp_path / "model.onnx"))
    ids = g["text_token_ids"].astype(np.int64)  # open_clip pads with 0
    widths = [cut_width(row[None], 0) for row in ids]
    assert widths[meta["texts"].index("a photo of a cat")] == 7  # <sot> a photo of a cat <eot>
    assert widths == [max(2, int(np.argmax(row == EOT)) + 1) for row in ids]  # through each text's <eot>
    cut = np.concatenate([_embed(sess, row[None, :w]) for row, w in zip(ids, widths, strict=True)])
    assert cos_rows(cut, g["text_embeddings"]).min() > 0.99999
    np.testing.assert_allclose(_embed(sess, ids), _embed(_session(graph), ids), atol=1e-5)  # full length: unchanged


def test_constants_made_by_constant_nodes_are_patched_after_those_nodes(tmp_path, golden):
    """An export without onnxruntime's optimisation keeps the positional embedding and the masks in Constant nodes
    in the middle of the graph: the rewrite must put what reads them after them (ONNX's node order)."""
    from onnx import helper

    _, g = golden
    model = onnx.load(str(TORCHSCRIPT))
    graph = model.graph
    for init in [i for i in graph.initializer if 77 in i.dims]:  # the positional embedding, the causal masks
        graph.initializer.remove(init)
        first = next(k for k, node in enumerate(graph.node) if init.name in node.input)
        graph.node.insert(first, helper.make_node("Constant", [], [init.name], value=init))
    onnx.checker.check_model(model)
    assert make_any_length(model)
    onnx.checker.check_model(model)  # still in dependency order
    onnx.save(model, str(tmp_path / "model.onnx"))
    sess, ids = _session(tmp_path / "model.onnx"), g["text_token_ids"].astype(np.int64)
    cut = np.concatenate([_embed(sess, row[None, :cut_width(row[None], 0)]) for row in ids])
    assert cos_rows(cut, g["text_embeddings"]).min() > 0.99999


def test_immich_padding_with_the_end_of_text_token_is_cut_after_that_token(golden):
    _, g = golden
    ids = g["text_token_ids"].astype(np.int64)
    eot_at = np.argmax(ids == EOT, axis=1)
    immich = np.where(np.arange(77)[None, :] > eot_at[:, None], EOT, ids)  # Immich's tokenizer pads with <eot>
    for row, ours, at in zip(ids, immich, eot_at, strict=True):
        assert cut_width(ours[None], EOT) == cut_width(row[None], 0) == max(2, at + 1)


def test_the_check_passes_an_int8_copy_within_quantization_noise(tmp_path, golden):
    _, g = golden
    int8 = tmp_path / "int8.onnx"
    quantize_model(TORCHSCRIPT, int8)
    assert is_quantized(onnx.load(str(int8)))
    verdict = verify_any_length(int8, _rewritten(int8, tmp_path / "cut.onnx"), list(g["text_token_ids"]), 0,
                                quantized=True)
    assert verdict.ok, verdict
    assert verdict.full_error < 1e-5 and verdict.cut_cosine >= text_length.CUT_MIN_COSINE_INT8


def test_a_tower_that_sees_the_padding_keeps_its_fixed_length(tmp_path):
    # SigLIP 2: no causal mask, pools the last position (padding for a short text): cutting changes its embedding
    siglip = DATA / "siglip2_tiny" / "textual" / "model.onnx"
    probes = [np.array([5, 17, 300, 1] + [0] * 60), np.array([9] * 30 + [1] + [0] * 33)]
    verdict = verify_any_length(siglip, _rewritten(siglip, tmp_path / "cut.onnx"), probes, 0, quantized=False)
    assert not verdict.ok and verdict.reason
    assert derive_any_length(siglip, tmp_path, probes, 0) is None


def test_graphs_that_take_any_length_or_a_mask_are_left_alone():
    assert not make_any_length(onnx.load(str(DATA / "mclip_tiny_textual" / "model.onnx")))  # ids + attention mask
    model = onnx.load(str(TORCHSCRIPT))
    assert make_any_length(model)
    assert not make_any_length(model)  # takes any length now


# the embedder -----------------------------------------------------------------------------------------------------
@pytest.fixture
def immich(tmp_path) -> ModelPack:
    """Immich's layout (pad token <eot>, batch 1, int32 ids) with the TorchScript text graph."""
    root = build_immich_pack(tmp_path / "ViT-B-32__openai")
    shutil.copy2(TORCHSCRIPT, root / "textual" / "model.onnx")
    return ModelPack.load(root)


def test_an_immich_pack_runs_queries_at_their_length_from_its_first_load_on(tmp_path, immich, golden, monkeypatch):
    meta, g = golden
    cache = SessionCache(tmp_path / "cache" / "ort")
    first = Embedder(immich, threads=1, cache=cache)
    np.testing.assert_array_less(0.99999, cos_rows(first.embed_texts(meta["texts"]), g["text_embeddings"]))
    assert first._textual_session().get_inputs()[0].shape[1] == text_length.SEQ_DIM
    kept = sorted(p.name.split(".")[0] for p in (tmp_path / "cache" / "ort").iterdir())
    assert kept == [f"{immich.id}-textual-{DERIVED}"]  # the optimised any-length copy; the rewrite is not kept

    runs = []
    real_run = ort.InferenceSession.run
    monkeypatch.setattr(ort.InferenceSession, "run", lambda s, out, feeds, *a: runs.append(feeds) or
                        real_run(s, out, feeds, *a))
    monkeypatch.setattr(text_length, "derive_any_length", _must_not_run)
    second = Embedder(immich, threads=1, cache=cache)  # a later start: the kept copy, nothing rewritten or checked
    np.testing.assert_allclose(second.embed_texts(["a photo of a cat"]), first.embed_texts(["a photo of a cat"]),
                               atol=1e-6)
    assert [f["text"].shape for f in runs] == [(1, 7), (1, 7)]


def test_no_cache_folder_runs_the_pack_as_it_is(immich, golden):
    meta, g = golden
    emb = Embedder(immich, threads=1, cache=SessionCache(None))
    assert cos_rows(emb.embed_texts(meta["texts"][:3]), g["text_embeddings"][:3]).min() > 0.99999
    assert emb._textual_session().get_inputs()[0].shape == [1, 77]


def test_a_pack_without_an_any_length_form_is_checked_once(tmp_path, tiny_models, monkeypatch):
    pack = ModelPack.load(tiny_models / "tiny")  # its text model takes any length already
    cache = SessionCache(tmp_path / "ort")
    want = Embedder(pack, threads=1, cache=cache).embed_texts(["red"])
    assert len(list((tmp_path / "ort").glob(f"*{NONE}"))) == 1
    monkeypatch.setattr(text_length, "derive_any_length", _must_not_run)
    np.testing.assert_allclose(Embedder(pack, threads=1, cache=cache).embed_texts(["red"]), want, atol=1e-6)


def test_a_failing_rewrite_leaves_the_model_as_it_is(tmp_path, immich, golden, monkeypatch, caplog):
    meta, g = golden

    def broken(*_a, **_k):
        raise RuntimeError("protobuf parsing failed")

    monkeypatch.setattr(text_length, "derive_any_length", broken)
    emb = Embedder(immich, threads=1, cache=SessionCache(tmp_path / "ort"))
    assert cos_rows(emb.embed_texts(meta["texts"][:3]), g["text_embeddings"][:3]).min() > 0.99999
    assert emb._textual_session().get_inputs()[0].shape == [1, 77]
    assert "protobuf parsing failed" in caplog.text and "running the model as it is" in caplog.text


def _must_not_run(*_a, **_k):
    raise AssertionError("the text model was rewritten again")
