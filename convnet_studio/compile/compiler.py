"""Graph -> ``torch.nn.Module``.

The result is a :class:`torch.fx.GraphModule`: its ``forward`` is generated Python that calls
the submodules in graph order, so it costs nothing beyond the ops themselves, it can be
scripted and exported, and ``model.code`` shows it. Submodules sit at their node's name
(``layer1.0.conv1``), which makes the state_dict keys equal to torchvision's for the presets.
A composite block compiles to one nested GraphModule named after its type (``Bottleneck``).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import fx, nn

from convnet_studio.compile.torch_table import TORCH, Op, build, may_overwrite, resolve
from convnet_studio.errors import UserError
from convnet_studio.graph.analysis import Problem
from convnet_studio.graph.model import Graph
from convnet_studio.graph.registry import Params, Shape, Subgraph, get_block

# fx node.meta key holding the name of the graph node whose output the fx node computes.
NODE_META = "studio_node"


class CompileError(UserError, ValueError):
    """The graph cannot be compiled; ``problems`` lists why, node by node."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = [str(p) for p in problems[:10]]
        if len(problems) > 10:
            lines.append(f"... and {len(problems) - 10} more")
        super().__init__("the graph has problems:\n  " + "\n  ".join(lines))


def compile_graph(
    graph: Graph, input_shape: Shape | None = None, class_name: str | None = None, init: bool = True
) -> fx.GraphModule:
    """Compile ``graph`` into a module whose forward follows the graph.

    Args:
        graph: a valid graph with one Input and one Output node.
        input_shape: (C, H, W) to use instead of the Input node's.
        class_name: the module's class name (default: the graph's name in CamelCase).
        init: initialise weights as torchvision's ResNet does (Kaiming normal, fan-out).

    Raises:
        CompileError: listing every problem if the graph is not valid.
    """
    analysis = graph.analyze(input_shape)
    if not analysis.ok:
        raise CompileError(analysis.problems)
    nodes = []
    for name in analysis.order:
        node = graph.node(name)
        inputs = [_source(graph, name, port) for port in node.input_ports()]
        in_shapes = tuple(analysis.nodes[name].inputs.values())
        nodes.append((name, node.type, node.params, inputs, in_shapes))
    module = _build(nodes, class_name or _class_name(graph.name))
    if init:
        init_weights(module)
    return module


def _source(graph: Graph, name: str, port: str) -> tuple[str, str]:
    edge = graph.input_edge(name, port)
    assert edge is not None  # the analysis reported unconnected ports
    return edge.src, edge.src_port


NodeRow = tuple[str, str, Params, list[tuple[str, str]], tuple[Shape, ...]]


def _build(nodes: list[NodeRow], class_name: str, sub: Subgraph | None = None) -> fx.GraphModule:
    """Emit an fx graph for ``nodes`` (in dependency order) and wrap it in a GraphModule.

    For a composite's expansion, ``sub`` says which inner ports the composite's input feeds
    and which inner output it returns; for a whole graph, Input and Output nodes say so.
    """
    root = nn.Module()
    g = fx.Graph()
    values: dict[tuple[str, str], fx.Node] = {}
    readers: dict[tuple[str, str], int] = {}
    for _, _, _, inputs, _ in nodes:
        for ref in inputs:
            readers[ref] = readers.get(ref, 0) + 1
    types = {name: type_name for name, type_name, *_ in nodes}
    if sub is not None:
        for ref in sub.outputs.values():  # the caller reads the result: never overwrite it
            readers[ref] = readers.get(ref, 0) + 1
        x = g.placeholder("x")
        for targets in sub.inputs.values():
            for target in targets:
                values[("@", target[0] + ":" + target[1])] = x
    result = None
    for name, type_name, params, inputs, in_shapes in nodes:
        if type_name == "Input":
            values[(name, "out")] = g.placeholder("x")
            values[(name, "out")].meta[NODE_META] = name
            continue
        args = [values[ref] for ref in inputs]
        if type_name == "Output":
            result = args[0]
            continue
        def overwritable(ref: tuple[str, str]) -> bool:
            return readers.get(ref, 0) == 1 and may_overwrite(types.get(ref[0]))

        spec = get_block(type_name)
        if spec.is_composite:
            made: Any = _build_composite(type_name, params, in_shapes)
        else:
            inplace = TORCH[type_name].inplace and len(inputs) == 1 and overwritable(inputs[0])
            made = build(type_name, params, in_shapes, inplace)
        if made is None:
            out = args[0]
        elif isinstance(made, nn.Parameter):
            # A bare tensor at the node's path (ConvNeXt's layer_scale), applied by an op.
            _set_parameter(root, name, made)
            fn = resolve(TORCH[type_name].parameter.fn)
            out = g.call_function(fn, (args[0], g.get_attr(name)))
        elif isinstance(made, Op) and made.inplace_method and any(map(overwritable, inputs)):
            # torchvision's `out += identity`: one allocation less per residual block.
            first = next(i for i, ref in enumerate(inputs) if overwritable(ref))
            out = args[first]
            for i, arg in enumerate(args):
                if i != first:
                    out = g.call_method(made.inplace_method, (out, arg))
        elif isinstance(made, Op):
            call_args = (list(args),) if made.pack_inputs else tuple(args)
            out = _call_op(g, made, call_args)
        else:
            _set_submodule(root, name, made)
            out = g.call_module(name, tuple(args))
        values[(name, spec.outputs[0])] = out
        # Tools (and the shape tests) map fx nodes back to studio nodes through this; an
        # Identity's value is its input's, already tagged by the producer.
        out.meta.setdefault(NODE_META, name)
        if sub is not None and list(sub.outputs.values())[0] == (name, spec.outputs[0]):
            result = out
    g.output(result)
    return fx.GraphModule(root, g, class_name)


