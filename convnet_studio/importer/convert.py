"""An fx graph -> a studio :class:`Graph` whose node names are the model's module paths."""

from __future__ import annotations

import operator
import re
from typing import Any

from torch import fx, nn

from convnet_studio.errors import ImportRefused
from convnet_studio.graph.model import Graph, GraphError
from convnet_studio.graph.names import name_problem
from convnet_studio.importer.primitives import (
    CHUNK_METHODS,
    FUNCTION_RULES,
    METHOD_RULES,
    PASSTHROUGH_METHODS,
    Mapped,
    Recognised,
    Unmappable,
    composite_parts,
    describe,
    map_module,
)
from convnet_studio.importer.trace import module_path

Shape = tuple[int, int, int]


class Converter:
    """Walks an fx graph once, adding one studio node per module call or tensor operation."""

    def __init__(self, model: nn.Module, name: str, composites: dict[str, Recognised]) -> None:
        self.model = model
        self.graph = Graph(name)
        self.composites = composites
        self.values: dict[fx.Node, str] = {}  # fx value -> studio node producing it
        self.used_modules: set[str] = set()
        self.chunks: dict[fx.Node, tuple[fx.Node, int]] = {}  # x.chunk(n, 1) -> (x, n)

    def run(self, fx_graph: fx.Graph, input_shape: Shape) -> Graph:
        for node in fx_graph.nodes:
            try:
                self._convert(node, input_shape)
            except Unmappable as exc:
                raise ImportRefused(str(exc), self._where(node)) from None
            except GraphError as exc:
                raise ImportRefused(exc.message, self._where(node)) from None
        return self.graph

    def _where(self, node: fx.Node) -> str:
        return str(node.target) if node.op == "call_module" else module_path(node) or node.name

    def _convert(self, node: fx.Node, input_shape: Shape) -> None:
        if node.op == "placeholder":
            if any(self.graph.nodes_of_type("Input")):
                raise Unmappable("a model with several inputs is not a studio graph")
            c, h, w = input_shape
            self.values[node] = self.graph.add("Input", "input", channels=c, height=h, width=w)
        elif node.op == "output":
            result = node.args[0]
            if not isinstance(result, fx.Node):
                raise Unmappable("a model returning several tensors (a tuple or dict) is not a studio graph")
            self.graph.add("Output", self._free_name("output"), inputs=self._ref(result))
        elif node.op == "get_attr":
            raise Unmappable(f"using the tensor {node.target} directly (not through a module) is not a studio block")
        elif node.op == "call_module":
            self._call_module(node)
        elif node.op == "call_method" and node.target in PASSTHROUGH_METHODS:
            self.values[node] = self._ref(node.args[0])
        elif node.op == "call_method" and node.target == "mean":
            self._mean(node)
        elif node.op == "call_method" and node.target in CHUNK_METHODS:
            self._chunk(node)
        elif node.target is operator.getitem and node.args[0] in self.chunks:
            self._split(node)
        else:
            self._call_function(node)

    def _ref(self, value: Any) -> str:
        if not isinstance(value, fx.Node) or value not in self.values:
            raise Unmappable(f"an operation on a non-tensor value ({value!r}) is not a studio block")
        return self.values[value]

    def _call_module(self, node: fx.Node) -> None:
        path = str(node.target)
        module = self.model.get_submodule(path)
        mapped = self.composites.get(path) or map_module(module)
        name = path
        if path in self.used_modules:
            if any(True for _ in module.parameters()):
                raise Unmappable("the module is called twice (shared weights), which a studio graph cannot hold")
            name = self._free_name(path)
        self.used_modules.add(path)
        tensors = list(node.args)
        for part, part_mapped in composite_parts(name, mapped):
            self._add(node, part, part_mapped, tensors)
            tensors = [node]  # a chain's next part reads the part just added (now node's value)

    def _mean(self, node: fx.Node) -> None:
        # ``x.mean([2, 3])`` (MNASNet, ShuffleNet) is a global average pool and a flatten.
        dims = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim")
        keepdim = node.args[2] if len(node.args) > 2 else node.kwargs.get("keepdim", False)
        if sorted(d % 4 for d in (dims or ())) != [2, 3]:
            raise Unmappable(f"Tensor.mean over dims {dims} is not a studio block (only [2, 3])")
        scope = module_path(node)
        name = self._free_name(f"{scope}.mean" if scope else "mean")
        self._add(node, name, ("GlobalAvgPool", {}), [node.args[0]])
        if not keepdim:
            self._add(node, self._free_name(name + "_flatten"), ("Flatten", {}), [node])

    def _chunk(self, node: fx.Node) -> None:
        chunks = node.args[1] if len(node.args) > 1 else node.kwargs.get("chunks")
        dim = node.args[2] if len(node.args) > 2 else node.kwargs.get("dim", 0)
        if dim not in (1, -3) or not isinstance(chunks, int):
            raise Unmappable(f"Tensor.chunk along dim {dim} is not a studio block (only channels, dim 1)")
        self.chunks[node] = (node.args[0], chunks)

    def _split(self, node: fx.Node) -> None:
        source, chunks = self.chunks[node.args[0]]
        index = node.args[1]
        scope = module_path(node)
        name = self._free_name(f"{scope}.split{index}" if scope else f"split{index}")
        self._add(node, name, ("ChannelSplit", {"chunks": chunks, "index": index}), [source])

    def _call_function(self, node: fx.Node) -> None:
        table = METHOD_RULES if node.op == "call_method" else FUNCTION_RULES
        rule = table.get(node.target)
        if rule is None:
            raise Unmappable(f"{describe(node.target)} is not a studio block")
        type_name, params, tensors = rule(tuple(node.args), dict(node.kwargs))
        scope = module_path(node)
        base = re.sub(r"_\d+$", "", node.name)
        name = self._free_name(f"{scope}.{base}" if scope else base)
        self._add(node, name, (type_name, params), tensors)

    def _free_name(self, base: str) -> str:
        """``base``, else ``base_1``, ``base_2``... as fx names repeated calls."""
        i = 0
        while True:
            candidate = base if i == 0 else f"{base}_{i}"
            if not name_problem(candidate) and self.graph.name_conflict(candidate) is None:
                return candidate
            i += 1

    def _add(self, node: fx.Node, name: str, mapped: Mapped, tensors: list[Any]) -> None:
        type_name, params = mapped
        refs = [self._ref(t) for t in tensors]
        self.values[node] = self.graph.add(type_name, name, inputs=refs, **params)
