"""Compiled graphs vs the modules a person would write: ResNet-50 and GoogLeNet against
torchvision's, ResNet-20 (CIFAR; torchvision has none) against the studio's own exported Python
code; forward + backward in training mode and forward alone in eval mode, one process, CPU.

Run: ``python benchmarks/bench_compile.py [--batch 16 --size 112 --repeats 7]``; prints markdown
rows ``| what | result | target |``. Repetitions alternate which model goes first, and each
result is the median of the per-repetition ratios (compiled / reference), so drifting machine
load hits both alike. Both models hold the same weights, so they do the same work.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import types
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


def _train_step(model: torch.nn.Module, x: torch.Tensor) -> float:
    start = time.perf_counter()
    model(x).sum().backward()
    elapsed = time.perf_counter() - start
    model.zero_grad(set_to_none=True)
    return elapsed


def _eval_step(model: torch.nn.Module, x: torch.Tensor) -> float:
    with torch.no_grad():
        start = time.perf_counter()
        model(x)
        return time.perf_counter() - start


def _exported_model(graph: Graph) -> torch.nn.Module:
    """The network as `convnet-studio export --format python` writes it, imported."""
    from convnet_studio.codegen import generate_python

    module = types.ModuleType(f"exported_{graph.name}")
    exec(compile(generate_python(graph), f"<exported {graph.name}>", "exec"), module.__dict__)
    return module.build_model()


def _models(name: str, size: int) -> tuple[torch.nn.Module, torch.nn.Module, str, int]:
    """(compiled, reference, the reference's name, input size) for one network."""
    from convnet_studio.presets import get_preset

    if name == "resnet50":
        return compile_graph(resnet50_graph(size=size)), torchvision.models.resnet50(), "torchvision", size
    if name == "googlenet":
        graph = get_preset("googlenet", input_size=(3, size, size))
        reference = torchvision.models.googlenet(aux_logits=False, init_weights=False)
        return compile_graph(graph), reference, "torchvision", size
    graph = get_preset("resnet20_cifar")
    return compile_graph(graph), _exported_model(graph), "its exported Python code", 32


def pair_rows(name: str, mode: str, batch: int, size: int, repeats: int, warmup: int = 2) -> list[dict]:
    """Time the compiled network against its reference in ``mode`` ("train" or "eval")."""
    torch.manual_seed(0)
    compiled, reference, against, size = _models(name, size)
    compiled.load_state_dict(reference.state_dict())  # same weights: the same work
    compiled.train(mode == "train"), reference.train(mode == "train")
    step = _train_step if mode == "train" else _eval_step
    x = torch.randn(batch, 3, size, size)
    for _ in range(warmup):
        step(compiled, x), step(reference, x)
    ratios, ours, theirs = [], [], []
    for r in range(repeats):
        if r % 2:
            b, a = step(reference, x), step(compiled, x)
        else:
            a, b = step(compiled, x), step(reference, x)
        ours.append(a)
        theirs.append(b)
        ratios.append(a / b)
    ratio = statistics.median(ratios)
    work = "forward+backward, training mode" if mode == "train" else "forward, eval mode"
    what = (f"{name} compiled / {against}: {work}, batch {batch}x3x{size}x{size}, CPU "
            f"({torch.get_num_threads()} thread(s)); median of {repeats} paired ratios")
    result = f"{ratio:.3f} ({statistics.median(ours) * 1000:.0f} vs {statistics.median(theirs) * 1000:.0f} ms)"
    return [{"what": what, "result": result, "target": f"<= {TARGET_RATIO}", "value": ratio,
             "ok": ratio <= TARGET_RATIO}]


def run(batch: int = 16, size: int = 112, repeats: int = 7, threads: int = 1) -> list[dict]:
    """Every network in both modes; ``threads`` intra-op threads (1: steadiest ratio on a shared
    machine; 0: torch's default)."""
    if threads:
        torch.set_num_threads(threads)
    rows = []
    for name in ("resnet50", "googlenet", "resnet20_cifar"):
        for mode in ("train", "eval"):
            n = batch * 4 if name == "resnet20_cifar" else batch  # 32x32 images: a real batch
            rows += pair_rows(name, mode, n, size, repeats)
    return rows


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
