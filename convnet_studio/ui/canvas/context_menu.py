"""The canvas's right-click menu: what can be done to the node, edge or group under the mouse."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QGraphicsSceneContextMenuEvent, QMenu

from convnet_studio.graph.registry import has_block
from convnet_studio.ui.canvas.edge_item import EdgeItem
from convnet_studio.ui.canvas.fold_item import FoldItem
from convnet_studio.ui.canvas.node_item import NodeItem

if TYPE_CHECKING:
    from convnet_studio.ui.canvas.scene import GraphScene


def show_context_menu(scene: GraphScene, event: QGraphicsSceneContextMenuEvent) -> None:
    item = scene.itemAt(event.scenePos(), _transform(scene))
    while item is not None and not isinstance(item, (NodeItem, EdgeItem, FoldItem)):
        item = item.parentItem()
    menu = QMenu()
    editor = scene.editor
    if isinstance(item, NodeItem):
        if not item.isSelected():
            scene.document.set_selection([item.name])
        _node_actions(scene, menu, item.name)
    elif isinstance(item, EdgeItem):
        edge = item.edge
        menu.addAction("Disconnect", lambda: editor.disconnect([edge]))
    elif isinstance(item, FoldItem):
        menu.addAction(f"Unfold {item.group}", lambda: scene.set_folded(item.group, False))
    else:
        pos = event.scenePos()
        menu.addAction("Paste here", lambda: editor.paste(at=pos))
        menu.addAction("Fold all repeated blocks", lambda: scene.folds.fold_all(True))
        menu.addAction("Unfold all", lambda: scene.folds.fold_all(False))
        menu.addSeparator()
        menu.addAction("Auto layout, left to right", lambda: editor.auto_layout("LR"))
        menu.addAction("Auto layout, top to bottom", lambda: editor.auto_layout("TB"))
    menu.exec(event.screenPos())


def _node_actions(scene: GraphScene, menu: QMenu, name: str) -> None:
    editor, graph = scene.editor, scene.graph
    node = graph.node(name)
    selection = scene.document.selection or [name]
    if has_block(node.type) and node.spec.is_composite:
        menu.addAction(f"Expand {node.type} into its layers", lambda: editor.expand(name))
    if node.meta.get("origin"):
        origin = node.meta["origin"].get("name", "")
        menu.addAction(f"Collapse back into {origin}", lambda: editor.collapse(name))
    if node.type == "Add" and any(p.node == name for p in scene.document.analysis().problems):
        menu.addAction(
            "Insert projection shortcut (1x1 conv + BN)",
            lambda: editor.insert_projection(name, "B"),
        )
        menu.addAction(
            "Insert zero-padding shortcut (option A)", lambda: editor.insert_projection(name, "A")
        )
    group = scene.fold_group_of(name)
    if group and group in scene.folds.groups():
        menu.addAction(f"Fold {group}", lambda: scene.set_folded(group, True))
    menu.addSeparator()
    menu.addAction("Duplicate", lambda: editor.duplicate(selection))
    menu.addAction("Copy", lambda: editor.copy(selection))
    menu.addAction("Delete", lambda: editor.delete(selection))


def _transform(scene: GraphScene) -> QTransform:
    views = scene.views()
    return views[0].transform() if views else QTransform()
