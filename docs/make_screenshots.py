"""Make docs/images/studio.png: the studio window on ResNet-20, drawn offscreen.

    python docs/make_screenshots.py [--preset resnet20_cifar] [--select layer2.0] [--out PATH]

The window is the real one (palette, canvas, inspector, summary, status bar) at a fixed size
of 1600 x 1000, with private settings so a developer's remembered layout stays out of it.
The training panels are left out: docs/make_training_screenshot.py shows those.
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
SIZE = (1600, 1000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="resnet20_cifar")
    parser.add_argument("--select", default="layer2.0", help="node shown in the inspector")
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument("--out", default=str(ROOT / "docs" / "images" / "studio.png"))
    args = parser.parse_args(argv)

    from PySide6.QtCore import QSettings

    from convnet_studio.ui.app import create_app
    from convnet_studio.ui.main_window import MainWindow
    from convnet_studio.ui.theme import apply_theme

    app = create_app()
    apply_theme(app, args.theme)
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, recovery_dir=tmp, install_plugins=False)
        window.resize(*SIZE)
        window.show()
        app.processEvents()
        if not window.files.open_preset(args.preset):
            return 1
        window.document.flush()
        if args.select in window.document.graph:
            window.document.set_selection([args.select])
        app.processEvents()
        window.view.fit_all()
        for _ in range(3):
            app.processEvents()
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(out)):
            raise OSError(f"cannot write {out}")
        window.document.undo_stack.setClean()
        window.close()
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
