"""The plugin boundary: what a plugin (the training UI) may use of the studio window.

The window calls ``install(window)`` after its first paint; :class:`StudioWindow` is all an
installer may rely on, so the window can change behind it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDockWidget, QMenu, QMenuBar, QStatusBar, QWidget

    from convnet_studio.ui.canvas.scene import GraphScene
    from convnet_studio.ui.document import Document


class StudioWindow(Protocol):
    """The main window as plugins see it (``convnet_studio.ui.main_window.MainWindow``)."""

    document: Document
    scene: GraphScene  # with the overlay API: set_node_overlay, clear_overlays, set_overlay_legend
    menus: dict[str, QMenu]  # name -> menu; a plugin may add its own ("training")

    def add_dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        """Add a dock whose place is remembered between sessions."""
        ...

    def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt's name)

    def menuBar(self) -> QMenuBar: ...  # noqa: N802 (Qt's name)


# Docks the plugin into the window; returns the plugin's controller.
Installer = Callable[[StudioWindow], object]
