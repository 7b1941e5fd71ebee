"""Compiled ResNet-50 vs ``torchvision.models.resnet50``: forward + backward, one process, CPU.

Run: ``python benchmarks/bench_compile.py [--batch 16 --size 112 --repeats 7]``; prints markdown
rows ``| what | result | target |``. Repetitions alternate which model goes first, and the
result is the median of the per-repetition ratios (compiled / torchvision), so drifting
machine load hits both alike.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torchvision  # noqa: E402

from convnet_studio.compile import compile_graph  # noqa: E402
from convnet_studio.graph import Graph  # noqa: E402

TARGET_RATIO = 1.03
STAGES = ((64, 3), (128, 4), (256, 6), (512, 3))  # (planes, blocks) of ResNet-50


def resnet50_graph(num_classes: int = 1000, size: int = 224) -> Graph:
    """The preset if the presets package has it, else ResNet-50 built here from the blocks."""
    try:
        from convnet_studio.presets import get_preset

        return get_preset("resnet50", num_classes=num_classes, input_size=(3, size, size))
    except (ImportError, LookupError, ValueError):
        pass
    g = Graph("resnet50")
    x = g.add("Input", "input", channels=3, height=size, width=size)
    x = g.add("Conv2d", "conv1", x, out_channels=64, kernel_size=7, stride=2, padding=3, bias=False)
    x = g.add("ReLU", "relu", g.add("BatchNorm2d", "bn1", x))
    x = g.add("MaxPool2d", "maxpool", x, kernel_size=3, stride=2, padding=1)
    for layer, (planes, blocks) in enumerate(STAGES, start=1):
        for i in range(blocks):
            stride = 2 if i == 0 and layer > 1 else 1
            x = g.add("Bottleneck", f"layer{layer}.{i}", x, planes=planes, stride=stride)
    x = g.add("Flatten", "flatten", g.add("GlobalAvgPool", "avgpool", x))
    g.add("Output", "output", g.add("Linear", "fc", x, out_features=num_classes))
    return g


def _step(model: torch.nn.Module, x: torch.Tensor) -> float:
    start = time.perf_counter()
    model(x).sum().backward()
    elapsed = time.perf_counter() - start
    model.zero_grad(set_to_none=True)
    return elapsed


def run(batch: int = 16, size: int = 112, repeats: int = 7, warmup: int = 2, threads: int = 1) -> list[dict]:
    """Time both models; ``threads`` intra-op threads (1: steadiest ratio on a shared machine;
    0: torch's default)."""
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    compiled = compile_graph(resnet50_graph(size=size)).train()
    reference = torchvision.models.resnet50().train()
    compiled.load_state_dict(reference.state_dict())  # same weights: the same work
    x = torch.randn(batch, 3, size, size)
    for _ in range(warmup):
        _step(compiled, x), _step(reference, x)
    ratios, ours, theirs = [], [], []
    for r in range(repeats):
        if r % 2:
            b, a = _step(reference, x), _step(compiled, x)
        else:
            a, b = _step(compiled, x), _step(reference, x)
        ours.append(a)
        theirs.append(b)
        ratios.append(a / b)
    ratio = statistics.median(ratios)
    what = f"ResNet-50 forward+backward, batch {batch}x3x{size}x{size}, CPU ({torch.get_num_threads()} threads)"
    return [
        {"what": f"{what}: compiled", "result": f"{statistics.median(ours) * 1000:.0f} ms", "target": "-",
         "value": statistics.median(ours)},
        {"what": f"{what}: torchvision", "result": f"{statistics.median(theirs) * 1000:.0f} ms", "target": "-",
         "value": statistics.median(theirs)},
        {"what": "compiled / torchvision (median of paired ratios)", "result": f"{ratio:.3f}",
         "target": f"<= {TARGET_RATIO}", "value": ratio, "ok": ratio <= TARGET_RATIO},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--size", type=int, default=112)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1,
                        help="intra-op threads (default 1, steadiest on a busy machine; 0: torch's default)")
    args = parser.parse_args()
    print("| what | result | target |")
    print("|---|---|---|")
    for row in run(args.batch, args.size, args.repeats, threads=args.threads):
        print(f"| {row['what']} | {row['result']} | {row['target']} |")


if __name__ == "__main__":
    main()
