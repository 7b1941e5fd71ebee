"""A small builder for composite blocks' expansions, in the style of torchvision's forward()."""

from __future__ import annotations

from typing import Any, Union

from convnet_studio.graph.registry import InnerNode, Subgraph, get_block

Ref = tuple[str, str]  # (inner node, output port); the composite's own inputs use node "@"
Refs = Union[Ref, list[Ref]]


class SubgraphBuilder:
    """Collects inner nodes and edges; ``add`` returns a reference to the new node's output."""

    def __init__(self) -> None:
        self._nodes: list[InnerNode] = []
        self._edges: list[tuple[str, str, str, str]] = []
        self._inputs: dict[str, list[tuple[str, str]]] = {}
        self._outputs: dict[str, tuple[str, str]] = {}

    def input(self, port: str = "in") -> Ref:
        self._inputs.setdefault(port, [])
        return ("@", port)

    def add(self, name: str, type: str, inputs: Refs, **params: Any) -> Ref:
        refs = inputs if isinstance(inputs, list) else [inputs]
        spec = get_block(type)
        ports = spec.input_ports(spec.resolve_params(params))
        if len(refs) != len(ports):
            raise ValueError(f"{name}: {type} takes {len(ports)} inputs, {len(refs)} given")
        self._nodes.append(InnerNode(name, type, dict(params)))
        for (src, src_port), dst_port in zip(refs, ports):
            if src == "@":
                self._inputs[src_port].append((name, dst_port))
            else:
                self._edges.append((src, src_port, name, dst_port))
        return (name, spec.outputs[0])

    def output(self, ref: Ref, port: str = "out") -> None:
        if ref[0] == "@":
            raise ValueError("a composite's output must come from an inner node")
        self._outputs[port] = ref

    def build(self) -> Subgraph:
        return Subgraph(
            nodes=tuple(self._nodes),
            edges=tuple(self._edges),
            inputs={k: tuple(v) for k, v in self._inputs.items()},
            outputs=dict(self._outputs),
        )

    # Helpers shared by the CNN blocks --------------------------------------------------
    def conv_bn_relu(
        self,
        name: str,
        x: Ref,
        out_channels: int,
        kernel_size: Any = 3,
        stride: Any = 1,
        padding: Any = 0,
        batch_norm: bool = True,
        relu: bool = True,
        bn_eps: float = 1e-5,
        names: tuple[str, str, str] = ("conv", "bn", "relu"),
        groups: int = 1,
    ) -> Ref:
        """conv -> [BatchNorm] -> [ReLU]; the conv has a bias only when no BatchNorm follows.

        ``names`` are appended to ``name`` (``"layer.conv"``), or used alone if ``name`` is "".
        """
        full = [f"{name}.{n}" if name else n for n in names]
        x = self.add(
            full[0], "Conv2d", x, out_channels=out_channels, kernel_size=kernel_size, stride=stride,
            padding=padding, bias=not batch_norm, groups=groups,
        )
        if batch_norm:
            x = self.add(full[1], "BatchNorm2d", x, eps=bn_eps)
        if relu:
            x = self.add(full[2], "ReLU", x)
        return x
