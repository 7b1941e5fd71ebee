"""Every preset builds, compiles, and its inferred shapes and parameters are PyTorch's."""

from __future__ import annotations

import pytest
import torch
from preset_cases import SMALL_INPUT, cases

from convnet_studio.compile import compile_graph
from convnet_studio.presets import get_preset


@pytest.mark.parametrize("name", cases())
def test_inferred_shapes_and_params_match_pytorch(name: str) -> None:
    graph = get_preset(name, num_classes=7, input_size=SMALL_INPUT[name])
    analysis = graph.analyze()
    assert analysis.ok, analysis.problems
    module = compile_graph(graph, init=False).eval()
    seen: dict[str, tuple[int, ...]] = {}
    for node in graph:
        try:
            sub = module.get_submodule(node.name)
        except AttributeError:  # Flatten, Input and Output compile to no module
            continue
        sub.register_forward_hook(
            lambda m, i, out, name=node.name: seen.__setitem__(name, tuple(out.shape[1:]))
        )
    with torch.no_grad():
        out = module(torch.randn(2, *SMALL_INPUT[name]))
    assert tuple(out.shape) == (2, 7)
    assert seen, "no module was hooked"
    for node_name, shape in seen.items():
        assert shape == analysis.output_shape(node_name), node_name
    # Every node with weights (every block but the stateless ones) was checked.
    # (Add and Concat appear at the top level in SqueezeNet and MobileNetV2: ops, no module.)
    stateless = {"Input", "Output", "Flatten", "Add", "Concat"}
    assert set(seen) == {n.name for n in graph if n.type not in stateless}
    assert analysis.total.params == sum(p.numel() for p in module.parameters())
