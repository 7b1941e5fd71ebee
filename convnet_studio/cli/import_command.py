"""``convnet-studio import SOURCE -o net.cnsproj``: a PyTorch model as an editable project."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from convnet_studio.errors import ImportRefused


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source",
        help="torchvision:NAME (random weights, nothing downloaded) or path/to/file.py:callable "
        "(a function or class returning an nn.Module; the file runs as Python code)",
    )
    parser.add_argument("-o", "--output", required=True, help="the project file to write (.cnsproj)")
    parser.add_argument("--input", default="3,224,224", help="input C,H,W to trace at (default 3,224,224)")
    parser.add_argument("--num-classes", type=int, help="classes of a torchvision model (default: its own)")
    parser.add_argument(
        "--weights", metavar="FILE",
        help="a state_dict for the model (read with weights_only=True); checked to load strictly, "
        "and named in the project",
    )


def run_import(args: argparse.Namespace) -> int:
    """Import, check against the model, and only then write the project."""
    from convnet_studio.graph.project_file import save_project
    from convnet_studio.importer.api import import_model
    from convnet_studio.sources import parse_input_size

    try:
        shape = parse_input_size(args.input)
    except ValueError as exc:
        raise ImportRefused(str(exc)) from None
    result = import_model(args.source, shape, args.num_classes)
    graph, out = result.graph, Path(args.output)
    for note in result.notes:
        print(f"note: {note}")
    if args.weights:
        _check_weights(graph, Path(args.weights), result.key_prefix)
        graph.meta["weights"] = os.path.relpath(Path(args.weights).resolve(), out.resolve().parent)
    save_project(graph, out)
    total = graph.analyze().total
    print(
        f"{args.source}: {len(graph)} nodes ({len(result.composites)} composite blocks), "
        f"{total.params:,} parameters, {total.macs / 1e9:.3f} GMACs at {'x'.join(map(str, shape))}"
    )
    print("checked: the compiled graph loads the model's state_dict strictly and gives its outputs")
    print(f"wrote {out}")
    return 0


def _check_weights(graph, path: Path, prefix: str) -> None:
    from convnet_studio.compile import compile_graph
    from convnet_studio.presets.weights import load_checkpoint_into, read_state_dict

    state = read_state_dict(path)
    if prefix:
        state = {k if k.startswith(prefix) else prefix + k: v for k, v in state.items()}
    load_checkpoint_into(compile_graph(graph, init=False), state)
