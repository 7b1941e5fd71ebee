"""DenseNet's and SqueezeNet's composites: a chain of DenseLayers is torchvision's dense block,
and expanding or collapsing any of them keeps the state_dict keys and the outputs."""

from __future__ import annotations

import torch
from torchvision.models.densenet import _DenseBlock
from torchvision.models.squeezenet import Fire

from convnet_studio.compile import compile_graph
from convnet_studio.graph import Graph
from convnet_studio.graph.composite_ops import collapse_group, expand_node

LAYERS = ("block.denselayer1", "block.denselayer2", "block.denselayer3")


def _net() -> Graph:
    g = Graph("dense")
    x = g.add("Input", "input", channels=6, height=8, width=8)
    for name in LAYERS:
        x = g.add("DenseLayer", name, x, growth_rate=4, bn_size=2)
    x = g.add("DenseTransition", "transition", x, out_channels=9)  # 18 -> 9 channels, 8 -> 4
    g.add("Output", "output", g.add("Fire", "fire", x, squeeze_planes=3, expand1x1_planes=4, expand3x3_planes=5))
    return g


def _randomised(module: torch.nn.Module) -> torch.nn.Module:
    # Non-trivial BatchNorm statistics, so that a BatchNorm in the wrong place would show.
    with torch.no_grad():
        for name, buf in module.named_buffers():
            if name.endswith("running_mean"):
                buf.normal_()
            elif name.endswith("running_var"):
                buf.uniform_(0.5, 2.0)
    return module.eval()


def test_a_chain_of_dense_layers_is_torchvisions_dense_block() -> None:
    torch.manual_seed(0)
    reference = _randomised(_DenseBlock(3, 6, bn_size=2, growth_rate=4, drop_rate=0.0))
    g = Graph("block")
    x = g.add("Input", "input", channels=6, height=8, width=8)
    for name in LAYERS:
        x = g.add("DenseLayer", name, x, growth_rate=4, bn_size=2)
    g.add("Output", "output", x)
    ours = compile_graph(g, init=False).eval()
    state = {f"block.{k}": v for k, v in reference.state_dict().items()}
    assert list(ours.state_dict()) == list(state)  # torchvision's keys, in its order
    ours.load_state_dict(state)
    x = torch.randn(2, 6, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), reference(x))


def test_fire_is_torchvisions_fire() -> None:
    torch.manual_seed(0)
    reference = Fire(6, 3, 4, 5).eval()
    g = Graph("fire")
    x = g.add("Input", "input", channels=6, height=8, width=8)
    g.add("Output", "output", g.add("Fire", "fire", x, squeeze_planes=3, expand1x1_planes=4, expand3x3_planes=5))
    ours = compile_graph(g, init=False).eval()
    ours.load_state_dict({f"fire.{k}": v for k, v in reference.state_dict().items()})
    x = torch.randn(2, 6, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), reference(x))


def _run(graph: Graph, state: dict, x: torch.Tensor) -> torch.Tensor:
    module = compile_graph(graph).eval()
    assert list(module.state_dict()) == list(state)
    module.load_state_dict(state)
    with torch.no_grad():
        return module(x)


def test_expand_and_collapse_keep_keys_and_outputs() -> None:
    torch.manual_seed(0)
    g = _net()
    reference = _randomised(compile_graph(g))
    state = reference.state_dict()
    x = torch.randn(1, 6, 8, 8)
    with torch.no_grad():
        want = reference(x)
    for name in ("block.denselayer2", "transition", "fire", "block.denselayer1"):
        expand_node(g, name)
        torch.testing.assert_close(_run(g, state, x), want)
    assert g.node("block.denselayer2.cat").type == "Concat"
    assert {e.dst for e in g.out_edges("block.denselayer1.cat")} == {"block.denselayer2.norm1", "block.denselayer2.cat"}
    for name in ("block.denselayer2", "fire", "block.denselayer1", "transition"):
        collapse_group(g, name)
        torch.testing.assert_close(_run(g, state, x), want)
    assert all(not n.meta for n in g)
    assert g.analyze().output_shape("fire") == (9, 4, 4)
