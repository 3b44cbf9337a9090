"""Execution providers: which ONNX Runtime backend runs the models for a chosen :class:`Device`.

The choice is pure (:func:`choose` takes the provider names onnxruntime reports), so it is tested with the lists a
CUDA, DirectML, CoreML or OpenVINO build reports on machines we do not have. The CPU provider is always last in
the list handed to a session, so an accelerator that fails to start (a missing CUDA library) falls back to it;
:func:`running_device` reads what a session really got.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from photoseek.core.domain import Device

if TYPE_CHECKING:  # built for a settings list; a search chooses a provider and builds none
    from photoseek.core.reports import DeviceOption

CPU_PROVIDER = "CPUExecutionProvider"
PROVIDERS: dict[Device, str] = {
    Device.CUDA: "CUDAExecutionProvider",
    Device.DIRECTML: "DmlExecutionProvider",
    Device.COREML: "CoreMLExecutionProvider",
    Device.OPENVINO: "OpenVINOExecutionProvider",
    Device.CPU: CPU_PROVIDER,
}
AUTO_ORDER = (Device.CUDA, Device.DIRECTML, Device.COREML, Device.OPENVINO)
# what to install for each accelerator (one onnxruntime package replaces another; they do not combine)
PACKAGES: dict[Device, str] = {
    Device.CUDA: "onnxruntime-gpu (with CUDA 12 and cuDNN 9)",
    Device.DIRECTML: "onnxruntime-directml (Windows 10 1903 or later)",
    Device.COREML: "the standard onnxruntime wheel for macOS",
    Device.OPENVINO: "onnxruntime-openvino",
}


@dataclass(frozen=True)
class ProviderChoice:
    """What runs the models: the device asked for, the one used, the providers in order, and a line for people
    when the two differ (None when they do not)."""

    wanted: Device
    device: Device
    providers: tuple[str, ...]
    note: str | None = None

    @property
    def accelerated(self) -> bool:
        return self.device is not Device.CPU

    def describe(self) -> str:
        """One line for ``status``: ``"cpu"``, ``"cuda (CUDAExecutionProvider)"``, or the fallback note."""
        text = self.device.value if self.device is Device.CPU else f"{self.device.value} ({self.providers[0]})"
        return f"{text}; {self.note}" if self.note else text


def parse_device(value: str | Device) -> Device:
    """A device from a setting or a flag; unknown names are refused with the known ones listed."""
    try:
        return Device(str(value).strip().lower())
    except ValueError:
        known = ", ".join(d.value for d in Device)
        raise ValueError(f"unknown device {value!r} (choose one of: {known})") from None


def choose(wanted: Device, available: Sequence[str]) -> ProviderChoice:
    """The providers for ``wanted`` given the provider names onnxruntime reports (``get_available_providers()``).

    ``auto`` takes the first accelerator in :data:`AUTO_ORDER` that is present and says nothing when there is none;
    a named accelerator that is missing falls back to the CPU with a note that says what to install.
    """
    have = set(available)
    if wanted is Device.AUTO:
        for dev in AUTO_ORDER:
            if PROVIDERS[dev] in have:
                return ProviderChoice(wanted, dev, (PROVIDERS[dev], CPU_PROVIDER))
        return ProviderChoice(wanted, Device.CPU, (CPU_PROVIDER,))
    if wanted is Device.CPU:
        return ProviderChoice(wanted, Device.CPU, (CPU_PROVIDER,))
    if PROVIDERS[wanted] in have:
        return ProviderChoice(wanted, wanted, (PROVIDERS[wanted], CPU_PROVIDER))
    offered = ", ".join(sorted(p.removesuffix("ExecutionProvider") for p in have)) or "none"
    note = (f"{wanted.value} is not available in this onnxruntime (it offers: {offered}); using the CPU. "
            f"For {wanted.value} install {PACKAGES[wanted]}.")
    return ProviderChoice(wanted, Device.CPU, (CPU_PROVIDER,), note)


def device_options(available: Sequence[str]) -> list[DeviceOption]:
    """Every device in the order a settings list shows them, each usable here or not (and what to install for
    it) given the provider names onnxruntime reports."""
    from photoseek.core.reports import DeviceOption

    have = set(available)
    out = []
    for dev in (Device.CPU, Device.AUTO, *AUTO_ORDER):
        if dev in (Device.CPU, Device.AUTO):
            out.append(DeviceOption(dev, True, choose(dev, available).device))
        elif PROVIDERS[dev] in have:
            out.append(DeviceOption(dev, True, dev))
        else:
            out.append(DeviceOption(dev, False, Device.CPU, f"not in this onnxruntime; needs {PACKAGES[dev]}"))
    return out


def available_providers() -> list[str]:
    """What the installed onnxruntime can run on."""
    import onnxruntime as ort

    return list(ort.get_available_providers())


def choose_installed(wanted: Device) -> ProviderChoice:
    return choose(wanted, available_providers())


def configure(opts: Any, choice: ProviderChoice) -> None:
    """Session options an accelerator needs: DirectML runs neither memory patterns nor parallel execution."""
    if choice.device is Device.DIRECTML:
        import onnxruntime as ort

        opts.enable_mem_pattern = False
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL


def running_device(choice: ProviderChoice, session_providers: Sequence[str]) -> ProviderChoice:
    """The choice corrected by what a session really runs on (an accelerator whose libraries failed to load is
    silently replaced by the CPU inside onnxruntime)."""
    if choice.device is Device.CPU or (session_providers and session_providers[0] == choice.providers[0]):
        return choice
    note = (f"{choice.device.value} is installed but could not start (missing drivers or libraries?); using the "
            f"CPU. Run with -v to see onnxruntime's reason.")
    return ProviderChoice(choice.wanted, Device.CPU, (CPU_PROVIDER,), note)