def _call_op(g: fx.Graph, op: Op, args: tuple) -> fx.Node:
    fn = resolve(op.fn)
    if len(args) > 2 and op.fn == "operator.add":
        out = g.call_function(fn, args[:2])
        for extra in args[2:]:
            out = g.call_function(fn, (out, extra))
        return out
    return g.call_function(fn, args, dict(op.kwargs))


def _build_composite(type_name: str, params: Params, in_shapes: tuple[Shape, ...]) -> fx.GraphModule:
    from convnet_studio.graph.analysis import infer_subgraph

    spec = get_block(type_name)
    params = spec.resolve_params(params)
    sub = spec.expand(params, in_shapes)
    inner = infer_subgraph(sub, in_shapes)
    feeds = {target: ("@", target[0] + ":" + target[1]) for targets in sub.inputs.values() for target in targets}
    edges_into = {(dst, dst_port): (src, src_port) for src, src_port, dst, dst_port in sub.edges}
    rows: list[NodeRow] = []
    for node in sub.nodes:
        node_spec = get_block(node.type)
        node_params = node_spec.resolve_params(node.params)
        refs, shapes = [], []
        for port in node_spec.input_ports(node_params):
            ref = edges_into.get((node.name, port)) or feeds[(node.name, port)]
            refs.append(ref)
            shapes.append(in_shapes[0] if ref[0] == "@" else inner.outputs[ref[0]][ref[1]])
        rows.append((node.name, node.type, node_params, refs, tuple(shapes)))
    return _build(rows, type_name, sub)


def _set_submodule(root: nn.Module, path: str, module: nn.Module) -> None:
    parent, leaf = _parent(root, path)
    parent.add_module(leaf, module)


def _set_parameter(root: nn.Module, path: str, parameter: nn.Parameter) -> None:
    # A module saves its own parameters before its children's, so the key comes first
    # within its parent, as torchvision's CNBlock.layer_scale does before block.0.weight.
    parent, leaf = _parent(root, path)
    parent.register_parameter(leaf, parameter)


def _parent(root: nn.Module, path: str) -> tuple[nn.Module, str]:
    """The container at ``path``'s parent (made as empty modules where missing), and its leaf."""
    parent = root
    *containers, leaf = path.split(".")
    for part in containers:
        child = getattr(parent, part, None) if part in parent._modules else None
        if child is None:
            child = nn.Module()
            parent.add_module(part, child)
        parent = child
    return parent, leaf


def _class_name(name: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in name).split()
    text = "".join(w[:1].upper() + w[1:] for w in words) or "Network"
    return text if text[0].isalpha() else "Net" + text


@torch.no_grad()
def init_weights(module: nn.Module) -> None:
    """Kaiming-normal convs (fan-out), unit BatchNorm, as torchvision's ResNet initialises."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d) and m.affine:
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            bound = 1 / math.sqrt(m.in_features)
            nn.init.uniform_(m.weight, -bound, bound)
            if m.bias is not None:
                nn.init.uniform_(m.bias, -bound, bound)
