"""Make docs/images/studio.png (1920 x 1080) and studio-1366x768.png: the window on ResNet-20.

    python docs/make_screenshots.py [--preset resnet20_cifar] [--select conv1] [--out-dir DIR]

The window is the real one, training panels included (palette, canvas, inspector, training
settings, summary, plots, status bar), with private settings and runs folder so a
developer's remembered layout and runs stay out of it; drawn offscreen at each size.
docs/make_training_screenshot.py shows the window during a real run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
SIZES = {"studio.png": (1920, 1080), "studio-1366x768.png": (1366, 768)}


def grab(app, out: Path, size: tuple[int, int], preset: str, select: str, tmp: str) -> None:
    from PySide6.QtCore import QSettings

    from convnet_studio.ui.main_window import MainWindow
    from convnet_studio.ui.training import install_training

    settings = QSettings(str(Path(tmp) / f"settings-{size[0]}.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, recovery_dir=tmp, install_plugins=False)
    controller = install_training(window)
    window.resize(*size)
    window.show()
    for _ in range(3):  # the docks take their sizes once the layout has placed them
        app.processEvents()
    if not window.files.open_preset(preset):
        raise SystemExit(1)
    window.document.flush()
    if select in window.document.graph:
        window.document.set_selection([select])
    app.processEvents()
    window.view.fit_all()
    for _ in range(3):
        app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(out)):
        raise OSError(f"cannot write {out}")
    controller.shutdown()
    window.document.undo_stack.setClean()
    window.close()
    print(f"wrote {out} ({size[0]} x {size[1]})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="resnet20_cifar")
    parser.add_argument("--select", default="conv1", help="node shown in the inspector")
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument("--out-dir", default=str(ROOT / "docs" / "images"))
    args = parser.parse_args(argv)

    from convnet_studio.ui.app import create_app
    from convnet_studio.ui.theme import apply_theme

    app = create_app()
    apply_theme(app, args.theme)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CONVNET_STUDIO_RUNS"] = os.path.join(tmp, "runs")
        for name, size in SIZES.items():
            grab(app, Path(args.out_dir) / name, size, args.preset, args.select, tmp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
