"""Embedding images and texts through real ONNX Runtime sessions of the tiny pack."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image

from photoseek.core.errors import ModelPackError
from photoseek.core.runtime.embedder import Embedder, l2_normalize
from photoseek.core.runtime.pack import ModelPack
from tiny_pack import COLORS, DIM, SIZE


@pytest.fixture(scope="module")
def emb(tiny_models) -> Embedder:
    return Embedder(ModelPack.load(tiny_models / "tiny"), threads=1)


def test_image_embeddings_are_unit_float32(emb):
    imgs = [Image.new("RGB", (64, 48), COLORS[c]) for c in ("red", "blue", "green")]
    out = emb.embed_images(imgs)
    assert out.shape == (3, DIM) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)


def test_text_embeddings_are_unit_float32(emb):
    out = emb.embed_texts(["red", "a photo of blue"])
    assert out.shape == (2, DIM) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)


def test_colour_words_find_their_colour(emb):
    names = ["red", "green", "blue", "yellow"]
    imgs = emb.embed_images([Image.new("RGB", (40, 40), COLORS[c]) for c in names])
    txt = emb.embed_texts(names)
    assert list((txt @ imgs.T).argmax(axis=1)) == [0, 1, 2, 3]


def test_empty_batches(emb):
    assert emb.embed_images([]).shape == (0, DIM)
    assert emb.embed_texts([]).shape == (0, DIM)


def test_tokenize_pads_and_truncates_to_context_length(emb):
    ids = emb.tokenize(["red", " ".join(["blue"] * 40), "  red \n  green  "])
    assert ids.shape == (3, 16) and ids.dtype == np.int64
    pad = emb._pad_id()
    assert ids[0, 0] != pad and (ids[0, 1:] == pad).all()
    assert (ids[1] != pad).all()  # 40 words cut to 16
    assert ids[2, 0] == ids[0, 0] and (ids[2, 2:] == pad).all()  # whitespace collapsed


def test_image_calls_count_images(tiny_models):
    e = Embedder(ModelPack.load(tiny_models / "tiny"), threads=1)
    assert e.image_calls == 0
    e.embed_images([Image.new("RGB", (32, 32))] * 3)
    e.embed_pixels(np.zeros((2, 3, SIZE, SIZE), np.float32))
    assert e.image_calls == 5
    e.embed_texts(["red"])
    assert e.image_calls == 5 and e.text_calls == 1


def test_same_image_any_size_gives_same_vector(emb):
    a, b = emb.embed_images([Image.new("RGB", (32, 32), COLORS["purple"]), Image.new("RGB", (640, 480), COLORS["purple"])])
    assert float(a @ b) > 0.999


def test_corrupt_model_file_is_a_pack_error(tmp_path, tiny_models):
    d = tmp_path / "tiny"
    shutil.copytree(tiny_models / "tiny", d)
    (d / "visual" / "model.onnx").write_bytes(b"not onnx at all")
    e = Embedder(ModelPack.load(d), threads=1)
    assert e.embed_texts(["red"]).shape == (1, DIM)  # text side still loads (sessions are lazy)
    with pytest.raises(ModelPackError, match="visual/model.onnx") as ei:
        e.embed_images([Image.new("RGB", (32, 32))])
    assert "verify" in ei.value.hint


def test_l2_normalize_survives_zero_vector():
    out = l2_normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])


def test_a_corrupt_text_model_fails_the_query_on_the_callers_thread(tmp_path, tiny_models):
    d = tmp_path / "tiny"
    shutil.copytree(tiny_models / "tiny", d)
    (d / "textual" / "model.onnx").write_bytes(b"not onnx at all")
    e = Embedder(ModelPack.load(d), threads=1)
    for _ in range(2):  # the first query loads in the background, the second again on its own
        with pytest.raises(ModelPackError, match="textual/model.onnx"):
            e.embed_texts(["red"])


def test_a_pack_whose_text_model_takes_any_length_is_fed_only_the_longest_text(tmp_path, tiny_models, monkeypatch):
    import json

    import photoseek.core.runtime.embedder as embedder_mod

    fed: list[tuple[int, ...]] = []
    real_run = embedder_mod._run
    monkeypatch.setattr(embedder_mod, "_run", lambda sess, feeds: fed.append(next(iter(feeds.values())).shape)
                        or real_run(sess, feeds))
    texts = ["red", "a photo of blue"]
    full = Embedder(ModelPack.load(tiny_models / "tiny"), threads=1).embed_texts(texts)
    assert fed == [(2, 16)]  # no trim_padding in its config: every position of the context
    root = tmp_path / "anylen"
    shutil.copytree(tiny_models / "tiny", root)
    cfg = json.loads((root / "config.json").read_text())
    cfg["text_cfg"]["trim_padding"] = True  # what export_open_clip.py writes for a causal CLIP text tower
    (root / "config.json").write_text(json.dumps(cfg))
    pack = ModelPack.load(root)
    assert pack.trims_padding
    cut = Embedder(pack, threads=1).embed_texts(texts)
    assert fed[1] == (2, 4)  # "a photo of blue" is 4 tokens: the padding after it is not computed
    np.testing.assert_allclose(cut, full, atol=1e-6)


def test_a_device_change_gives_the_next_query_a_new_text_model(emb):
    from photoseek.core.domain import Device

    before = emb.embed_texts(["red"])
    first = emb._textual
    assert first is not None
    assert emb.reconfigure(threads=1, cpus=None, device=Device.AUTO, split_images=False)  # the sessions go; AUTO is the CPU here
    assert emb._textual is None
    np.testing.assert_allclose(emb.embed_texts(["red"]), before, atol=1e-6)
    assert emb._textual is not None and emb._textual is not first


def test_a_split_image_model_takes_one_caller_per_thread_only_where_the_callers_run_lowered(tiny_models,
                                                                                           monkeypatch):
    pack = ModelPack.load(tiny_models / "tiny")
    assert Embedder(pack, threads=2).image_callers == 1  # one call spread over the session's threads
    assert Embedder(pack, threads=1, split_images=True).image_callers == 1
    split = Embedder(pack, threads=2, split_images=True)
    assert split.image_callers == 2
    monkeypatch.setattr("sys.platform", "darwin")  # a headless run's model threads keep normal priority there
    assert Embedder(pack, threads=2, split_images=True).image_callers == 1


@pytest.mark.filterwarnings("ignore:Specified provider:UserWarning")  # onnxruntime says so when it falls back
def test_an_accelerator_that_falls_back_to_the_cpu_keeps_one_caller_on_a_session_of_all_threads(tiny_models):
    """The session was made for one caller spread over every thread: the pipeline must not call it from two at
    once, although the device in use is now the CPU."""
    from photoseek.core.domain import Device
    from photoseek.core.runtime.providers import ProviderChoice

    emb = Embedder(ModelPack.load(tiny_models / "tiny"), threads=2, split_images=True)
    emb._choice = ProviderChoice(Device.CUDA, Device.CUDA, ("CUDAExecutionProvider", "CPUExecutionProvider"))
    assert emb.image_callers == 1
    emb.embed_images([Image.new("RGB", (40, 40), COLORS["red"])])  # onnxruntime here has no CUDA: the CPU runs it
    assert not emb.provider.accelerated
    assert emb.image_callers == 1 and emb._visual.get_session_options().intra_op_num_threads == 2
    emb.release_images()
    assert emb.image_callers == 2  # a session made from now on is made for the CPU
