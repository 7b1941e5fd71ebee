"""Shape inference + validation time at 50, 500 and 5000 nodes (target: 500 nodes < 20 ms).

Run: ``python benchmarks/bench_shapes.py``; prints markdown rows ``| what | result | target |``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from convnet_studio.graph import Graph  # noqa: E402
from convnet_studio.graph.analysis import analyze, forget_inferred  # noqa: E402

SIZES = (50, 500, 5000)
TARGET_MS_500 = 20.0


def residual_graph(n_nodes: int) -> Graph:
    """A ResNet-like chain of primitives (conv, BN, ReLU, Add, some pools and concats)."""
    g = Graph(f"bench{n_nodes}")
    x = g.add("Input", "input", channels=16, height=32, width=32)
    i = 0
    while len(g) < n_nodes - 1:
        p = f"s{i}"
        y = g.add("Conv2d", f"{p}.conv1", x, out_channels=16, kernel_size=3, padding=1, bias=False)
        y = g.add("BatchNorm2d", f"{p}.bn1", y)
        y = g.add("ReLU", f"{p}.relu1", y)
        y = g.add("Conv2d", f"{p}.conv2", y, out_channels=16, kernel_size=3, padding=1, bias=False)
        y = g.add("BatchNorm2d", f"{p}.bn2", y)
        if i % 4 == 3:  # an Inception-style join now and then
            z = g.add("MaxPool2d", f"{p}.pool", x, kernel_size=3, stride=1, padding=1)
            y = g.add("Concat", f"{p}.cat", [y, z], num_inputs=2)
            y = g.add("Conv2d", f"{p}.proj", y, out_channels=16, kernel_size=1)
        y = g.add("Add", f"{p}.add", [y, x])
        x = g.add("ReLU", f"{p}.relu2", y)
        i += 1
    g.add("Output", "output", x)
    return g


def time_analysis(graph: Graph, repeats: int = 7) -> float:
    """Median milliseconds of one full analysis, as the first after opening a file: nothing
    kept from an earlier pass (the shape rules' answers are cached within the pass)."""
    times = []
    for _ in range(repeats):
        forget_inferred()
        start = time.perf_counter()
        result = analyze(graph)
        times.append((time.perf_counter() - start) * 1000)
        assert result.ok, result.problems[:3]
    return statistics.median(times)


def run() -> list[dict]:
    rows = []
    per_node = {}
    for size in SIZES:
        graph = residual_graph(size)
        ms = time_analysis(graph, repeats=15 if size <= 500 else 5)
        per_node[size] = ms / len(graph)
        target = f"< {TARGET_MS_500:g} ms" if size == 500 else "roughly linear"
        rows.append({"what": f"shape inference + validation, {len(graph)} nodes", "result": f"{ms:.2f} ms",
                     "target": target, "value": ms, "ok": ms < TARGET_MS_500 if size == 500 else None})
    growth = per_node[SIZES[-1]] / per_node[SIZES[1]]
    rows.append({"what": f"time per node at {SIZES[-1]} / at {SIZES[1]} nodes", "result": f"{growth:.2f}",
                 "target": "< 2 (linear)", "value": growth, "ok": growth < 2})
    return rows


def main() -> None:
    print("| what | result | target |")
    print("|---|---|---|")
    for row in run():
        print(f"| {row['what']} | {row['result']} | {row['target']} |")


if __name__ == "__main__":
    main()
