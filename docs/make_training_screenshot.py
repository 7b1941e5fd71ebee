"""Make docs/images/training.png (1920 x 1080) and training-1366x768.png: a real run training.

    python docs/make_training_screenshot.py [--preset resnet20_cifar] [--out PATH]

Opens the studio on a preset (ResNet-20 for CIFAR by default), starts a short real run on
the built-in "shapes" set from the Training panel (the engine's worker, on the CPU), lets it
train into its last epoch and grabs the window while it is still running: live loss,
accuracy, per-layer gradient norms and heatmap, and the canvas coloured by gradient norm.
The same window is then grabbed again at 1366 x 768 (its docks arranged for that size).
Rendered offscreen with the window's own default layout; takes a minute or two on a
laptop CPU.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="resnet20_cifar")
    parser.add_argument("--out", default=str(ROOT / "docs" / "images" / "training.png"))
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--train-size", type=int, default=1024)
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args(argv)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from convnet_studio.presets import get_preset
    from convnet_studio.ui.main_window import MainWindow
    from convnet_studio.ui.pyside_guard import guard_refcount_bug
    from convnet_studio.ui.training import install_training

    guard_refcount_bug()
    app = QApplication.instance() or QApplication([])
    work = tempfile.mkdtemp(prefix="convnet-shot-")
    os.environ["CONVNET_STUDIO_RUNS"] = os.path.join(work, "runs")
    settings = QSettings(os.path.join(work, "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(get_preset(args.preset, num_classes=10, input_size=(3, 32, 32)),
                        settings=settings, recovery_dir=os.path.join(work, "recovery"),
                        install_plugins=False)
    controller = install_training(window)
    window.resize(1920, 1080)
    window.show()
    settings_form = controller.panel.settings
    # Adam learns the small set within a few epochs, so the short run shows real progress
    settings_form.set_values(epochs=args.epochs, batch_size=32, train_size=args.train_size,
                             grad_norm_every=2, optimizer="adam", lr=0.002, weight_decay=0.0)
    app.processEvents()
    if not controller.start():
        print("the run did not start:", controller.panel.error.text(), file=sys.stderr)
        return 1
    live = controller.live
    deadline = time.monotonic() + args.timeout
    # grab during the last epoch: plots full, the run still going
    while time.monotonic() < deadline and live.finished is None and \
            len(live.epochs["epoch"]) < args.epochs - 1:
        app.processEvents()
        time.sleep(0.02)
    spe = int(live.started.get("steps_per_epoch") or 1)
    target = len(live.step) + spe // 2
    while time.monotonic() < deadline and live.finished is None and len(live.step) < target:
        app.processEvents()
        time.sleep(0.02)
    if "conv1" in window.document.graph:  # the inspector shows a layer, as a user would see
        window.document.set_selection(["conv1"])
    if hasattr(window, "view") and hasattr(window.view, "fit_all"):
        window.view.fit_all()
    controller.dashboard.refresh(all_plots=True)
    for _ in range(20):  # let the 4 Hz canvas colouring and the 20 Hz plots catch up
        app.processEvents()
        time.sleep(0.03)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    window.grab().save(args.out)
    print(f"wrote {args.out} at step {len(live.step)} ({live.state})")
    small = os.path.splitext(args.out)[0] + "-1366x768.png"
    window.resize(1366, 768)
    window.arrange_docks()
    for _ in range(10):
        app.processEvents()
        time.sleep(0.03)
    window.view.fit_all()
    app.processEvents()
    window.grab().save(small)
    print(f"wrote {small}")
    controller.shutdown()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
