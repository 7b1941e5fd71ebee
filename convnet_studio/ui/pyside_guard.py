"""A guard against a reference-counting bug of PySide6 6.12.0 on Python < 3.12.

With PySide6-Essentials 6.12.0 on CPython 3.11, every call of a ``void`` Qt method from
Python (``item.update()``, ``prepareGeometryChange()``...) drops one reference to ``None``
and every signal emission one reference to ``True``. Python 3.12 made those objects
immortal, so the bug is invisible there; on 3.11 a live plot runs the count down to zero
within minutes and the process aborts with "Fatal Python error: none_dealloc". 6.11.3 does
not have the bug: pin ``PySide6-Essentials != 6.12.0`` where possible. Until then
:func:`guard_refcount_bug` adds a very large number of references to the three singletons,
which makes them as good as immortal, as they are on 3.12.
"""

from __future__ import annotations

import ctypes
import sys
import warnings

_PAD = 1 << 40
_applied = False


def affected() -> bool:
    """True when this interpreter and PySide6 have the bug."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    try:
        import PySide6
    except ImportError:
        return False
    return PySide6.__version__.startswith("6.12.0")


def guard_refcount_bug() -> bool:
    """Apply the guard once if needed; returns whether it is applied."""
    global _applied
    if _applied or not affected():
        return _applied
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += _PAD
    _applied = True
    warnings.warn("PySide6 6.12.0 on Python < 3.12 leaks references to None/True; "
                  "ConvNet Studio padded their counts (pin PySide6-Essentials != 6.12.0)",
                  RuntimeWarning, stacklevel=2)
    return True
