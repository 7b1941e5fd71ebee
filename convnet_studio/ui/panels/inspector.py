"""The inspector: the selected node's name, shapes, costs and parameters, editable.

Widget -> model: each change pushes a ``SetParamsCommand`` (typing in one field merges into
one undo step). Model -> widget: the panel follows ``params_changed`` and ``node_renamed``,
so undo, redo and edits from elsewhere show up here; it never writes the graph itself.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from convnet_studio.graph.analysis import Analysis
from convnet_studio.graph.model import GraphError
from convnet_studio.graph.registry import has_block
from convnet_studio.ui.commands import RenameCommand
from convnet_studio.ui.document import Document
from convnet_studio.ui.format import fmt_bytes, fmt_count, shape_text
from convnet_studio.ui.panels.param_editors import Field, make_field


class InspectorPanel(QWidget):
    """Edits the one selected node (several selected: shows how many)."""

    def __init__(self, document: Document, editor: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.editor = editor
        self.name: str | None = None
        self.fields: dict[str, Field] = {}
        self.title = QLabel()
        self.title.setTextFormat(Qt.RichText)
        self.title.setWordWrap(True)
        self.name_edit = QLineEdit()
        self.name_edit.setToolTip("the module path in the compiled network (e.g. layer1.0.conv1)")
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d23a3a")
        self.error.setVisible(False)  # an empty label still costs a row of the inspector
        # Operations on the node at hand, shown only where they apply.
        self.expand_button = QPushButton("Expand into layers")
        self.collapse_button = QPushButton("Collapse back")
        self.projection_button = QPushButton("Insert projection shortcut")
        buttons = QHBoxLayout()
        for button in (self.expand_button, self.collapse_button, self.projection_button):
            button.setVisible(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.expand_button.clicked.connect(self._on_expand_clicked)
        self.collapse_button.clicked.connect(self._on_collapse_clicked)
        self.projection_button.clicked.connect(self._on_projection_clicked)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form_host)
        scroll.setFrameShape(QScrollArea.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        for widget in (self.title, self.name_edit, self.info, self.error):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        layout.addWidget(scroll, 1)
        self.name_edit.editingFinished.connect(self._on_name_edited)
        document.selection_changed.connect(self._on_selection_changed)
        document.analysis_updated.connect(self._on_analysis_updated)
        events = document.graph.events
        events.params_changed.connect(self._on_params_changed)
        events.node_renamed.connect(self._on_node_renamed)
        events.reset.connect(self._on_reset)
        self._on_selection_changed(document.selection)

    # ------------------------------------------------------------------ building
    def show_node(self, name: str | None) -> None:
        self.name = name if name in self.document.graph else None
        self._clear_form()
        self._show_error("")
        graph = self.document.graph
        if self.name is None:
            count = len(self.document.selection)
            self.title.setText(
                f"<b>{count} nodes selected</b>"
                if count > 1
                else "<i>Select a block to edit it, or drag one from the palette.</i>"
            )
            self.name_edit.setVisible(False)
            self.info.clear()
            return
        node = graph.node(self.name)
        self.name_edit.setVisible(True)
        self.name_edit.setText(node.name)
        known = has_block(node.type)
        description = node.spec.description if known else "unknown block type"
        self.title.setText(f"<b>{node.type}</b><br><span style='color:gray'>{description}</span>")
        if known:
            for spec in node.spec.params:
                field = make_field(spec)
                field.set_value(node.params.get(spec.name, spec.default))
                field.widget.setToolTip(spec.doc)
                field.changed.connect(lambda _value, n=spec.name: self._on_field_changed(n))
                self.fields[spec.name] = field
                self.form.addRow(spec.name.replace("_", " "), field.widget)
        self._show_info(self.document.analysis())

    def _update_buttons(self, analysis: Analysis) -> None:
        node = self.document.graph.node(self.name) if self.name in self.document.graph else None
        composite = bool(node and has_block(node.type) and node.spec.is_composite)
        self.expand_button.setVisible(composite)
        self.collapse_button.setVisible(bool(node and node.meta.get("origin")))
        mismatch = bool(node and node.type == "Add" and analysis.problems_for(node.name))
        self.projection_button.setVisible(mismatch)

    def _on_expand_clicked(self) -> None:
        if self.name:
            self.editor.expand(self.name)

    def _on_collapse_clicked(self) -> None:
        if self.name:
            self.editor.collapse(self.name)

    def _on_projection_clicked(self) -> None:
        if self.name:
            self.editor.insert_projection(self.name, "B")

    def _clear_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}

    def _show_info(self, analysis: Analysis) -> None:
        self._update_buttons(analysis)
        if self.name is None:
            return
        result = analysis.nodes.get(self.name)
        if result is None:
            self.info.setText("not analysed (part of a cycle?)")
            return
        ins = ", ".join(
            ("" if p == "in" else f"{p}: ") + (shape_text(s) or "?")
            for p, s in result.inputs.items()
        )
        outs = shape_text(analysis.output_shape(self.name)) or "?"
        cost = result.cost
        lines = [
            f"in {ins}" if ins else "",
            f"out {outs}",
            (
                f"{fmt_count(cost.params)} params, {fmt_count(cost.macs)} MACs, "
                f"{fmt_bytes(cost.activation_bytes())} activations / image"
            ),
        ]
        lines += [f"\u26a0 {p.message}" for p in analysis.problems_for(self.name)]
        self.info.setText("\n".join(line for line in lines if line))

    # ------------------------------------------------------------------ widget -> model
    def _on_field_changed(self, field_name: str) -> None:
        if self.name is None:
            return
        value = self.fields[field_name].value()
        node = self.document.graph.node(self.name)
        problem = self.document.graph.params_problem(self.name, {field_name: value})
        if problem is not None and problem.field in (field_name, None):
            self._mark(field_name, problem.message)
            return
        self._mark(field_name, None)
        if node.params.get(field_name) != value:
            self.editor.set_params(self.name, {field_name: value})

    def _mark(self, field_name: str, message: str | None) -> None:
        widget = self.fields[field_name].widget
        widget.setStyleSheet("" if message is None else "border: 1px solid #d23a3a;")
        self._show_error("" if message is None else f"{field_name}: {message}")

    def _on_name_edited(self) -> None:
        new = self.name_edit.text().strip()
        if self.name is None or new == self.name:
            return
        # Try it on a copy first: a command whose redo raises must never reach the stack.
        try:
            self.document.graph.copy().rename_node(self.name, new)
        except GraphError as exc:
            self._show_error(str(exc))
            self.name_edit.setText(self.name)
            return
        self._show_error("")
        self.document.push(RenameCommand(self.document, self.name, new))

    # ------------------------------------------------------------------ model -> widget
    def _on_selection_changed(self, names: list[str]) -> None:
        wanted = names[0] if len(names) == 1 else None
        if wanted != self.name or wanted is None:
            self.show_node(wanted)

    def _on_params_changed(self, name: str, old: dict, new: dict) -> None:
        if name != self.name:
            return
        for key, field in self.fields.items():
            if key in new and field.value() != new[key]:
                field.set_value(new[key])

    def _on_node_renamed(self, old: str, new: str) -> None:
        if old == self.name:
            self.name = new
            self.name_edit.setText(new)

    def _on_reset(self) -> None:
        if self.name is not None and self.name not in self.document.graph:
            self.show_node(None)
        elif self.name is not None:
            self._on_params_changed(self.name, {}, self.document.graph.node(self.name).params)

    def _on_analysis_updated(self, analysis: Analysis) -> None:
        self._show_info(analysis)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
