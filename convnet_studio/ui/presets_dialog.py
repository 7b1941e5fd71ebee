"""The presets gallery: every built-in network by family, opened as a new document."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

NAME_ROLE = Qt.UserRole + 1


def presets_module():
    """``convnet_studio.presets``, imported when first needed (it imports no torch)."""
    from convnet_studio import presets

    return presets


class PresetsDialog(QDialog):
    """Pick a preset, its number of classes and its input size; ``choice()`` after ``exec``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Presets gallery")
        self.resize(760, 520)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Network", "Description"])
        self.tree.setColumnWidth(0, 190)
        self.tree.setWordWrap(True)
        self.classes = QSpinBox()
        self.classes.setRange(1, 100000)
        self.size = QSpinBox()
        self.size.setRange(8, 4096)
        self.channels = QSpinBox()
        self.channels.setRange(1, 64)
        self.details = QLabel()
        self.details.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Classes", self.classes)
        size_row = QHBoxLayout()
        size_row.addWidget(self.channels)
        size_row.addWidget(QLabel("channels,"))
        size_row.addWidget(self.size)
        size_row.addWidget(QLabel("pixels square"))
        form.addRow("Input", size_row)
        buttons = QDialogButtonBox(QDialogButtonBox.Open | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.open_button = buttons.button(QDialogButtonBox.Open)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.details)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._infos: dict[str, object] = {}
        # Connected before the first item is made current, so its defaults fill the fields.
        self.tree.currentItemChanged.connect(self._on_current_item_changed)
        self.tree.itemDoubleClicked.connect(self._on_item_double_clicked)
        self._populate()

    def _populate(self) -> None:
        presets = presets_module()
        families: dict[str, QTreeWidgetItem] = {}
        for info in presets.list_presets():
            top = families.get(info.family)
            if top is None:
                top = families[info.family] = QTreeWidgetItem(self.tree, [info.family])
                top.setFlags(Qt.ItemIsEnabled)
                top.setExpanded(True)
            item = QTreeWidgetItem(top, [info.name, info.description])
            item.setData(0, NAME_ROLE, info.name)
            item.setToolTip(1, info.description)
            self._infos[info.name] = info
        first = next(iter(families.values()), None)
        if first is not None and first.childCount():
            self.tree.setCurrentItem(first.child(0))

    def select(self, name: str) -> None:
        for item in self.tree.findItems(name, Qt.MatchExactly | Qt.MatchRecursive, 0):
            self.tree.setCurrentItem(item)

    def choice(self) -> tuple[str, int, tuple[int, int, int]] | None:
        item = self.tree.currentItem()
        name = item.data(0, NAME_ROLE) if item else None
        if not name:
            return None
        return (
            name,
            self.classes.value(),
            (self.channels.value(), self.size.value(), self.size.value()),
        )

    def _on_current_item_changed(self, item: QTreeWidgetItem | None, _previous: object) -> None:
        self._show_defaults(item)

    def _show_defaults(self, item: QTreeWidgetItem | None) -> None:
        """Fill the fields with ``item``'s own number of classes and input size."""
        name = item.data(0, NAME_ROLE) if item else None
        info = self._infos.get(name) if name else None
        self.open_button.setEnabled(info is not None)
        if info is None:
            return
        self.classes.setValue(info.default_num_classes)
        self.channels.setValue(info.default_input[0])
        self.size.setValue(info.default_input[1])
        source = f"<br><i>{info.source}</i>" if info.source else ""
        tv = f" Same as torchvision's <code>{info.torchvision}</code>." if info.torchvision else ""
        self.details.setText(f"<b>{info.name}</b>: {info.description}{tv}{source}")

    def _on_item_double_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        if item.data(0, NAME_ROLE):
            self.accept()
