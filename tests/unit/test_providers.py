"""Execution-provider choice, with the provider lists real onnxruntime builds report (no accelerator here)."""

from __future__ import annotations

import pytest

from photoseek.core.domain import Device
from photoseek.core.runtime.providers import (
    CPU_PROVIDER,
    available_providers,
    choose,
    device_options,
    parse_device,
    running_device,
)

# what get_available_providers() returns in each wheel (onnxruntime 1.2x-1.3x)
CPU_WHEEL = ["AzureExecutionProvider", "CPUExecutionProvider"]
GPU_WHEEL = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
DML_WHEEL = ["DmlExecutionProvider", "CPUExecutionProvider"]
MAC_WHEEL = ["CoreMLExecutionProvider", "AzureExecutionProvider", "CPUExecutionProvider"]
OPENVINO_WHEEL = ["OpenVINOExecutionProvider", "CPUExecutionProvider"]


def test_cpu_is_the_default_and_needs_nothing():
    c = choose(Device.CPU, GPU_WHEEL)
    assert c.device is Device.CPU and c.providers == (CPU_PROVIDER,) and c.note is None
    assert c.describe() == "cpu"


@pytest.mark.parametrize(("wanted", "wheel", "first"), [
    (Device.CUDA, GPU_WHEEL, "CUDAExecutionProvider"),
    (Device.DIRECTML, DML_WHEEL, "DmlExecutionProvider"),
    (Device.COREML, MAC_WHEEL, "CoreMLExecutionProvider"),
    (Device.OPENVINO, OPENVINO_WHEEL, "OpenVINOExecutionProvider"),
])
def test_a_present_accelerator_runs_first_with_the_cpu_behind_it(wanted, wheel, first):
    c = choose(wanted, wheel)
    assert c.device is wanted and c.providers == (first, CPU_PROVIDER) and c.note is None
    assert c.describe() == f"{wanted.value} ({first})"


@pytest.mark.parametrize(("wheel", "device"), [
    (GPU_WHEEL, Device.CUDA), (DML_WHEEL, Device.DIRECTML), (MAC_WHEEL, Device.COREML),
    (OPENVINO_WHEEL, Device.OPENVINO), (CPU_WHEEL, Device.CPU),
])
def test_auto_takes_what_the_wheel_offers_silently(wheel, device):
    c = choose(Device.AUTO, wheel)
    assert c.device is device and c.note is None


def test_a_missing_accelerator_falls_back_to_the_cpu_with_one_clear_line():
    c = choose(Device.CUDA, CPU_WHEEL)
    assert c.device is Device.CPU and c.providers == (CPU_PROVIDER,)
    assert c.note is not None and "\n" not in c.note
    assert "cuda is not available" in c.note and "Azure, CPU" in c.note and "onnxruntime-gpu" in c.note
    assert c.describe().startswith("cpu; cuda is not available")
    assert "onnxruntime-directml" in (choose(Device.DIRECTML, GPU_WHEEL).note or "")


def test_an_accelerator_that_fails_to_start_is_reported_as_cpu():
    c = choose(Device.CUDA, GPU_WHEEL)
    assert running_device(c, ["CUDAExecutionProvider", CPU_PROVIDER]) is c
    fell = running_device(c, [CPU_PROVIDER])
    assert fell.device is Device.CPU and "could not start" in (fell.note or "")


def test_device_names_are_checked():
    assert parse_device(" CUDA ") is Device.CUDA
    with pytest.raises(ValueError, match="choose one of: cpu, auto, cuda"):
        parse_device("gpu")


def test_this_machine_has_the_cpu_provider():
    assert CPU_PROVIDER in available_providers()
    assert choose(Device.AUTO, available_providers()).device is Device.CPU  # nothing here has a GPU


def test_device_options_offer_only_what_the_wheel_has_and_say_what_to_install():
    opts = {o.device: o for o in device_options(GPU_WHEEL)}
    assert list(opts) == [Device.CPU, Device.AUTO, Device.CUDA, Device.DIRECTML, Device.COREML, Device.OPENVINO]
    assert opts[Device.CUDA].available and opts[Device.AUTO].resolves_to is Device.CUDA
    assert not opts[Device.DIRECTML].available and "onnxruntime-directml" in (opts[Device.DIRECTML].why_not or "")
    cpu_only = {o.device: o for o in device_options(CPU_WHEEL)}
    assert [d for d, o in cpu_only.items() if o.available] == [Device.CPU, Device.AUTO]
    assert cpu_only[Device.AUTO].resolves_to is Device.CPU
    assert "onnxruntime-gpu" in (cpu_only[Device.CUDA].why_not or "")
    mac = {o.device: o for o in device_options(MAC_WHEEL)}
    assert mac[Device.COREML].available and mac[Device.AUTO].resolves_to is Device.COREML
