"""``presets`` (list the built-in networks) and ``weights`` (load a checkpoint into one)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from convnet_studio.errors import WeightsError
from convnet_studio.presets.catalog import fmt_count, fmt_gmacs, summaries


def add_presets_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--family", help="only this family (e.g. ResNet, 'CIFAR ResNet', VGG)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run_presets(args: argparse.Namespace) -> int:
    """Print every preset with its parameters, MACs at its default input and description."""
    rows = summaries(args.family)
    if args.json:
        print(json.dumps([row.to_dict() for row in rows], indent=1))
        return 0
    table = [("name", "params", "GMACs", "input", "description")]
    for row in rows:
        size = "x".join(map(str, row.info.default_input))
        table.append(
            (row.info.name, fmt_count(row.params), fmt_gmacs(row.macs), size, row.info.description)
        )
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    for i, row in enumerate(table):
        cells = [
            row[0].ljust(widths[0]),
            row[1].rjust(widths[1]),
            row[2].rjust(widths[2]),
            row[3].ljust(widths[3]),
        ]
        print("  ".join(cells + [row[4]]))
        if i == 0:
            print("  ".join("-" * w for w in widths) + "  " + "-" * 11)
    print(
        "MACs at the default input; any preset also takes --num-classes and --input where a SOURCE is accepted."
    )
    return 0


def add_weights_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("preset", help="preset name, e.g. resnet50")
    parser.add_argument("checkpoint", nargs="?", help="a torchvision-format checkpoint (.pth/.pt)")
    parser.add_argument(
        "-o", "--output", required=True, help="the verified state_dict to write (.pt)"
    )
    parser.add_argument(
        "--from-cache",
        action="store_true",
        help="use torchvision's pretrained file if it is already in the torch hub cache",
    )
    parser.add_argument("--num-classes", type=int, help="classes of the preset (default: its own)")
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="MODULE",
        help="leave this module's tensors out (e.g. fc, to train a new classifier); repeatable",
    )
    parser.add_argument(
        "--project",
        metavar="FILE",
        help="also save the preset as a project file that names the weights",
    )


def run_weights(args: argparse.Namespace) -> int:
    """Load a checkpoint into a preset, write its state_dict and check that it loads back strictly."""
    from convnet_studio.compile import compile_graph
    from convnet_studio.graph.project_file import save_project, write_atomic
    from convnet_studio.presets.registry import get_preset, preset_info
    from convnet_studio.presets.weights import (
        TORCHVISION_EXTRAS,
        TORCHVISION_NOTES,
        load_checkpoint_into,
        read_state_dict,
        torchvision_cached_weights,
    )

    info = preset_info(args.preset)
    source = _checkpoint_path(args, info.torchvision, torchvision_cached_weights)
    # torchvision's own files (cached or passed by hand) may hold heads the preset leaves out.
    ignore = list(args.ignore) + list(TORCHVISION_EXTRAS.get(info.torchvision or "", ()))
    graph = get_preset(args.preset, num_classes=args.num_classes)
    module = compile_graph(graph)
    report = load_checkpoint_into(module, source, ignore)
    out = Path(args.output)
    write_atomic(out, _serialise(module.state_dict()))
    # Read the written file back into a fresh module, strictly: what was saved is what loads.
    compile_graph(graph, init=False).load_state_dict(read_state_dict(out), strict=True)
    print(f"{args.preset}: {report.summary()} from {source}")
    print(f"wrote {out} (checked: loads into {args.preset} with strict=True)")
    if args.project:
        project = Path(args.project)
        graph.meta["weights"] = os.path.relpath(out.resolve(), project.resolve().parent)
        save_project(graph, project)
        print(f"wrote {project}")
    note = TORCHVISION_NOTES.get(info.torchvision or "")
    if note:
        print(f"note: {note}")
    return 0


def _checkpoint_path(args: argparse.Namespace, torchvision: str | None, cached) -> Path:
    if args.from_cache == bool(args.checkpoint):
        raise WeightsError("give either a CHECKPOINT file or --from-cache, not both or neither")
    if args.checkpoint:
        return Path(args.checkpoint)
    if torchvision is None:
        raise WeightsError(
            f"{args.preset} has no torchvision weights (it comes from the paper only)"
        )
    path = cached(args.preset)
    if path is None:
        raise WeightsError(
            f"torchvision's {torchvision} weights are not in the torch hub cache; the studio never "
            "downloads, so fetch them with torchvision once or pass a CHECKPOINT file"
        )
    return path


def _serialise(state: dict) -> bytes:
    import io

    import torch

    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()
