"""Light and dark themes: the Qt palette for widgets and the colours the canvas paints with.

The canvas reads :func:`canvas_colors` when it paints, so switching themes is a palette change
and a repaint; nothing is stored per item.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("light", "dark")

# Header colours per registry category (the palette groups), readable in both themes.
CATEGORY_COLORS = {
    "Input/Output": "#5b7083",
    "Convolution": "#2f6fb5",
    "Normalization & activation": "#3e8e5e",
    "Pooling": "#8a6d1f",
    "VGG": "#8b4a9c",
    "Inception": "#b0573a",
    "Residual": "#1f7f86",
    "Heads": "#6b5b95",
    "DenseNet & SqueezeNet": "#9c4a6b",
    "ConvNeXt": "#4b6a2e",
}


@dataclass(frozen=True)
class CanvasColors:
    background: QColor
    grid: QColor
    grid_major: QColor
    node_fill: QColor
    node_border: QColor
    node_text: QColor
    node_subtext: QColor
    selected: QColor
    error: QColor
    auto: QColor
    edge: QColor
    edge_label_bg: QColor
    edge_label_text: QColor
    port_map: QColor
    port_vector: QColor
    port_unknown: QColor
    fold_fill: QColor


_LIGHT = CanvasColors(
    background=QColor("#f6f7f9"),
    grid=QColor("#e6e8ec"),
    grid_major=QColor("#d5d9e0"),
    node_fill=QColor("#ffffff"),
    node_border=QColor("#aab2bd"),
    node_text=QColor("#1d232b"),
    node_subtext=QColor("#59626e"),
    selected=QColor("#f0a020"),
    error=QColor("#d23a3a"),
    auto=QColor("#8e44ad"),
    edge=QColor("#7d8794"),
    edge_label_bg=QColor(255, 255, 255, 225),
    edge_label_text=QColor("#3a424d"),
    port_map=QColor("#2f6fb5"),
    port_vector=QColor("#d98a1c"),
    port_unknown=QColor("#9aa3ad"),
    fold_fill=QColor("#eef2f7"),
)
_DARK = CanvasColors(
    background=QColor("#1e2227"),
    grid=QColor("#262b31"),
    grid_major=QColor("#30363e"),
    node_fill=QColor("#2b3038"),
    node_border=QColor("#4a525d"),
    node_text=QColor("#e8ecf1"),
    node_subtext=QColor("#a8b1bc"),
    selected=QColor("#f0b040"),
    error=QColor("#ff6b6b"),
    auto=QColor("#c58af0"),
    edge=QColor("#8a95a3"),
    edge_label_bg=QColor(30, 34, 39, 225),
    edge_label_text=QColor("#cfd6de"),
    port_map=QColor("#5aa0ff"),
    port_vector=QColor("#ffb347"),
    port_unknown=QColor("#6d7781"),
    fold_fill=QColor("#323944"),
)

_current = "light"


def canvas_colors() -> CanvasColors:
    return _DARK if _current == "dark" else _LIGHT


def current_theme() -> str:
    return _current


def category_color(category: str) -> QColor:
    return QColor(CATEGORY_COLORS.get(category, "#607080"))


def apply_theme(app: QApplication, name: str) -> None:
    """Set the widget palette (Fusion style, so it looks the same everywhere) and canvas colours."""
    global _current
    _current = name if name in THEMES else "light"
    app.setStyle("Fusion")
    app.setPalette(_dark_palette() if _current == "dark" else app.style().standardPalette())


def _dark_palette() -> QPalette:
    p = QPalette()
    base, window, text = QColor("#202429"), QColor("#2a2f35"), QColor("#e6e9ed")
    for role, color in (
        (QPalette.Window, window),
        (QPalette.WindowText, text),
        (QPalette.Base, base),
        (QPalette.AlternateBase, QColor("#2f353c")),
        (QPalette.Text, text),
        (QPalette.Button, window),
        (QPalette.ButtonText, text),
        (QPalette.Highlight, QColor("#3d7bd9")),
        (QPalette.HighlightedText, QColor("#ffffff")),
        (QPalette.ToolTipBase, QColor("#33393f")),
        (QPalette.ToolTipText, text),
        (QPalette.PlaceholderText, QColor("#8a939d")),
    ):
        p.setColor(role, color)
    p.setColor(QPalette.Disabled, QPalette.Text, QColor("#6d757e"))
    p.setColor(QPalette.Disabled, QPalette.ButtonText, QColor("#6d757e"))
    return p
