"""Application data: the icon, the Linux desktop entry and the project file's MIME type.

In the repository this is the top-level ``resources/`` directory; ``setup.py`` maps it to the
package ``convnet_studio.resources``, so the same names work from an editable install, from the
wheel and from the PyInstaller build. Nothing here imports Qt: callers turn paths into icons.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

ICON_SIZES: tuple[int, ...] = (16, 24, 32, 48, 64, 128, 256, 512)
ICON_SVG = "convnet-studio.svg"
DESKTOP_FILE = "convnet-studio.desktop"
MIME_FILE = "convnet-studio-mime.xml"
PROJECT_MIME_TYPE = "application/x-convnet-studio-project"


def resource_path(name: str) -> Path:
    """Return the path of a data file of this package.

    Args:
        name: the file's path relative to ``resources/``, with forward slashes
            (``"icons/convnet-studio-64.png"``).

    Returns:
        A filesystem path (every supported install unpacks the package to disk).

    Raises:
        FileNotFoundError: if there is no such file.
    """
    path = Path(str(files(__name__).joinpath(name)))
    if not path.is_file():
        raise FileNotFoundError(f"no resource {name!r} (looked for {path})")
    return path


def icon_paths() -> dict[int, Path]:
    """Return the application icon's PNG files by pixel size, smallest first."""
    return {size: resource_path(f"icons/convnet-studio-{size}.png") for size in ICON_SIZES}
