"""Start-up: ``convnet-studio [FILE_OR_PRESET]`` opens the studio window.

Kept light on purpose: nothing here (or in the window) imports torch, so the window shows in
well under two seconds; training and export load torch when first used.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

DEFAULT_PRESET = "resnet20_cifar"  # small, famous, fits the screen: a first-time user gets it


def run_app(argv: list[str] | None = None) -> int:
    """Open the studio on ``argv[0]`` (a project file or preset) or the default preset.

    Returns the Qt event loop's exit code. ``CONVNET_STUDIO_QUIT_AFTER_PAINT=1`` prints
    ``first-paint`` and the window title, and quits right after the canvas first paints (the
    start-up tests); ``CONVNET_STUDIO_STARTUP_PROBE=SECONDS`` measures the whole start-up,
    plugins included (see :mod:`convnet_studio.ui.startup_probe`).
    """
    started = time.time()
    argv = list(argv or [])
    app = create_app()
    from convnet_studio.ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    source = argv[0] if argv else None
    _open_start_document(window, source)
    if os.environ.get("CONVNET_STUDIO_QUIT_AFTER_PAINT"):
        _quit_after_first_paint(app, window)
    elif os.environ.get("CONVNET_STUDIO_STARTUP_PROBE"):
        from convnet_studio.ui.startup_probe import StartupProbe

        window._startup_probe = StartupProbe(
            app, window, float(os.environ["CONVNET_STUDIO_STARTUP_PROBE"]), started)
    return app.exec()


def _quit_after_first_paint(app, window) -> None:
    from PySide6.QtCore import QEvent, QObject

    class _FirstPaint(QObject):
        def eventFilter(self, watched, event):
            if event.type() == QEvent.Paint:
                print("first-paint", flush=True)
                print(f"title {window.windowTitle()}", flush=True)
                watched.removeEventFilter(self)
                window._plugins_pending = False  # measuring the editor: skip the plugins
                app.quit()
            return False

    window._first_paint_filter = _FirstPaint(window)
    window.view.viewport().installEventFilter(window._first_paint_filter)


def create_app():
    """The QApplication with the studio's name, settings organisation, theme and DPI policy."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, QSettings, Qt
    from PySide6.QtGui import QGuiApplication, QIcon
    from PySide6.QtWidgets import QApplication

    from convnet_studio.ui.theme import apply_theme

    existing = QApplication.instance()
    if existing is None:
        # Fractional scale factors (150 %) render crisply instead of being rounded.
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
    QCoreApplication.setOrganizationName("ConvNetStudio")
    QCoreApplication.setApplicationName("ConvNet Studio")
    app = existing or QApplication(sys.argv[:1])
    from convnet_studio.ui import long_lived

    long_lived.enable()  # the window's long-lived objects skip full collections
    # Lets desktops (Wayland especially) match the window to resources/convnet-studio.desktop.
    QGuiApplication.setDesktopFileName("convnet-studio")
    icon = _icon_path()
    if icon is not None:
        app.setWindowIcon(QIcon(str(icon)))
    apply_theme(app, str(QSettings().value("theme", "light")))
    return app


def _open_start_document(window, source: str | None) -> None:
    # A crash's unsaved work is offered however the studio was started (a file, a preset).
    if window.offer_recovery(instead_of=source):
        window.view.fit_all()
        return
    if source is None:
        window.files.open_preset(DEFAULT_PRESET)
    elif Path(source).exists() or Path(source).suffix:
        if not window.files.open_path(source):
            window.files.open_preset(DEFAULT_PRESET)
    elif not window.files.open_preset(source):
        window.files.open_preset(DEFAULT_PRESET)
    window.document.undo_stack.setClean()
    window.view.fit_all()


def _icon_path() -> Path | None:
    try:
        from importlib.resources import files

        for name in ("icon.png", "convnet-studio.png", "icon.svg", "convnet-studio.svg"):
            candidate = files("convnet_studio.resources") / name
            if candidate.is_file():
                return Path(str(candidate))
    except (ImportError, ModuleNotFoundError, TypeError):
        pass
    return None
