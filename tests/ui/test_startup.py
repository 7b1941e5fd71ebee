"""``convnet-studio`` starts, paints its window on the default preset, and leaves torch unloaded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import sys
from convnet_studio.cli import main
code = main(sys.argv[1:])
print("torch-loaded" if "torch" in sys.modules else "torch-not-loaded")
print("exit", code)
"""


def _start(tmp_path: Path, *args: str) -> list[str]:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        CONVNET_STUDIO_QUIT_AFTER_PAINT="1",
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    return done.stdout.split("\n")


def test_the_studio_paints_without_loading_torch(tmp_path):
    lines = _start(tmp_path)
    assert "first-paint" in lines and "torch-not-loaded" in lines and "exit 0" in lines
    assert any(line.startswith("title resnet20_cifar") for line in lines)


def test_the_studio_opens_a_project_file(tmp_path):
    from convnet_studio.graph.project_file import save_project
    from convnet_studio.presets import get_preset

    path = tmp_path / "vgg.cnsproj"
    save_project(get_preset("vgg11", num_classes=10, input_size=(3, 32, 32)), path)
    lines = _start(tmp_path, str(path))
    assert "first-paint" in lines and "exit 0" in lines
    assert any(line.startswith("title vgg.cnsproj") for line in lines)
