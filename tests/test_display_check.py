"""The check before Qt starts: a missing xcb library is named with its apt-get line, never an abort."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from convnet_studio.cli.display_check import debian_package, display_problem, missing_libraries

X11 = {"DISPLAY": ":0"}


def _build(tmp_path: Path, needs: str | None) -> Path:
    """A stand-in for libqxcb.so; with ``needs``, it links a library that is then deleted."""
    if shutil.which("gcc") is None or shutil.which("ldd") is None:
        pytest.skip("needs gcc and ldd")
    (tmp_path / "f.c").write_text("int f(void) { return 1; }\n")
    link = []
    if needs:
        dep = tmp_path / needs
        subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(dep), f"-Wl,-soname,{needs}", str(tmp_path / "f.c")],
                       check=True, timeout=60)
        link = ["-Wl,--no-as-needed", str(dep)]  # Ubuntu's gcc would drop an unused library
    plugin = tmp_path / "libqxcb.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(plugin), str(tmp_path / "f.c"), *link],
                   check=True, timeout=60)
    if needs:
        (tmp_path / needs).unlink()
    return plugin


def test_a_missing_library_is_named_with_its_package(tmp_path: Path) -> None:
    plugin = _build(tmp_path, "libxcb-cnsfake.so.4")
    assert missing_libraries(plugin) == ["libxcb-cnsfake.so.4"]
    message = display_problem(X11, plugin)
    assert message is not None and "\n" not in message
    assert "needs libxcb-cnsfake.so.4" in message and "sudo apt-get install libxcb-cnsfake4)" in message
    # QT_QPA_PLATFORM=xcb checks too; another platform plugin needs none of this.
    assert display_problem({**X11, "QT_QPA_PLATFORM": "xcb"}, plugin) == message
    assert display_problem({**X11, "QT_QPA_PLATFORM": "offscreen"}, plugin) is None
    wayland = {**X11, "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}
    assert display_problem(wayland, plugin) is None


def test_a_complete_plugin_passes(tmp_path: Path) -> None:
    plugin = _build(tmp_path, None)
    assert missing_libraries(plugin) == [] and display_problem(X11, plugin) is None


def test_no_display() -> None:
    message = display_problem({})
    assert message is not None and "no display" in message and "xvfb-run" in message
    forced = display_problem({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"})
    assert forced is not None and "no display" in forced and "(DISPLAY is not set)" in forced
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}) is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}) is None  # Qt's wayland plugin


@pytest.mark.parametrize(
    ("soname", "package"),
    [  # checked against `dpkg -S` on Debian 12 for every library libqxcb.so loads
        ("libxcb-icccm.so.4", "libxcb-icccm4"), ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
        ("libxcb-cursor.so.0", "libxcb-cursor0"), ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libxcb-render-util.so.0", "libxcb-render-util0"), ("libX11-xcb.so.1", "libx11-xcb1"),
        ("libEGL.so.1", "libegl1"), ("libdbus-1.so.3", "libdbus-1-3"), ("libpng16.so.16", "libpng16-16"),
        ("libglib-2.0.so.0", "libglib2.0-0"), ("libz.so.1", "zlib1g"), ("libgcc_s.so.1", "libgcc-s1"),
    ],
)
def test_debian_package_names(soname: str, package: str) -> None:
    assert debian_package(soname) == package
