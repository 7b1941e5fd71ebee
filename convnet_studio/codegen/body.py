"""A graph, or one composite block's expansion, as the rows of one module body.

A row is one node with its resolved parameters, the rows it reads and its inferred shapes:
everything needed to print ``__init__`` and ``forward``. Groups of primitives that are
really a composite (an expanded block with ``meta["origin"]``, or a conv/bn/relu trio) are
folded back into one composite row, checked against the block's own expansion, so the
code can call a class for them while the state_dict keys stay the same.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from convnet_studio.compile.torch_table import TORCH, may_overwrite
from convnet_studio.graph.analysis import Analysis, infer_subgraph
from convnet_studio.graph.model import Graph
from convnet_studio.graph.params import pair
from convnet_studio.graph.registry import Params, Shape, get_block

INPUT = "@"  # the body's input, as a row reference


@dataclass
class Row:
    """One node of a body; ``refs`` name the rows (or :data:`INPUT`) feeding its input ports."""

    name: str
    type: str
    params: Params
    refs: list[str]
    in_shapes: tuple[Shape, ...]
    out_shape: Shape
    inplace: bool = False

    @property
    def is_composite(self) -> bool:
        return get_block(self.type).is_composite

    @property
    def has_op(self) -> bool:
        """It can be written as an operator in ``forward`` (Add, Concat, Flatten)."""
        entry = TORCH.get(self.type)
        return entry is not None and entry.op is not None

    @property
    def op_only(self) -> bool:
        """An operator with no module form (Add, Concat): nothing to declare in ``__init__``."""
        return self.has_op and TORCH[self.type].module is None


@dataclass
class Body:
    """Rows in dependency order, the row the body returns, and the input's shape."""

    rows: list[Row]
    output: str
    in_shape: Shape

    def readers(self) -> Counter[str]:
        counts: Counter[str] = Counter(ref for row in self.rows for ref in row.refs)
        counts[self.output] += 1
        return counts

    def shape_of(self, ref: str) -> Shape:
        if ref == INPUT:
            return self.in_shape
        return next(row.out_shape for row in self.rows if row.name == ref)


def body_from_graph(graph: Graph, analysis: Analysis) -> Body:
    """The whole network as one body (Input and Output become the body's ends)."""
    inputs = {n.name for n in graph.nodes_of_type("Input")}
    rows: list[Row] = []
    output = INPUT
    for name in analysis.order:
        node = graph.node(name)
        if node.type == "Input":
            continue
        refs = []
        for port in node.input_ports():
            edge = graph.input_edge(name, port)
            assert edge is not None  # a valid analysis has every port connected
            refs.append(INPUT if edge.src in inputs else edge.src)
        if node.type == "Output":
            output = refs[0]
            continue
        result = analysis.nodes[name]
        shape = analysis.output_shape(name)
        assert shape is not None
        rows.append(
            Row(
                name,
                node.type,
                node.spec.resolve_params(node.params),
                refs,
                tuple(s for s in result.inputs.values() if s is not None),
                shape,
            )
        )
    assert analysis.input_shape is not None
    body = _drop_identities(Body(rows, output, tuple(analysis.input_shape)))
    for prefix, (type_name, params) in _origins(graph).items():
        _try_fold(body, prefix, type_name, params)
    return _finish(body)


def body_from_block(type_name: str, params: Params, in_shape: Shape) -> Body:
    """The expansion of one composite block on an input of ``in_shape``."""
    return _finish(_drop_identities(_expand(type_name, params, in_shape)))


def _expand(type_name: str, params: Params, in_shape: Shape) -> Body:
    spec = get_block(type_name)
    params = spec.resolve_params(params)
    sub = spec.expand(params, (in_shape,))
    shapes = infer_subgraph(sub, (in_shape,))
    edges_into = {(dst, dst_port): src for src, _, dst, dst_port in sub.edges}
    rows = []
    for inner in sub.nodes:
        inner_spec = get_block(inner.type)
        inner_params = inner_spec.resolve_params(inner.params)
        refs = [
            edges_into.get((inner.name, port), INPUT)
            for port in inner_spec.input_ports(inner_params)
        ]
        in_shapes = tuple(in_shape if r == INPUT else shapes.outputs[r]["out"] for r in refs)
        rows.append(
            Row(
                inner.name,
                inner.type,
                inner_params,
                refs,
                in_shapes,
                shapes.outputs[inner.name]["out"],
            )
        )
    return Body(rows, sub.outputs["out"][0], in_shape)


