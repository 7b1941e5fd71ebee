"""Package list for setuptools; everything else is in pyproject.toml.

The data files live in the top-level ``resources/`` directory (desktop entry, MIME type, icons)
and are installed as the package ``convnet_studio.resources`` (its PNG icons as the data-only
``convnet_studio.resources.icons``), so ``importlib.resources.files("convnet_studio.resources")``
works from an editable install, from the wheel and from the PyInstaller build alike.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["convnet_studio", "convnet_studio.*"]),
        "convnet_studio.resources",
        "convnet_studio.resources.icons",
    ],
    package_dir={
        "convnet_studio.resources": "resources",
        "convnet_studio.resources.icons": "resources/icons",
    },
)
