"""Write the reference pages in docs/reference/ from the code, so they do not drift from it.

    python docs/generate_reference.py          # rewrite docs/reference/*.md
    python docs/generate_reference.py --check  # exit 1 if a page is out of date

tests/test_docs_reference.py fails when blocks.md or presets.md differs from what this script
writes, or when cli.md lacks a subcommand or an option (help wording may lag a little).

Pages: every block of the registry (parameters, ports, shape rule, cost rule, a worked example
computed by the shape and cost rules themselves, and a composite's expansion), every preset with
its size, and the command line's ``--help`` for every subcommand. The shape and cost rules in
words are the block specs' ``shape_doc`` and ``cost_doc``, beside the formulas they describe; a
primitive's PyTorch form is its torch entry (compile/torch_table.py), printed as exported code does.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "reference"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from convnet_studio.graph import Graph, get_block, list_blocks
from convnet_studio.graph.blocks.arith import fmt_shape

COMPOSITE_RULE = (
    (
        "Those of its expansion below: the studio expands the block into primitives and infers "
        "every inner shape with their rules."
    ),
    "The sum of its expansion's costs.",
)
# Example inputs for the worked examples; a C x H x W feature map unless listed.
EXAMPLE_INPUT: dict[str, tuple[int, ...]] = {
    "ResNetStem": (3, 224, 224),
    "GoogLeNetStem": (3, 224, 224),
    "InceptionModule": (192, 28, 28),
    "InvertedResidual": (16, 56, 56),
    "Linear": (512,),
    "Add": (64, 56, 56),
    "Concat": (64, 28, 28),
    "DenseTransition": (256, 56, 56),  # densenet121's transition1
    "Fire": (96, 54, 54),  # squeezenet1_0's first Fire
    "ShuffleUnit": (24, 56, 56),
    "InceptionA": (192, 35, 35),
    "InceptionB": (288, 35, 35),
    "InceptionC": (768, 17, 17),
    "InceptionD": (768, 17, 17),
    "InceptionE": (1280, 8, 8),
    "MBConv": (24, 56, 56),  # as many channels out as in: the residual and stochastic depth show
    "FusedMBConv": (24, 56, 56),
}


def block_example(spec) -> tuple[str, str, int, int]:
    """(input, output, params, MACs) of the block at its defaults, computed by its own rules."""
    params = spec.resolve_params({})
    if spec.type == "Input":
        shape = (params["channels"], params["height"], params["width"])
        return "-", fmt_shape(shape), 0, 0
    shape = EXAMPLE_INPUT.get(spec.type, (64, 56, 56))
    ports = spec.input_ports(params)
    ins = tuple(shape for _ in ports)
    if spec.type == "Concat":
        ins = ((64, 28, 28), (128, 28, 28), (32, 28, 28), (32, 28, 28))
    if spec.is_composite:
        graph = Graph("example")
        x = graph.add("Input", channels=shape[0], height=shape[1], width=shape[2])
        node = graph.add(spec.type, inputs=x)
        result = graph.analyze().nodes[node]
        outs, cost = tuple(result.outputs.values()), result.cost
        params_count, macs = cost.params, cost.macs
    else:
        outs = spec.shape(params, ins)
        params_count, macs = spec.cost(params, ins, outs)
    shown_in = " + ".join(fmt_shape(s) for s in ins) if ins else "-"
    shown_out = ", ".join(fmt_shape(s) for s in outs) if outs else "-"
    return shown_in, shown_out, params_count, macs


def torch_line(spec) -> str:
    """The primitive's torch entry at the example input, as exported code writes it."""
    from convnet_studio.codegen.body import Row
    from convnet_studio.codegen.calls import call_text, primitive_call
    from convnet_studio.compile.torch_table import TORCH

    entry = TORCH.get(spec.type)
    if entry is None:
        return ""
    if entry.passthrough:
        return "nothing: the output is the input."
    params = spec.resolve_params({})
    ins = tuple(EXAMPLE_INPUT.get(spec.type, (64, 56, 56)) for _ in spec.input_ports(params))
    forms = []
    if entry.parameter is not None:
        from convnet_studio.codegen.calls import literal, parameter_declaration, parameter_expression

        row = Row("x", spec.type, params, ["@"] * len(ins), ins, ins[0])
        args = [literal(a.value) for a in primitive_call(row).args]
        forms.append(
            f"`self.{spec.default_name} = {parameter_declaration(row, args)}` (a bare parameter at "
            f"the node's name, no submodule), used as "
            f"`{parameter_expression(row, 'x', 'self.' + spec.default_name)}` in `forward`"
        )
    if entry.module is not None:
        row = Row("x", spec.type, params, ["@"] * len(ins), ins, ins[0])
        forms.append(f"`{call_text(primitive_call(row))}`")
        if not entry.module_is_torch():
            forms[-1] += " (a class the exported file defines)"
    if entry.op is not None:
        names = ["x"] if len(ins) == 1 else [f"x{i}" for i in range(len(ins))]
        forms.append(f"`{entry.op_for(params, ins[0]).source(names)}` in `forward`")
    return ", or ".join(forms) + "."


