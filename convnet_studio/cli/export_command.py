"""``convnet-studio export SOURCE --format python|onnx|torchscript|state_dict -o OUT``."""

from __future__ import annotations

import argparse
from pathlib import Path

from convnet_studio.errors import ExportError, ExportWeightsError, InvalidGraphError

FORMATS = ("python", "onnx", "torchscript", "state_dict")


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="project file (.cnsproj) or preset name")
    parser.add_argument(
        "--format", "-f", choices=FORMATS, default="python", help="what to write (default: python)"
    )
    parser.add_argument(
        "-o", "--output", required=True, help="file to write (Python: weights go beside it as .pt)"
    )
    parser.add_argument(
        "--weights",
        metavar="CHECKPOINT",
        help="state_dict or training checkpoint to export with (default: fresh weights)",
    )
    parser.add_argument(
        "--input", metavar="C,H,W", help="input size (presets; shape comments and example input)"
    )
    parser.add_argument("--num-classes", type=int, metavar="N", help="number of classes (presets)")


def run_export(args: argparse.Namespace) -> int:
    """Run the export; user mistakes raise :class:`ExportError` (one sentence, non-zero exit)."""
    from convnet_studio.sources import parse_input_size, resolve_source

    try:
        input_size = parse_input_size(args.input) if args.input else None
    except ValueError as exc:
        raise ExportError(str(exc)) from None
    if args.num_classes is not None and args.num_classes < 1:
        raise ExportError(f"--num-classes must be at least 1 (got {args.num_classes})")
    graph = resolve_source(args.source, num_classes=args.num_classes, input_size=input_size)
    analysis = graph.analyze(input_size)
    if not analysis.ok:
        more = f" (and {len(analysis.problems) - 1} more)" if len(analysis.problems) > 1 else ""
        raise InvalidGraphError(
            f"{args.source} is not a valid network: {analysis.problems[0]}{more}"
        )
    written = _export(graph, args, input_size)
    for path in written:
        print(path)
    return 0


def _export(graph, args: argparse.Namespace, input_size) -> list[Path]:
    from convnet_studio.codegen import formats
    from convnet_studio.compile import compile_graph

    shape = tuple(input_size or graph.analyze().input_shape)
    needs_module = args.format != "python" or args.weights
    module = compile_graph(graph, input_size) if needs_module else None
    if args.weights:
        _load_weights(module, args.weights)
    out = Path(args.output)
    if args.format == "python":
        state = module.state_dict() if args.weights else None
        return formats.export_python(graph, out, state, input_size)
    if args.format == "onnx":
        return [formats.export_onnx(module, out, shape)]
    if args.format == "torchscript":
        return [formats.export_torchscript(module, out, shape)]
    return [formats.export_state_dict(module, out)]


def _load_weights(module, path: str) -> None:
    from convnet_studio.errors import WeightsError
    from convnet_studio.presets.weights import load_checkpoint_into

    try:
        load_checkpoint_into(module, path)
    except WeightsError as exc:
        message = str(exc)
        raise ExportWeightsError(
            message if message.startswith(path) else f"{path}: {message}"
        ) from None
