"""Model input from a decoded image: resize modes, crop, normalisation, config validation."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from photoseek.core.imaging.preprocess import PreprocessConfig, to_model_input

MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


def _cfg(**kw) -> PreprocessConfig:
    return PreprocessConfig.from_dict({"size": 224, "mean": MEAN, "std": STD, **kw})


def test_uniform_image_normalises_to_mean_std_formula():
    rgb = (200, 100, 50)
    out = to_model_input(Image.new("RGB", (640, 480), rgb), _cfg())
    assert out.shape == (3, 224, 224) and out.dtype == np.float32 and out.flags.c_contiguous
    expected = (np.asarray(rgb, np.float32) / 255 - np.asarray(MEAN, np.float32)) / np.asarray(STD, np.float32)
    np.testing.assert_allclose(out.reshape(3, -1).mean(axis=1), expected, atol=1e-5)
    np.testing.assert_allclose(out.reshape(3, -1).std(axis=1), 0, atol=1e-5)


def test_shortest_resizes_then_centre_crops():
    # wide image: left third red, middle third green, right third blue -> the crop keeps only the green middle
    img = Image.new("RGB", (900, 300), (255, 0, 0))
    img.paste((0, 255, 0), (300, 0, 600, 300))
    img.paste((0, 0, 255), (600, 0, 900, 300))
    cfg = PreprocessConfig.from_dict({"size": [60, 60], "mean": (0, 0, 0), "std": (1, 1, 1), "interpolation": "nearest"})
    out = to_model_input(img, cfg)
    assert out.shape == (3, 60, 60)
    np.testing.assert_allclose(out[:, 30, 30], (0, 1, 0))
    np.testing.assert_allclose(out[:, 0, 0], (0, 1, 0))  # corners of the crop are still the green middle
    np.testing.assert_allclose(out[:, 59, 59], (0, 1, 0))


def test_longest_fits_whole_image_and_pads_with_fill():
    img = Image.new("RGB", (200, 100), (255, 255, 255))
    cfg = PreprocessConfig.from_dict({"size": 50, "mean": (0, 0, 0), "std": (1, 1, 1), "resize_mode": "longest",
                                      "fill_color": 0})
    out = to_model_input(img, cfg)
    assert out.shape == (3, 50, 50)
    np.testing.assert_allclose(out[:, 25, 25], (1, 1, 1), atol=1e-6)  # image in the middle
    np.testing.assert_allclose(out[:, 2, 25], (0, 0, 0))  # padding above
    np.testing.assert_allclose(out[:, 47, 25], (0, 0, 0))  # and below
    np.testing.assert_allclose(out[:, 25, 0], (1, 1, 1), atol=1e-6)  # full width kept


def test_squash_keeps_everything_without_crop_or_padding():
    img = Image.new("RGB", (300, 100), (255, 0, 0))
    img.paste((0, 0, 255), (200, 0, 300, 100))
    cfg = PreprocessConfig.from_dict({"size": [40, 30], "mean": (0, 0, 0), "std": (1, 1, 1), "resize_mode": "squash",
                                      "interpolation": "nearest"})
    out = to_model_input(img, cfg)
    assert out.shape == (3, 40, 30)  # (H, W) as the config says
    np.testing.assert_allclose(out[:, 20, 0], (1, 0, 0))
    np.testing.assert_allclose(out[:, 20, 29], (0, 0, 1))  # the blue right edge survived (no crop)


def test_non_rgb_input_is_converted():
    out = to_model_input(Image.new("L", (64, 64), 255), _cfg(size=32))
    assert out.shape == (3, 32, 32)


def test_small_image_is_upscaled_to_full_size():
    out = to_model_input(Image.new("RGB", (10, 7), (0, 0, 0)), _cfg())
    assert out.shape == (3, 224, 224)


def test_min_side_is_the_largest_target_side():
    assert PreprocessConfig.from_dict({"size": [224, 336]}).min_side == 336
    assert PreprocessConfig.from_dict({"size": 384}).size == (384, 384)


def test_defaults_are_openai_clip():
    cfg = PreprocessConfig.from_dict({})
    assert cfg.size == (224, 224) and cfg.mean == pytest.approx(MEAN) and cfg.resize_mode == "shortest"


@pytest.mark.parametrize("bad", [
    {"mean": [0.5, 0.5]},
    {"std": [1, 1, 1, 1]},
    {"interpolation": "magic"},
    {"resize_mode": "stretch"},
])
def test_invalid_configs_raise(bad):
    with pytest.raises(ValueError):
        PreprocessConfig.from_dict(bad)


def test_load_from_json_file(tmp_path):
    p = tmp_path / "preprocess_cfg.json"
    p.write_text('{"size": [256, 256], "interpolation": "bilinear", "resize_mode": "squash"}')
    cfg = PreprocessConfig.load(p)
    assert cfg.size == (256, 256) and cfg.interpolation == "bilinear" and cfg.resize_mode == "squash"
