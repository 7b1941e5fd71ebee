"""Render resources/convnet-studio.svg to the PNG sizes desktops and PyInstaller want.

Run from anywhere: ``python packaging/make_icons.py``. Qt renders offscreen, so no display is
needed. The PNGs are committed; run this again only after editing the SVG.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render_png(renderer: QSvgRenderer, size: int, path: Path) -> None:
    """Draw the SVG into a transparent ``size`` x ``size`` PNG at ``path``."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    if not image.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (keeps Qt alive)
    renderer = QSvgRenderer(str(ICONS.parent / "convnet-studio.svg"))
    if not renderer.isValid():
        print("convnet-studio.svg is not a valid SVG", file=sys.stderr)
        return 1
    for size in SIZES:
        out = ICONS / f"convnet-studio-{size}.png"
        render_png(renderer, size, out)
        print(f"{out.relative_to(ICONS.parent.parent)}  {out.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
