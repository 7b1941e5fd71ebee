"""The studio's Qt user interface; the only package that imports PySide6 and pyqtgraph.

Importing it applies the guard against PySide6 6.12.0's reference-count leak on Python 3.11
(see ``convnet_studio.ui.pyside_guard``): without it a long editing session or a big
canvas repaint aborts with "Fatal Python error: none_dealloc".
"""

from __future__ import annotations

import warnings


def _guard() -> None:
    from convnet_studio.ui.pyside_guard import guard_refcount_bug

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        guard_refcount_bug()


_guard()
