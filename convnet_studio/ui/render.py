"""``convnet-studio render SOURCE -o graph.png|svg``: draw a graph without opening a window.

The image is drawn by the same scene as the editor's canvas, offscreen, so what the command
writes is what the studio shows (File > Export image uses :func:`render_scene` too).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

IMAGE_SUFFIXES = (".png", ".svg")


def add_render_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="project file or preset name")
    parser.add_argument("-o", "--output", required=True, help="image file to write (.png or .svg)")
    parser.add_argument(
        "--layout",
        choices=("LR", "TB", "keep"),
        default="keep",
        help="lay the graph out again (default: keep the saved positions)",
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="PNG pixels per scene unit (default 1)"
    )
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument(
        "--fold", action="store_true", help="fold repeated blocks (layer3: Bottleneck x 23)"
    )


def run_render(args: argparse.Namespace) -> int:
    from convnet_studio.errors import CommandError
    from convnet_studio.sources import resolve_source

    output = Path(args.output)
    if output.suffix.lower() not in IMAGE_SUFFIXES:
        raise CommandError(f"the output must end in .png or .svg, not {output.name!r}")
    graph = resolve_source(args.source)
    if args.layout != "keep":
        from convnet_studio.graph.layout import apply_layout

        graph.set_meta("layout_direction", args.layout)
        apply_layout(graph, args.layout)
    app = ensure_app()
    from convnet_studio.ui.canvas.scene import GraphScene
    from convnet_studio.ui.document import Document
    from convnet_studio.ui.theme import apply_theme

    apply_theme(app, args.theme)
    document = Document(graph)
    scene = GraphScene(document)
    if args.fold:
        scene.folds.fold_all(True)
    render_scene(scene, output, scale=args.scale)
    print(f"wrote {output}")
    return 0


def ensure_app():
    """A QApplication, offscreen when there is no display (servers, CI)."""
    if (
        not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
        and sys.platform.startswith("linux")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["convnet-studio-render"])


def render_scene(
    scene, path: str | os.PathLike[str], scale: float = 1.0, margin: float = 40.0
) -> Path:
    """Draw every item of ``scene`` into a PNG or SVG file at ``path``."""
    from PySide6.QtCore import QRectF, QSize, Qt
    from PySide6.QtGui import QImage, QPainter

    from convnet_studio.ui.theme import canvas_colors

    path = Path(path)
    scene.clearSelection()
    source = scene.visible_rect().adjusted(-margin, -margin, margin, margin)
    if source.isEmpty():
        source = QRectF(0, 0, 400, 200)
    if path.suffix.lower() == ".svg":
        from PySide6.QtSvg import QSvgGenerator

        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(QSize(int(source.width()), int(source.height())))
        generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
        generator.setTitle(scene.graph.name)
        painter = QPainter(generator)
        painter.fillRect(QRectF(0, 0, source.width(), source.height()), canvas_colors().background)
        scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
        painter.end()
        return path
    # Very large graphs are clamped to what a PNG reader will open comfortably.
    scale = min(scale, 16000 / max(source.width(), 1), 16000 / max(source.height(), 1))
    size = QSize(max(1, int(source.width() * scale)), max(1, int(source.height() * scale)))
    image = QImage(size, QImage.Format_ARGB32_Premultiplied)
    image.fill(canvas_colors().background)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
    scene.render(painter, QRectF(0, 0, size.width(), size.height()), source, Qt.KeepAspectRatio)
    painter.end()
    if not image.save(str(path)):
        raise OSError(f"cannot write {path}")
    return path
