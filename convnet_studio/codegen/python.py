"""Graph -> one standalone, readable PyTorch file (imports torch only).

The file holds one class per composite block type used, a model class whose members sit at
the graph's node names (so its state_dict keys equal the compiled module's, and
torchvision's for the presets) and ``build_model(num_classes=...)``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap

from convnet_studio.codegen.block_classes import BlockClass, BlockClasses
from convnet_studio.codegen.body import INPUT, Body, Row, body_from_graph
from convnet_studio.codegen.calls import (
    MISSING,
    Arg,
    arg_texts,
    helper_classes,
    helper_names,
    literal,
    value_text,
)
from convnet_studio.codegen.render import WIDTH, ClassSource, render_class
from convnet_studio.codegen.shape_comments import concrete
from convnet_studio.codegen.text import checked_class_name, class_name_from, doc_text
from convnet_studio.errors import InvalidGraphError
from convnet_studio.graph.model import Graph
from convnet_studio.graph.registry import Shape, get_block

_PASS_THROUGH = {
    "Flatten",
    "Dropout",
    "GlobalAvgPool",
    "AdaptiveAvgPool2d",
    "ReLU",
    "Sigmoid",
    "Tanh",
}
_INIT = [
    "",
    "        # Kaiming-normal convolutions (fan-out), as torchvision's ResNet and the studio do.",
    "        for m in self.modules():",
    "            if isinstance(m, nn.Conv2d):",
    '                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")',
    "                if m.bias is not None:",
    "                    nn.init.zeros_(m.bias)",
]


def generate_python(
    graph: Graph,
    input_shape: Shape | None = None,
    class_name: str | None = None,
    weights_file: str | None = None,
) -> str:
    """The source of a standalone ``.py`` file that builds the network of ``graph``.

    Args:
        graph: a valid graph (one Input, one Output, no shape problems).
        input_shape: (C, H, W) for the shape comments, instead of the Input node's.
        class_name: the model class's name (default: the graph's name in CamelCase).
        weights_file: a state_dict file name to show in the docstring's loading snippet.

    Raises:
        InvalidGraphError: if the graph has problems (the message names the first).
    """
    analysis = graph.analyze(input_shape)
    if not analysis.ok:
        more = f" (and {len(analysis.problems) - 1} more)" if len(analysis.problems) > 1 else ""
        raise InvalidGraphError(f"the graph cannot be exported: {analysis.problems[0]}{more}")
    if class_name is not None:
        try:
            checked_class_name(class_name)
        except ValueError as exc:
            raise InvalidGraphError(str(exc)) from None
    body = body_from_graph(graph, analysis)
    blocks = BlockClasses(body)
    taken = {cls.name for cls in blocks.ordered()} | helper_names()
    name = _unique(class_name or class_name_from(graph.name), taken)
    head = _head_slot(body, blocks)
    num_classes = blocks.row_call(head[0]).args[head[1]].value if head else None
    parts = [_docstring(graph, body, name, num_classes, weights_file), _imports(body, blocks)]
    parts += [source.strip("\n") + "\n" for source in _helpers(body, blocks).values()]
    parts += [render_class(_block_source(cls, blocks)) for cls in blocks.ordered()]
    parts.append(render_class(_model_source(graph, body, blocks, name, head)))
    parts.append(_builder(name, num_classes))
    parts.append(_script(body.in_shape))
    return format_source("\n\n".join(p.rstrip("\n") + "\n" for p in parts))


def _unique(name: str, taken: set[str]) -> str:
    return name if name not in taken else name + "Model"


def format_source(text: str) -> str:
    """``ruff format`` the text when ruff is installed; the text is already close to it."""
    if importlib.util.find_spec("ruff") is None:
        return text
    try:
        done = subprocess.run(
            [sys.executable, "-m", "ruff", "format", "--line-length", "100", "-"],
            check=False,
            input=text,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return text
    return done.stdout if done.returncode == 0 and done.stdout else text


def _docstring(
    graph: Graph, body: Body, name: str, num_classes: int | None, weights: str | None
) -> str:
    out = concrete(body.shape_of(body.output))
    lines = [
        f"{str(graph.name).replace(chr(10), ' ')}, exported from ConvNet Studio.",
        "",
        f"Input: N x {' x '.join(map(str, body.in_shape))} images; output: {out}. Needs only PyTorch.",
    ]
    if weights:
        arg = f"num_classes={num_classes}" if num_classes is not None else ""
        lines += [
            "",
            "Load the trained weights saved beside this file:",
            "",
            f"    model = build_model({arg})",
            f"    model.load_state_dict(torch.load({literal(weights)}, weights_only=True))",
            "    model.eval()",
        ]
    return '"""' + doc_text("\n".join(lines), newlines=True) + '\n"""'


def _imports(body: Body, blocks: BlockClasses) -> str:
    # The helper classes (compile/modules.py) write torch.nn.functional as F; not all use it
    # (StochasticDepth does not), and an unused import is a lint error in the exported file.
    uses_f = any("F." in source for source in _helpers(body, blocks).values())
    functional = "import torch.nn.functional as F\n" if uses_f else ""
    return f"import torch\n{functional}from torch import nn\n"


def _helpers(body: Body, blocks: BlockClasses) -> dict[str, str]:
    bodies = [body] + [cls.body for cls in blocks.ordered()]
    return helper_classes({row.type for b in bodies for row in b.rows})


def _head_slot(body: Body, blocks: BlockClasses) -> tuple[Row, int] | None:
    """The argument that sets the number of classes: the last Linear's (or 1x1 conv's) outputs."""
    rows = {row.name: row for row in body.rows}
    ref = body.output
    while ref in rows:
        row = rows[ref]
        if row.type == "Linear":
            return row, 1
        if row.type == "Conv2d":
            return row, 1
        if row.type not in _PASS_THROUGH:
            return None
        ref = row.refs[0]
    return None


def _model_source(graph: Graph, body: Body, blocks: BlockClasses, name: str, head) -> ClassSource:
    def call_parts(row: Row) -> tuple[str, list[str]]:
        call = blocks.row_call(row)
        assert call is not None

        def render(i: int, arg: Arg) -> str | None:
            if head and row is head[0] and i == head[1]:
                return "num_classes"
            return value_text(i, arg)

        return call.func, arg_texts(call, render)

    shapes = {INPUT: concrete(body.in_shape)} | {
        row.name: concrete(row.out_shape) for row in body.rows
    }
    signature = (
        [
            f"num_classes: int = {head[0].params['out_features' if head[0].type == 'Linear' else 'out_channels']}"
        ]
        if head
        else []
    )
    doc = _wrap_doc(str(graph.meta.get("description") or f"The {graph.name} network."))
    return ClassSource(name, doc, signature, body, call_parts, shapes.__getitem__, init_tail=_INIT)


def _block_source(cls: BlockClass, blocks: BlockClasses) -> ClassSource:
    def call_parts(row: Row) -> tuple[str, list[str]]:
        call = blocks.row_call(row)
        assert call is not None

        def render(i: int, arg: Arg) -> str | None:
            expr = cls.slots[(row.name, i)]
            value = expr.evaluate({}) if not expr.names() else MISSING
            if not arg.positional and arg.default is not MISSING and value == arg.default:
                return None
            return expr.render()

        return call.func, arg_texts(call, render)

    signature = []
    for p in cls.params:
        default = "" if p.default is MISSING else f" = {literal(p.default)}"
        signature.append(f"{p.name}: {p.annotation}{default}")
    optional = {member: expr.render() for member, expr in cls.optional.items()}
    doc = _wrap_doc(get_block(cls.type).description)
    return ClassSource(
        cls.name, doc, signature, cls.body, call_parts, cls.shapes.__getitem__, optional, cls.attrs
    )


def _wrap_doc(text: str) -> str:
    # Short enough that ruff format, which joins one-line docstrings, keeps them under WIDTH.
    # Escaped after wrapping, so that no line break falls inside an escape.
    lines = textwrap.wrap(text, WIDTH - 12)
    doc = doc_text("\n".join(lines), newlines=True).replace("\n", "\n    ")
    return doc if len(lines) <= 1 else doc + "\n    "


def _builder(name: str, num_classes: int | None) -> str:
    if num_classes is None:
        return f'def build_model() -> {name}:\n    """A new {name} with freshly initialised weights."""\n    return {name}()\n'
    return (
        f"def build_model(num_classes: int = {num_classes}) -> {name}:\n"
        f'    """A new {name} with freshly initialised weights."""\n'
        f"    return {name}(num_classes=num_classes)\n"
    )


def _script(in_shape: Shape) -> str:
    """``python net.py`` builds the model, prints its parameters and one forward pass's shapes."""
    size = ", ".join(str(int(d)) for d in (1, *in_shape))
    return f"""def main() -> None:
    \"\"\"Build the network, print its parameters and the output shape for one random input.\"\"\"
    model = build_model().eval()
    print(f"{{'member':<28}} {{'type':<20}} {{'parameters':>12}}")
    for name, module in model.named_children():
        count = sum(p.numel() for p in module.parameters())
        print(f"{{name:<28}} {{type(module).__name__:<20}} {{count:>12,}}")
    total = sum(p.numel() for p in model.parameters())
    print(f"{{'total':<49}} {{total:>12,}} parameters")
    x = torch.randn({size})
    with torch.no_grad():
        y = model(x)
    print(f"forward: input {{tuple(x.shape)}} -> output {{tuple(y.shape)}}")


if __name__ == "__main__":
    main()
"""
