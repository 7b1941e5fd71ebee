"""Make the user guide's own figures, with the studio's own commands. Nothing is drawn by hand.

    python docs/make_guide_figures.py

- docs/images/inception_5x5.png, docs/images/inception_5x5_bottleneck.png: the two example
  projects of tutorial 2, drawn by ``convnet-studio render`` (the canvas's own scene, offscreen).
- docs/images/inception_summary.png: the studio window's Summary panel on each of them, one
  above the other (tutorial 2 reads its numbers there).

The other figures come from their own scripts: docs/make_screenshots.py (the studio window),
docs/make_training_screenshot.py (training), benchmarks/seeds_experiment.py (tutorial 1),
docs/tutorials/vgg_to_resnet.py (tutorial 3).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
EXAMPLES = ROOT / "docs" / "examples"


def studio(*args: str) -> None:
    """Run ``convnet-studio ARGS`` from this checkout, offscreen, failing loudly."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    subprocess.run([sys.executable, "-m", "convnet_studio", *args], check=True, cwd=ROOT, env=env)


def summary_panels(names: list[str], out: Path) -> None:
    """Open each project in a studio window (offscreen) and stack grabs of its Summary panel."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile

    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QColor, QImage, QPainter

    from convnet_studio.ui.app import create_app
    from convnet_studio.ui.main_window import MainWindow

    app = create_app()
    grabs = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            # Private settings and recovery folder: the user's remembered layout stays out of it.
            settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
            window = MainWindow(settings=settings, recovery_dir=tmp, install_plugins=False)
            window.resize(1200, 800)
            window.files.open_path(str(EXAMPLES / f"{name}.cnsproj"))
            window.show()
            app.processEvents()
            grabs.append(window.docks["summary"].grab().toImage())
            window.document.undo_stack.setClean()
            window.close()
    width = max(g.width() for g in grabs)
    height = sum(g.height() for g in grabs) + 12 * (len(grabs) - 1)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    y = 0
    for grab in grabs:
        painter.drawImage(0, y, grab)
        y += grab.height() + 12
    painter.end()
    image.save(str(out))
    print(f"wrote {out}")


def main() -> int:
    IMAGES.mkdir(parents=True, exist_ok=True)
    names = ["inception_5x5", "inception_5x5_bottleneck"]
    for name in names:
        png = str(IMAGES / f"{name}.png")
        studio("render", str(EXAMPLES / f"{name}.cnsproj"), "-o", png, "--layout", "LR")
    summary_panels(names, IMAGES / "inception_summary.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
