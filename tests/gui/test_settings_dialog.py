"""The Settings dialog's device and cores controls, on a real dialog and a real settings file."""

from __future__ import annotations

import onnxruntime as ort
from PySide6.QtGui import QStandardItemModel

PROVIDER = {"cuda": "CUDAExecutionProvider", "directml": "DmlExecutionProvider",
            "coreml": "CoreMLExecutionProvider", "openvino": "OpenVINOExecutionProvider"}


def device_items(dlg) -> dict[str, tuple[bool, str, str]]:  # noqa: ANN001
    combo = dlg.compute.device
    model = combo.model()
    assert isinstance(model, QStandardItemModel)
    return {combo.itemData(i): (model.item(i).isEnabled(), combo.itemText(i), model.item(i).toolTip())
            for i in range(combo.count())}


def test_only_the_devices_onnxruntime_offers_can_be_chosen_and_cores_apply_without_restart(
        open_window, library, qtbot) -> None:
    win = open_window()
    dlg = win.open_settings()
    qtbot.waitUntil(lambda: dlg.compute.device.isEnabled(), timeout=10000)
    items = device_items(dlg)
    assert list(items) == ["cpu", "auto", "cuda", "directml", "coreml", "openvino"]
    have = set(ort.get_available_providers())
    for name, provider in PROVIDER.items():
        enabled, text, tip = items[name]
        assert enabled == (provider in have)
        if not enabled:
            assert text.endswith("not available") and "needs " in tip and "onnxruntime" in tip
    assert items["cpu"][0] and items["auto"][0]
    assert dlg.compute.device.currentData() == "cpu"
    assert "In use now: CPU (CPUExecutionProvider)" in dlg.compute.in_use.text()
    # cores: automatic by default, explained; a fixed count is saved and used by the next run
    usable = library.model_set.core_limits()[1]
    assert dlg.compute.auto.isChecked() and not dlg.compute.cores.isEnabled()
    assert dlg.compute.cores_note.text().startswith("Automatic:")
    assert dlg.compute.cores.maximum() == usable and dlg.compute.cores.minimum() == 1
    dlg.compute.auto.setChecked(False)
    assert dlg.compute.cores.isEnabled()
    dlg.compute.cores.setValue(1)
    dlg.compute.device.setCurrentIndex(dlg.compute.device.findData("auto"))
    dlg.accept()
    qtbot.waitUntil(lambda: "index_cores = 1" in library.settings_path.read_text(), timeout=5000)
    text = library.settings_path.read_text()
    assert 'device = "auto"' in text
    assert library.embedder.threads == 1  # no restart: the library's embedder took the new budget
    again = win.open_settings()
    qtbot.waitUntil(lambda: again.compute.device.isEnabled(), timeout=10000)
    assert again.compute.device.currentData() == "auto" and not again.compute.auto.isChecked()
    assert again.compute.cores.value() == 1
    again.compute.auto.setChecked(True)
    again.accept()
    qtbot.waitUntil(lambda: "index_cores = 0" in library.settings_path.read_text(), timeout=5000)


def test_a_device_that_is_missing_here_shows_the_fallback(open_window, library, home, qtbot) -> None:
    if "CUDAExecutionProvider" in ort.get_available_providers():
        return  # this onnxruntime has CUDA: nothing falls back
    library.update_settings(device="cuda")
    win = open_window()
    dlg = win.open_settings()
    qtbot.waitUntil(lambda: dlg.compute.device.isEnabled(), timeout=10000)
    assert dlg.compute.device.currentData() == "cuda"  # what the settings say, greyed out but shown
    shown = dlg.compute.in_use.text()
    assert "In use now: CPU" in shown and "cuda is not available in this onnxruntime" in shown
    assert "onnxruntime-gpu" in shown
