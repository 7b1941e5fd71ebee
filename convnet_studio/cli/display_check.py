"""Before Qt starts: can it open a window here? One sentence instead of Qt's abort if not.

Qt aborts the process (SIGABRT, "could not load the Qt platform plugin xcb") when its X11
plugin misses a system library, and a fresh Debian or Ubuntu desktop lacks several of them
(libxcb-icccm4, libxcb-keysyms1, libxcb-cursor0...). This module runs ``ldd`` on the plugin,
names the libraries it cannot find and the apt-get command that installs them. It imports no
Qt: it must run before the first PySide6 import that loads Qt's libraries.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# Debian names a library package after its soname (libxcb-icccm.so.4 -> libxcb-icccm4); these
# few do not follow that rule.
_PACKAGE_EXCEPTIONS = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libGLdispatch.so.0": "libglvnd0",
    "libstdc++.so.6": "libstdc++6",
    "libgcc_s.so.1": "libgcc-s1",
    "libbrotlidec.so.1": "libbrotli1",
    "libbrotlicommon.so.1": "libbrotli1",
    "libz.so.1": "zlib1g",
    **{f"lib{name}.so.{v}": "libc6" for name, v in (("c", 6), ("m", 6), ("dl", 2), ("pthread", 0), ("rt", 1))},
}

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def display_problem(environ: dict[str, str] | None = None, plugin: Path | None = None) -> str | None:
    """Why the studio window cannot open here, as one sentence; None if Qt should manage.

    Args:
        environ: the environment to judge (default ``os.environ``).
        plugin: the xcb platform plugin to check (default: the installed PySide6's).
    """
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return None
    platform = env.get("QT_QPA_PLATFORM", "")
    xcb = _will_use_xcb(platform, env)
    unset = not platform and not env.get("WAYLAND_DISPLAY")
    if (xcb or unset) and not env.get("DISPLAY"):
        why = "DISPLAY is not set" if platform else "neither DISPLAY nor WAYLAND_DISPLAY is set"
        return (f"there is no display to show the studio window on ({why}): "
                "run it on a desktop or under a virtual display (xvfb-run convnet-studio), set "
                "QT_QPA_PLATFORM=offscreen to run it unseen, or use the commands that need no window "
                "(convnet-studio --help)")
    if not xcb:
        return None
    plugin = plugin or xcb_plugin()
    missing = missing_libraries(plugin) if plugin else []
    if not missing:
        return None
    packages = " ".join(dict.fromkeys(debian_package(name) for name in missing))
    return (f"Qt cannot open a window: its X11 (xcb) platform plugin needs {', '.join(missing)}, "
            f"which this system lacks; install them (Debian/Ubuntu: sudo apt-get install {packages}) "
            "and start the studio again")


def _will_use_xcb(platform: str, env: dict[str, str]) -> bool:
    if platform:
        return platform.split(";")[0].strip() == "xcb"
    # A Wayland session may use Qt's wayland plugin, which needs none of the xcb libraries.
    wayland = env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland"
    return bool(env.get("DISPLAY")) and not wayland


def xcb_plugin() -> Path | None:
    """The installed PySide6's ``libqxcb.so``, found without importing PySide6."""
    spec = importlib.util.find_spec("PySide6")
    for root in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(root) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if candidate.is_file():
            return candidate
    return None


def missing_libraries(library: Path) -> list[str]:
    """The sonames ``library`` (and what it loads) needs that the dynamic linker cannot find.

    Empty when nothing is missing, and also when ``ldd`` is absent or fails: then Qt is left to
    report for itself.
    """
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        run = subprocess.run([ldd, str(library)], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return list(dict.fromkeys(_NOT_FOUND.findall(run.stdout)))


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package that ships ``soname``: ``libxcb-icccm.so.4 -> libxcb-icccm4``."""
    if soname in _PACKAGE_EXCEPTIONS:
        return _PACKAGE_EXCEPTIONS[soname]
    base, _, version = soname.partition(".so.")
    version = version.split(".")[0]
    # Policy 8.1: a hyphen separates the version when the name ends in a digit (libdbus-1-3).
    joiner = "-" if base[-1:].isdigit() else ""
    return f"{base}{joiner}{version}".lower().replace("_", "-")
