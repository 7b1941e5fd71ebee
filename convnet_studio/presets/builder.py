"""A front-to-back graph builder for presets, read like torchvision's ``forward()``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from convnet_studio.graph.model import Graph
from convnet_studio.graph.registry import get_block
from convnet_studio.presets.registry import InputSize


class NetBuilder:
    """Builds a chain of nodes: each :meth:`add` feeds on the node added before it.

    >>> net = NetBuilder("tiny", (3, 32, 32))
    >>> _ = net.add("Conv2d", "conv1", out_channels=16, kernel_size=3, padding=1)
    >>> net.classifier_head(10).analyze().output_shape("fc")
    (10,)
    """

    def __init__(self, name: str, input_size: InputSize) -> None:
        c, h, w = input_size
        self.graph = Graph(name)
        self.last = self.graph.add("Input", "input", channels=c, height=h, width=w)

    def add(self, type: str, name: str, group: str | None = None, **params: Any) -> str:
        """Add a ``type`` node called ``name`` fed by the previous node; returns ``name``."""
        node = self.graph.add_node(type, name, params, group=group)
        self.graph.connect(self.last, node.name, dst_port=node.input_ports()[0])
        self.last = node.name
        return node.name

    def inline(
        self, type: str, params: dict[str, Any], rename: Callable[[str], str], group: str
    ) -> list[str]:
        """Lay out a composite's expansion as top-level primitives, named by ``rename(inner)``.

        Used where torchvision's module paths do not nest under one composite (VGG's
        ``features.<i>`` run across stages); ``group`` keeps the stage foldable on the canvas.
        Only for composites whose expansion does not depend on the input shape.
        """
        spec = get_block(type)
        sub = spec.expand(spec.resolve_params(params), (None,))
        names = []
        for inner in sub.nodes:
            names.append(
                self.graph.add_node(inner.type, rename(inner.name), inner.params, group=group).name
            )
        for src, src_port, dst, dst_port in sub.edges:
            self.graph.connect(rename(src), rename(dst), src_port, dst_port)
        for targets in sub.inputs.values():
            for dst, dst_port in targets:
                self.graph.connect(self.last, rename(dst), dst_port=dst_port)
        self.last = rename(sub.outputs["out"][0])
        return names

    def classifier_head(self, num_classes: int, dropout: float | None = None) -> Graph:
        """Global average pool, flatten, [dropout,] fc, output: the ResNet and GoogLeNet head."""
        self.add("GlobalAvgPool", "avgpool")
        self.add("Flatten", "flatten")
        if dropout is not None:
            self.add("Dropout", "dropout", p=dropout)
        self.add("Linear", "fc", out_features=num_classes)
        return self.finish()

    def finish(self) -> Graph:
        """Add the Output node after the last node and return the graph."""
        self.add("Output", "output")
        return self.graph
