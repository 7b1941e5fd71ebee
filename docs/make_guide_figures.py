"""Make the user guide's own figures, with the studio's own commands. Nothing is drawn by hand.

    python docs/make_guide_figures.py

- docs/images/inception_5x5.png, docs/images/inception_5x5_bottleneck.png: the two example
  projects of tutorial 2, drawn by ``convnet-studio render`` (the canvas's own scene, offscreen).

The other figures come from their own scripts: docs/make_screenshots.py (the studio window),
docs/make_training_screenshot.py (training), benchmarks/seeds_experiment.py (tutorial 1),
docs/tutorials/vgg_to_resnet.py (tutorial 3).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
EXAMPLES = ROOT / "docs" / "examples"


def studio(*args: str) -> None:
    """Run ``convnet-studio ARGS`` from this checkout, offscreen, failing loudly."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    subprocess.run([sys.executable, "-m", "convnet_studio", *args], check=True, cwd=ROOT, env=env)


def main() -> int:
    IMAGES.mkdir(parents=True, exist_ok=True)
    for name in ("inception_5x5", "inception_5x5_bottleneck"):
        studio(
            "render",
            str(EXAMPLES / f"{name}.cnsproj"),
            "-o",
            str(IMAGES / f"{name}.png"),
            "--layout",
            "LR",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