def expansion_lines(spec) -> list[str]:
    shape = EXAMPLE_INPUT.get(spec.type, (64, 56, 56))
    sub = spec.expand(spec.resolve_params({}), (shape,))
    # inner node -> its input port -> what feeds it (an inner node or the block's own input)
    feeds: dict[str, dict[str, str]] = {}
    for src, _src_port, dst, dst_port in sub.edges:
        feeds.setdefault(dst, {})[dst_port] = src
    for targets in sub.inputs.values():
        for dst, dst_port in targets:
            feeds.setdefault(dst, {})[dst_port] = "the block's input"
    lines = ["", "Expansion at the defaults (inner names follow torchvision's):", ""]
    lines += ["| Inner node | Type | Parameters | Inputs from |", "|---|---|---|---|"]
    for inner in sub.nodes:
        params = ", ".join(f"{k}={v!r}" for k, v in inner.params.items()) or "-"
        inner_spec = get_block(inner.type)
        ports = inner_spec.input_ports(inner_spec.resolve_params(inner.params))
        fed = feeds.get(inner.name, {})
        sources = ", ".join(fed[port] for port in ports if port in fed) or "the block's input"
        lines.append(f"| `{inner.name}` | {inner.type} | {params} | {sources} |")
    return lines


def param_rows(spec) -> list[str]:
    if not spec.params:
        return ["No parameters."]
    rows = ["| Parameter | Kind | Default | Allowed | Meaning |", "|---|---|---|---|---|"]
    for p in spec.params:
        allowed = ", ".join(f"`{c}`" for c in p.choices) if p.choices else ""
        if p.minimum is not None or p.maximum is not None:
            low = "" if p.minimum is None else f"{p.minimum:g} {'<' if p.min_exclusive else '<='} "
            high = "" if p.maximum is None else f" <= {p.maximum:g}"
            allowed = f"{low}x{high}"
        rows.append(f"| `{p.name}` | {p.kind} | `{p.default!r}` | {allowed} | {p.doc} |")
    return rows


def blocks_page() -> str:
    out = [
        "# Block reference",
        "",
        "Generated from the block registry by `python docs/generate_reference.py`; do not edit.",
        "Shapes are per image (no batch dimension). MACs are multiply-accumulates per image",
        "(FLOPs = 2 x MACs); BatchNorm, activations, pooling and adds count as 0 MACs, as in the",
        "published figures for these networks. Activations are the output elements per image.",
        "",
        "Parameter kinds: `int`, `float`, `bool`, `choice`, `pair` (one number or `[h, w]`),",
        "`padding` (a pair, `'same'` or `'valid'`), `str`.",
    ]
    blocks = list_blocks()
    categories: dict[str, list] = {}
    for spec in blocks:
        categories.setdefault(spec.category, []).append(spec)
    out += ["", "## Contents", ""]
    for category, specs in categories.items():
        links = ", ".join(f"[{s.type}](#{s.type.lower()})" for s in specs)
        out.append(f"- {category}: {links}")
    for category, specs in categories.items():
        out += ["", f"## {category}"]
        for spec in specs:
            out += block_section(spec)
    return "\n".join(out) + "\n"


