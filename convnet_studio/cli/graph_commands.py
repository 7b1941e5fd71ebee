"""``validate`` and ``summary``: graph-only commands that never import torch."""

from __future__ import annotations

import argparse
import json

from convnet_studio.errors import CommandError
from convnet_studio.graph.analysis import Analysis
from convnet_studio.graph.blocks.arith import fmt_bytes, fmt_shape
from convnet_studio.graph.model import Graph
from convnet_studio.sources import parse_input_size, resolve_source


def add_validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="project file or preset name")
    parser.add_argument("--input", metavar="C,H,W", help="input size to validate at instead of the file's or preset's")
    parser.add_argument("--num-classes", type=int, help="classes, for a preset")
    parser.add_argument("--json", action="store_true", help="print the problems as a JSON list")


def run_validate(args: argparse.Namespace) -> int:
    size = _input(args)
    graph = resolve_source(args.source, num_classes=args.num_classes, input_size=size)
    analysis = graph.analyze(size)
    if args.json:
        print(json.dumps([{"node": p.node, "port": p.port, "message": p.message} for p in analysis.problems], indent=1))
    elif analysis.ok:
        total = analysis.total
        print(f"{args.source}: valid, {len(graph)} nodes, {total.params:,} parameters, {total.macs:,} MACs")
    else:
        for problem in analysis.problems:
            print(f"{problem.node or '-'}\t{problem.port or '-'}\t{problem.message}")
    return 0 if analysis.ok else 1


def add_summary_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="project file or preset name")
    parser.add_argument("--input", metavar="C,H,W", help="input size, e.g. 3,32,32")
    parser.add_argument("--num-classes", type=int, help="classes, for a preset")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run_summary(args: argparse.Namespace) -> int:
    size = _input(args)
    graph = resolve_source(args.source, num_classes=args.num_classes, input_size=size)
    analysis = graph.analyze(size)
    if args.json:
        print(json.dumps(summary_dict(graph, analysis), indent=1))
    else:
        print(summary_table(graph, analysis))
    return 0 if analysis.ok else 1


def summary_dict(graph: Graph, analysis: Analysis) -> dict:
    nodes = []
    for name in analysis.order:
        result = analysis.nodes[name]
        shape = analysis.output_shape(name)
        nodes.append({
            "name": name,
            "type": graph.node(name).type,
            "output_shape": list(shape) if shape else None,
            "params": result.cost.params,
            "macs": result.cost.macs,
            "activations": result.cost.activations,
        })
    total = analysis.total
    return {
        "nodes": nodes,
        "total_params": total.params,
        "total_macs": total.macs,
        "total_flops": total.flops,
        "total_activations": total.activations,
        "problems": [p.to_dict() for p in analysis.problems],
    }


def summary_table(graph: Graph, analysis: Analysis) -> str:
    rows = [("name", "type", "output shape", "params", "MACs", "activations")]
    for name in analysis.order:
        cost = analysis.nodes[name].cost
        rows.append((name, graph.node(name).type, fmt_shape(analysis.output_shape(name)),
                     f"{cost.params:,}", f"{cost.macs:,}", fmt_bytes(cost.activation_bytes())))
    total = analysis.total
    rows.append(("total", "", "", f"{total.params:,}", f"{total.macs:,}", fmt_bytes(total.activation_bytes())))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for i, row in enumerate(rows):
        cells = [c.ljust(w) if j < 3 else c.rjust(w) for j, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
        if i == 0 or i == len(rows) - 2:
            lines.append("  ".join("-" * w for w in widths))
    lines.append(f"FLOPs = 2 x MACs = {total.flops / 1e9:.3f} G; activation memory per image at fp32")
    for problem in analysis.problems:
        lines.append(f"problem: {problem}")
    return "\n".join(lines)


def _input(args: argparse.Namespace):
    if not getattr(args, "input", None):
        return None
    try:
        return parse_input_size(args.input)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
