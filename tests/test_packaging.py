"""Packaging: the data files are found through the package, the icon loads, the desktop entry and
the MIME type are well formed, and the wheel's package list includes the resources."""

from __future__ import annotations

import configparser
import xml.etree.ElementTree as ET
from importlib.resources import files
from pathlib import Path

import pytest

from convnet_studio import resources
from convnet_studio.graph.project_file import SUFFIX

ROOT = Path(__file__).resolve().parent.parent


def test_resources_are_found_through_importlib() -> None:
    names = {entry.name for entry in files("convnet_studio.resources").iterdir()}
    assert {resources.DESKTOP_FILE, resources.MIME_FILE, "icons"} <= names
    assert resources.resource_path(resources.ICON_SVG).stat().st_size > 0
    with pytest.raises(FileNotFoundError):
        resources.resource_path("no-such-file.png")


def test_every_icon_size_exists_and_is_small() -> None:
    paths = resources.icon_paths()
    assert sorted(paths) == list(resources.ICON_SIZES)
    for size, path in paths.items():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size < 64 * 1024, f"{size}px icon is too large"


@pytest.mark.gui
def test_icon_loads_in_qt(qapp) -> None:
    from PySide6.QtGui import QIcon, QImage
    from PySide6.QtSvg import QSvgRenderer

    for size, path in resources.icon_paths().items():
        image = QImage(str(path))
        assert (image.width(), image.height()) == (size, size)
        assert image.hasAlphaChannel()
    assert QSvgRenderer(str(resources.resource_path(resources.ICON_SVG))).isValid()
    icon = QIcon(str(resources.icon_paths()[256]))
    assert not icon.isNull()


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive in desktop entries
    parser.read(resources.resource_path(resources.DESKTOP_FILE), encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_has_the_required_keys() -> None:
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "ConvNet Studio"
    assert entry["Icon"] == "convnet-studio"
    assert entry["Terminal"] == "false"
    assert entry["Exec"].split()[0] in _gui_scripts()
    assert "%f" in entry["Exec"].split()
    assert resources.PROJECT_MIME_TYPE in entry["MimeType"].split(";")
    for key in ("Categories", "MimeType", "Keywords"):
        assert entry[key].endswith(";"), f"{key} must end with ';'"


def test_mime_type_matches_the_project_suffix() -> None:
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    root = ET.parse(resources.resource_path(resources.MIME_FILE)).getroot()
    mime = root.find("m:mime-type", ns)
    assert mime is not None and mime.get("type") == resources.PROJECT_MIME_TYPE
    assert [g.get("pattern") for g in mime.findall("m:glob", ns)] == [f"*{SUFFIX}"]


def _pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _gui_scripts() -> set[str]:
    project = _pyproject()["project"]
    return set(project.get("gui-scripts", {}))


def test_package_data_covers_every_resource_file() -> None:
    """A file added to resources/ but not matched by package-data would be missing from the wheel."""
    package_data = _pyproject()["tool"]["setuptools"]["package-data"]
    patterns = [
        (package.removeprefix("convnet_studio.resources").lstrip(".").replace(".", "/"), pattern)
        for package, globs in package_data.items()
        if package.startswith("convnet_studio.resources")
        for pattern in globs
    ]
    for path in (ROOT / "resources").rglob("*"):
        if path.is_file() and path.suffix not in {".py", ".pyc"}:
            rel = path.relative_to(ROOT / "resources")
            folder = rel.parent.as_posix().replace(".", "")
            assert any(folder == f and rel.match(p) for f, p in patterns), (
                f"resources/{rel} is not in package-data"
            )


def test_desktop_entry_installs_and_uninstalls_for_the_user(tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess

    if not all(shutil.which(t) for t in ("xdg-mime", "xdg-desktop-menu", "xdg-icon-resource")):
        pytest.skip("xdg-utils is not installed")
    program = tmp_path / "convnet-studio-gui"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "share"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    script = ROOT / "packaging" / "install_desktop_entry.sh"
    subprocess.run([str(script), str(program)], check=True, env=env, capture_output=True)
    entry = tmp_path / "share" / "applications" / "convnet-studio.desktop"
    assert f'Exec="{program}" %f' in entry.read_text()
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(entry)], check=True)
    assert (tmp_path / "share" / "mime" / "packages" / resources.MIME_FILE).exists()
    subprocess.run([str(script), "--uninstall"], check=True, env=env, capture_output=True)
    assert not entry.exists()