def _drop_identities(body: Body) -> Body:
    """Identity rows pass their input through: readers read the input instead."""
    alias: dict[str, str] = {}
    rows = []
    for row in body.rows:
        refs = [alias.get(r, r) for r in row.refs]
        if row.type in TORCH and TORCH[row.type].passthrough:
            alias[row.name] = refs[0]
        else:
            rows.append(replace(row, refs=refs))
    return Body(rows, alias.get(body.output, body.output), body.in_shape)


def _origins(graph: Graph) -> dict[str, tuple[str, Params]]:
    """Expanded composites recorded in node meta, outermost first."""
    found: dict[str, tuple[str, Params]] = {}
    for node in graph:
        origin = node.meta.get("origin")
        if isinstance(origin, dict) and {"name", "type", "params"} <= set(origin):
            found.setdefault(origin["name"], (origin["type"], origin["params"]))
    return dict(sorted(found.items(), key=lambda item: item[0].count(".")))


def _finish(body: Body) -> Body:
    for prefix, params in _conv_bn_relu_groups(body):
        _try_fold(body, prefix, "ConvBNReLU", params)
    readers = body.readers()
    types = {row.name: row.type for row in body.rows}
    for row in body.rows:
        src = row.refs[0] if len(row.refs) == 1 else INPUT
        # As in the compiler: in place where it is its producer's only reader.
        entry = TORCH.get(row.type)
        row.inplace = bool(entry and entry.inplace) and readers[src] == 1 and may_overwrite(types.get(src))
    return body


def _conv_bn_relu_groups(body: Body) -> list[tuple[str, Params]]:
    """Containers that hold exactly conv [-> bn] -> relu, with what ConvBNReLU would need."""
    names = {row.name: row for row in body.rows}
    found = []
    for row in body.rows:
        if (
            row.type != "Conv2d"
            or not row.name.endswith(".conv")
            or isinstance(row.params["padding"], str)
        ):
            continue
        prefix = row.name[: -len(".conv")]
        bn = names.get(prefix + ".bn")
        params = {
            "out_channels": row.params["out_channels"],
            "kernel_size": row.params["kernel_size"],
            "stride": row.params["stride"],
            "padding": row.params["padding"],
            "batch_norm": bn is not None,
        }
        if bn is not None:
            params["bn_eps"] = bn.params["eps"]
        found.append((prefix, params))
    return found


def _try_fold(body: Body, prefix: str, type_name: str, params: Params) -> bool:
    """Replace the rows under ``prefix`` by one ``type_name`` row if they are its expansion."""
    group = [row for row in body.rows if row.name.startswith(prefix + ".")]
    if not group:
        return False
    outside = {ref for row in group for ref in row.refs if not ref.startswith(prefix + ".")}
    if len(outside) != 1:
        return False
    source = outside.pop()
    try:
        expected = _expand(type_name, params, body.shape_of(source))
        params = get_block(type_name).resolve_params(params)
    except Exception:  # noqa: BLE001  (parameters the block refuses: these rows are not that block)
        return False
    if not _same_rows(group, expected, prefix, source):
        return False
    result = f"{prefix}.{expected.output}"
    inside = {row.name for row in group}
    for row in body.rows:
        if row.name not in inside and any(r in inside and r != result for r in row.refs):
            return False
    if body.output in inside - {result}:
        return False
    folded = Row(
        prefix, type_name, params, [source], (body.shape_of(source),), body.shape_of(result)
    )
    at = body.rows.index(group[0])
    body.rows[:] = [r for r in body.rows if r.name not in inside]
    body.rows.insert(at, folded)
    for row in body.rows:
        row.refs = [prefix if r == result else r for r in row.refs]
    if body.output == result:
        body.output = prefix
    return True


def _same_rows(group: list[Row], expected: Body, prefix: str, source: str) -> bool:
    if len(group) != len(expected.rows):
        return False
    mine = {row.name: row for row in group}
    for row in expected.rows:
        have = mine.get(f"{prefix}.{row.name}")
        refs = [source if r == INPUT else f"{prefix}.{r}" for r in row.refs]
        if have is None or have.type != row.type or have.refs != refs:
            return False
        if _canonical(have.params) != _canonical(row.params):
            return False
    return True


def _canonical(params: Params) -> dict[str, Any]:
    return {k: (pair(v) if isinstance(v, list) else v) for k, v in params.items()}