def block_section(spec) -> list[str]:
    shape_rule, cost_rule = COMPOSITE_RULE if spec.is_composite else (spec.shape_doc, spec.cost_doc)
    ports = spec.input_ports(spec.resolve_params({}))
    inputs = ", ".join(f"`{p}`" for p in ports) or "none"
    if callable(spec.inputs):
        inputs += " (one per input, set by `num_inputs`)"
    outputs = ", ".join(f"`{p}`" for p in spec.outputs) or "none"
    kind = "composite (expands into primitives)" if spec.is_composite else "primitive"
    shown_in, shown_out, params, macs = block_example(spec)
    lines = ["", f"### {spec.type}", "", spec.description, ""]
    lines += [f"- Kind: {kind}.", f"- Inputs: {inputs}. Outputs: {outputs}."]
    lines += [f"- Shape rule: {shape_rule}", f"- Cost rule: {cost_rule}"]
    torch_form = torch_line(spec)
    if torch_form:
        lines.append(f"- In PyTorch: {torch_form}")
    lines += [
        f"- Example at the defaults: {shown_in} -> {shown_out}, {params:,} parameters, {macs:,} MACs.",
        "",
    ]
    lines += param_rows(spec)
    if spec.is_composite:
        lines += expansion_lines(spec)
    return lines


def presets_page() -> str:
    from convnet_studio.presets import get_preset, list_presets

    out = [
        "# Preset reference",
        "",
        "Generated by `python docs/generate_reference.py`; do not edit. Sizes at each preset's",
        "default input and class count, from the studio's cost model (`convnet-studio presets`",
        "prints the same).",
        "",
        "| Preset | Family | Input | Classes | Parameters | MACs | Activations / image | What it is |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for info in list_presets():
        total = get_preset(info.name).analyze().total
        out.append(
            f"| `{info.name}` | {info.family} | {fmt_shape(info.default_input)} | "
            f"{info.default_num_classes} | {total.params:,} | {total.macs:,} | {total.activations:,} | "
            f"{info.description} |"
        )
    return "\n".join(out) + "\n"


def cli_page() -> str:
    from convnet_studio.cli import build_parser

    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal; fix the width
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out = [
        "# Command-line reference",
        "",
        (
            "Generated from the argument parsers by `python docs/generate_reference.py` "
            f"(Python {sys.version_info.major}.{sys.version_info.minor}); do not edit."
        ),
        "`convnet-studio` with no command, or with a project file or preset name, opens the studio.",
        "",
        "## convnet-studio",
        "",
        "```text",
        parser.format_help().rstrip(),
        "```",
    ]
    for name, command in sub.choices.items():
        text = command.format_help().rstrip()
        if command.get_default("_unavailable"):
            text += "\n\n(not available in the installation that generated this page)"
        out += ["", f"## convnet-studio {name}", "", "```text", text, "```"]
    return "\n".join(out) + "\n"


INDEX_PAGE = """# Reference

- [Blocks](blocks.md): every block's parameters, ports, shape rule and cost rule.
- [Presets](presets.md): every built-in network with its size.
- [Command line](cli.md): `convnet-studio` and every subcommand's options.
- [Project file format](../project-format.md): what a `.cnsproj` file holds.

The first three are generated from the code by `python docs/generate_reference.py`.
"""


def pages() -> dict[str, str]:
    with redirect_stdout(
        io.StringIO()
    ):  # a preset or parser printing on import stays out of the docs
        return {
            "index.md": INDEX_PAGE,
            "blocks.md": blocks_page(),
            "presets.md": presets_page(),
            "cli.md": cli_page(),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate docs/reference/*.md from the code.")
    parser.add_argument("--check", action="store_true", help="exit 1 if a page is out of date")
    args = parser.parse_args(argv)
    stale = []
    for name, text in pages().items():
        path = OUT / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            OUT.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print(
            f"out of date: {', '.join(stale)}; run python docs/generate_reference.py",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
