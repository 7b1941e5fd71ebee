"""Copying blocks and then quitting must not crash the process on its way out.

A QMimeData made in Python and handed to the clipboard is deleted by a Qt static destructor
after Python has shut down: a segmentation fault at exit (seen after every test passed).
"""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import os, tempfile
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QSettings
from convnet_studio.ui.app import create_app
from convnet_studio.ui.main_window import MainWindow
from convnet_studio.presets import get_preset
app = create_app()
settings = QSettings(os.path.join(tempfile.mkdtemp(), "s.ini"), QSettings.IniFormat)
window = MainWindow(get_preset("resnet20_cifar"), settings=settings,
                    recovery_dir=tempfile.mkdtemp(), install_plugins=False)
assert window.editor.copy(["conv1", "bn1"])
assert window.editor.paste()
print("copied")
"""


def test_copy_then_exit_is_clean() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "copied" in done.stdout
