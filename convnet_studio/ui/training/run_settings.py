"""The settings of the next run: dataset, hyperparameters (ResNet paper defaults), device.

The form produces a :class:`~convnet_studio.train.config.TrainConfig` dict; it knows the
config only through that torch-free class, so the GUI never imports torch for it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from convnet_studio.train.config import OPTIMIZERS, RECIPES, SCHEDULES, TrainConfig
from convnet_studio.ui.training.device_probe import BASE_DEVICES, Device, DeviceProbe

DATASETS = (("Shapes (built-in, offline)", "shapes"), ("CIFAR-10", "cifar10"),
            ("CIFAR-100", "cifar100"), ("MNIST", "mnist"), ("Fashion-MNIST", "fashionmnist"),
            ("Image folder…", "folder"))


class RunSettings(QWidget):
    """Form for a run's config.

    Signals:
        changed(): any setting changed (the panel re-checks the graph against the data).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, probe: DeviceProbe | None = None) -> None:
        super().__init__(parent)
        self.probe = probe or DeviceProbe(self)
        self._probed = False
        defaults = TrainConfig()
        # data
        self.dataset = QComboBox()
        for label, key in DATASETS:
            self.dataset.addItem(label, key)
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("folder with one subfolder per class")
        self.browse = QPushButton("Browse…")
        self.download = QCheckBox("Download")
        self.download.setToolTip("Download the dataset if it is not on this machine yet")
        self.train_size = _spin(0, 10_000_000, 0, "all (shapes: 10,000)")
        self.adapt = QCheckBox("Adapt images")
        self.adapt.setToolTip("Resize images and convert channels to fit the Input node")
        # optimisation
        self.epochs = _spin(1, 100_000, defaults.epochs)
        self.max_steps = _spin(0, 100_000_000, 0, "no limit")
        self.batch_size = _spin(1, 65_536, defaults.batch_size)
        self.optimizer = QComboBox()
        self.optimizer.addItems(OPTIMIZERS)
        self.lr = _dspin(1e-6, 10.0, defaults.lr, 5)
        self.momentum = _dspin(0.0, 0.999, defaults.momentum, 3)
        self.nesterov = QCheckBox("Nesterov")
        self.weight_decay = _dspin(0.0, 1.0, defaults.weight_decay, 6)
        self.schedule = QComboBox()
        self.schedule.addItems(SCHEDULES)
        self.milestones = QLineEdit()
        self.milestones.setPlaceholderText("50%, 75%")
        self.milestones.setToolTip("Epochs at which the learning rate drops tenfold "
                                   "(default: at 50% and 75% of the epochs)")
        self.label_smoothing = _dspin(0.0, 0.99, 0.0, 2)
        self.grad_norm_every = _spin(0, 100_000, defaults.grad_norm_every, "off")
        self.grad_norm_every.setPrefix("every ")
        self.grad_norm_every.setSuffix(" steps")
        self.grad_norm_every.setToolTip("Log every layer's gradient norm every this many steps "
                                        "(for the gradient plots and the canvas colours)")
        self.seed = _spin(0, 2**31 - 1, defaults.seed)
        # hardware
        self.device = QComboBox()
        self.amp = QCheckBox("AMP")
        self.amp.setToolTip("Automatic mixed precision (on a GPU)")
        self.channels_last = QCheckBox("channels_last")
        self.compile = QCheckBox("torch.compile")
        self._set_devices(list(BASE_DEVICES))
        self.paper = QPushButton("ResNet paper defaults")
        self.paper.setToolTip("SGD, lr 0.1, momentum 0.9, weight decay 1e-4, batch 128, "
                              "lr / 10 at 50% and 75% of training")
        self._build()
        self._connect()
        self._on_dataset_changed()

    def _build(self) -> None:
        # Two label/field pairs a row keep the whole form on screen in a ~450 px dock.
        data = QFormLayout()
        data.addRow("Dataset", self.dataset)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse)
        data.addRow("Folder", row)
        data.addRow("Train images", self.train_size)
        data.addRow("", self._pair(self.download, self.adapt))
        self._data_form = data
        opt = QGridLayout()
        for i, (label, widget) in enumerate((
                ("Epochs", self.epochs), ("Max steps", self.max_steps),
                ("Batch size", self.batch_size), ("Optimizer", self.optimizer),
                ("Learning rate", self.lr), ("Momentum", self.momentum),
                ("Weight decay", self.weight_decay), ("Smoothing", self.label_smoothing),
                ("LR schedule", self.schedule), ("Milestones", self.milestones),
                ("Grad norms", self.grad_norm_every), ("Seed", self.seed))):
            opt.addWidget(QLabel(label), i // 2, 2 * (i % 2))
            opt.addWidget(widget, i // 2, 2 * (i % 2) + 1)
        opt.addLayout(self._pair(self.nesterov, self.paper), 6, 0, 1, 4)
        opt.setColumnStretch(1, 1)
        opt.setColumnStretch(3, 1)
        self.label_smoothing.setToolTip("Label smoothing of the cross-entropy loss")
        hw = QFormLayout()
        hw.addRow("Device", self.device)
        checks = self._pair(self.amp, self.channels_last)
        checks.insertWidget(2, self.compile)
        hw.addRow("", checks)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for title, form in (("Data", data), ("Optimization", opt), ("Hardware", hw)):
            box = QGroupBox(title)
            box.setLayout(form)
            layout.addWidget(box)
        layout.addStretch(1)
        self._let_fields_shrink()

    def _let_fields_shrink(self) -> None:
        """Fields may be narrower than their longest value (a spin box sizes itself for
        100,000,000), so the form fits the inspector's column on a 1366-pixel screen."""
        for widget in self.findChildren(QWidget):
            if isinstance(widget, (QSpinBox, QDoubleSpinBox, QLineEdit)):
                widget.setMinimumWidth(60)
            elif isinstance(widget, QComboBox):
                widget.setSizeAdjustPolicy(
                    QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                widget.setMinimumContentsLength(3)

    @staticmethod
    def _pair(a: QWidget, b: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(a)
        row.addWidget(b)
        row.addStretch(1)
        return row

    def _connect(self) -> None:
        self.dataset.currentIndexChanged.connect(self._on_dataset_changed)
        self.browse.clicked.connect(self._on_browse_clicked)
        self.paper.clicked.connect(self._on_paper_clicked)
        self.device.currentIndexChanged.connect(self._on_device_changed)
        self.probe.devices_found.connect(self._on_devices_found)
        for w in (self.folder,):
            w.editingFinished.connect(self.changed)
        for w in (self.adapt,):
            w.toggled.connect(self.changed)

    # ------------------------------------------------------------------ values
    @property
    def dataset_key(self) -> str:
        key = self.dataset.currentData()
        return f"folder:{self.folder.text().strip()}" if key == "folder" else key

    def selected_device(self) -> Device:
        return self.device.currentData() or BASE_DEVICES[0]

    def worker_env(self) -> dict[str, str]:
        """Environment for the worker: the chosen GPU becomes the only visible one."""
        device = self.selected_device()
        return {"CUDA_VISIBLE_DEVICES": str(device.index)} if device.index is not None else {}

    def config(self) -> dict[str, Any]:
        """The run config as a dict (validate with ``TrainConfig.from_dict``)."""
        device = self.selected_device()
        milestones = [int(m) for m in self.milestones.text().replace(",", " ").split()
                      if m.strip().isdigit()]
        return {
            "dataset": self.dataset_key, "download": self.download.isChecked(),
            "train_size": self.train_size.value() or None, "adapt_input": self.adapt.isChecked(),
            "epochs": self.epochs.value(), "max_steps": self.max_steps.value() or None,
            "batch_size": self.batch_size.value(), "optimizer": self.optimizer.currentText(),
            "lr": self.lr.value(), "momentum": self.momentum.value(),
            "nesterov": self.nesterov.isChecked(), "weight_decay": self.weight_decay.value(),
            "schedule": self.schedule.currentText(), "milestones": milestones or None,
            "label_smoothing": self.label_smoothing.value(),
            "grad_norm_every": self.grad_norm_every.value(), "seed": self.seed.value(),
            "device": device.config, "amp": "auto" if self.amp.isChecked() else "off",
            "channels_last": self.channels_last.isChecked(), "compile": self.compile.isChecked(),
        }

    def set_values(self, **values: Any) -> None:
        """Set fields by config name (tests and scripts): ``set_values(epochs=1, lr=0.01)``."""
        for name, value in values.items():
            widget = getattr(self, name)
            if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
                widget.setValue(value or 0)
            elif isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif isinstance(widget, QLineEdit):
                widget.setText(str(value))
            elif name == "dataset":
                self.dataset.setCurrentIndex(max(0, self.dataset.findData(value)))
            else:
                widget.setCurrentText(str(value))

    def probe_devices(self) -> None:
        """Ask the probe for GPUs once (it runs in a child process)."""
        if not self._probed:
            self._probed = True
            self.probe.start()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.probe_devices()

    def _set_devices(self, devices: list[Device]) -> None:
        current = self.device.currentData()
        self.device.blockSignals(True)
        self.device.clear()
        for d in devices:
            self.device.addItem(d.label, d)
        index = next((i for i, d in enumerate(devices) if d == current), 0)
        self.device.setCurrentIndex(index)
        self.device.blockSignals(False)
        self._on_device_changed()

    # ------------------------------------------------------------------ slots
    def _on_dataset_changed(self, *_: Any) -> None:
        key = self.dataset.currentData()
        self.folder.setEnabled(key == "folder")
        self.browse.setEnabled(key == "folder")
        self._data_form.setRowVisible(1, key == "folder")  # the folder row, only for folders
        self.download.setEnabled(key not in ("shapes", "folder"))
        self.changed.emit()

    def _on_browse_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Image folder (one subfolder per class)")
        if path:
            self.folder.setText(path)
            self.changed.emit()

    def _on_paper_clicked(self) -> None:
        d = TrainConfig.from_dict(RECIPES["paper"])
        self.set_values(optimizer=d.optimizer, lr=d.lr, momentum=d.momentum, nesterov=False,
                        weight_decay=d.weight_decay, batch_size=d.batch_size,
                        schedule=d.schedule, milestones="", label_smoothing=0.0)

    def _on_device_changed(self, *_: Any) -> None:
        gpu = self.selected_device().config in ("cuda", "auto") and len(self.probe.devices) > 2
        self.amp.setEnabled(gpu or self.selected_device().config == "cuda")
        self.channels_last.setChecked(self.selected_device().config == "cuda")

    def _on_devices_found(self, devices: list[Device]) -> None:
        self._set_devices(devices)


def _spin(lo: int, hi: int, value: int, special: str | None = None) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    box.setGroupSeparatorShown(True)
    if special:
        box.setSpecialValueText(special)
    return box


def _dspin(lo: float, hi: float, value: float, decimals: int) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(decimals)
    box.setRange(lo, hi)
    box.setSingleStep(10 ** -(decimals - 1) if decimals > 1 else 0.1)
    box.setValue(value)
    return box
