"""Find the training devices in a short child process, so the GUI never imports torch.

The probe prints one JSON object: ``{"cuda": [{"index", "name", "memory_gb",
"capability"}], "mps": bool, "torch": version}``. Until it answers (about a second, the
time to import torch) the device list offers ``auto`` and ``cpu``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

from PySide6.QtCore import QObject, QProcess, Signal

PROBE = r"""
import json, torch
cuda = []
if torch.cuda.is_available():
    for i in range(torch.cuda.device_count()):
        p = torch.cuda.get_device_properties(i)
        cuda.append({"index": i, "name": p.name, "memory_gb": round(p.total_memory / 2**30, 1),
                     "capability": f"{p.major}.{p.minor}"})
mps = getattr(torch.backends, "mps", None)
print(json.dumps({"cuda": cuda, "mps": bool(mps and mps.is_available()),
                  "torch": torch.__version__}))
"""


@dataclass(frozen=True)
class Device:
    """One entry of the device list: ``config`` is TrainConfig.device, ``index`` a GPU."""

    label: str
    config: str
    index: int | None = None


BASE_DEVICES = (Device("Auto (best available)", "auto"), Device("CPU", "cpu"))


def parse_probe(text: str) -> list[Device]:
    """The devices in the probe's output (the base ones first)."""
    devices = list(BASE_DEVICES)
    try:
        found = json.loads(text.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return devices
    for gpu in found.get("cuda", []):
        devices.append(Device(f"GPU {gpu['index']}: {gpu['name']} ({gpu['memory_gb']} GB)",
                              "cuda", int(gpu["index"])))
    if found.get("mps"):
        devices.append(Device("Apple GPU (MPS)", "mps"))
    return devices


class DeviceProbe(QObject):
    """Runs the probe once per :meth:`start`; emits ``devices_found(list[Device])``.

    Signals:
        devices_found(list): the devices, base ones first (only those if the probe failed).
    """

    devices_found = Signal(list)

    def __init__(self, parent: QObject | None = None, python: str | None = None) -> None:
        super().__init__(parent)
        self.python = python or sys.executable
        self.devices: list[Device] = list(BASE_DEVICES)
        self.process: QProcess | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def start(self) -> None:
        if self.running:
            return
        self.process = QProcess(self)
        self.process.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        self.process.finished.connect(self._on_finished)
        self.process.errorOccurred.connect(self._on_error)
        self.process.start(self.python, ["-c", PROBE])

    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        out = bytes(self.process.readAllStandardOutput()).decode(errors="replace")
        self.devices = parse_probe(out) if code == 0 else list(BASE_DEVICES)
        self.devices_found.emit(self.devices)

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.devices_found.emit(list(BASE_DEVICES))
