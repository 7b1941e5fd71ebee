"""Write the example project files the tutorials use.

    python docs/examples/make_examples.py

inception_5x5.cnsproj and inception_5x5_bottleneck.cnsproj are the Inception module's 5x5
branch on GoogLeNet's inception (3a) input, 192 x 28 x 28, without and with the 1x1 bottleneck
to 16 channels that the module puts in front of it (tutorial 2).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from convnet_studio.graph import Graph
from convnet_studio.graph.layout import apply_layout
from convnet_studio.graph.project_file import save_project


def branch_5x5(bottleneck: int | None) -> Graph:
    """Input 192 x 28 x 28 -> [1x1 conv to ``bottleneck`` + ReLU] -> 5x5 conv, 32 + ReLU."""
    name = "inception-5x5" + (f"-bottleneck{bottleneck}" if bottleneck else "")
    g = Graph(name)
    x = g.add("Input", name="input", channels=192, height=28, width=28)
    if bottleneck:
        x = g.add("Conv2d", name="reduce1x1", inputs=x, out_channels=bottleneck, kernel_size=1)
        x = g.add("ReLU", name="reduce_relu", inputs=x)
    x = g.add("Conv2d", name="conv5x5", inputs=x, out_channels=32, kernel_size=5, padding=2)
    x = g.add("ReLU", name="relu", inputs=x)
    g.add("Output", name="output", inputs=x)
    return g


def main() -> int:
    for file_name, graph in (
        ("inception_5x5.cnsproj", branch_5x5(None)),
        ("inception_5x5_bottleneck.cnsproj", branch_5x5(16)),
    ):
        apply_layout(graph)
        save_project(graph, HERE / file_name)
        print(f"wrote docs/examples/{file_name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
