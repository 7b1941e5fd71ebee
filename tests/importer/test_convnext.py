"""ConvNeXt: the preset, the import and torchvision agree once the layer scales and LayerNorms
are random (at their initial 1e-6 and 1 the blocks would be near the identity and hide a
mistake); CNBlocks expand and collapse; a CNBlock the composite cannot reproduce is refused."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torchvision.models import convnext_tiny
from torchvision.models.convnext import CNBlock

from convnet_studio.compile import compile_graph
from convnet_studio.errors import ImportRefused
from convnet_studio.graph import Graph, GraphError
from convnet_studio.graph.composite_ops import collapse_group, collapse_problem, expand_node
from convnet_studio.importer import import_module
from convnet_studio.presets import get_preset


@torch.no_grad()
def _randomise(model: nn.Module, seed: int = 0) -> nn.Module:
    gen = torch.Generator().manual_seed(seed)
    for p in model.parameters():
        p.add_(torch.randn(p.shape, generator=gen) * 0.1)
    return model.eval()


@pytest.mark.slow  # ConvNeXt-T: 28M parameters, built three times
def test_preset_import_and_torchvision_compute_the_same() -> None:
    reference = _randomise(convnext_tiny(weights=None, num_classes=10))
    preset = compile_graph(get_preset("convnext_tiny", num_classes=10, input_size=(3, 64, 64)), init=False)
    imported = import_module(reference, (3, 64, 64), "convnext_tiny")
    assert set(imported.composites.values()) == {"CNBlock"} and len(imported.composites) == 18
    ours = compile_graph(imported.graph, init=False)
    assert list(preset.state_dict()) == list(ours.state_dict()) == list(reference.state_dict())
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = reference(x)
        for module in (preset, ours):
            module.load_state_dict(reference.state_dict(), strict=True)
            torch.testing.assert_close(module.eval()(x), expected, rtol=1e-4, atol=1e-4)


def _blocks() -> Graph:
    g = Graph("blocks")
    x = g.add("Input", "input", channels=8, height=8, width=8)
    x = g.add("CNBlock", "features.1.0", x, layer_scale=0.5, stochastic_depth_prob=0.1)
    x = g.add("LayerNorm2d", "norm", x)
    g.add("Output", "output", x)
    return g


def test_cnblock_expands_and_collapses_with_the_same_keys_and_outputs() -> None:
    g = _blocks()
    torch.manual_seed(0)
    before = _randomise(compile_graph(g))
    names = expand_node(g, "features.1.0")
    assert names[:2] == ["features.1.0.block.0", "features.1.0.block.2"]
    assert g.node("features.1.0.layer_scale").type == "LayerScale"
    expanded = compile_graph(g).eval()
    assert list(expanded.state_dict()) == list(before.state_dict())
    expanded.load_state_dict(before.state_dict(), strict=True)
    x = torch.randn(2, 8, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(expanded(x), before(x))
    assert collapse_group(g, "features.1.0") == "features.1.0"
    assert g.node("features.1.0").type == "CNBlock"
    assert g.node("features.1.0").params["layer_scale"] == 0.5


class _Net(nn.Module):
    def __init__(self, block: nn.Module) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 4, stride=4)
        self.block = block

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(self.stem(x))


def test_torchvision_cnblock_imports_as_the_composite() -> None:
    result = import_module(_Net(CNBlock(8, 1e-6, 0.2)), (3, 16, 16))
    node = result.graph.node("block")
    assert (node.type, node.params) == ("CNBlock", {"layer_scale": 1e-6, "stochastic_depth_prob": 0.2})


def test_a_cnblock_the_composite_cannot_reproduce_is_refused() -> None:
    block = CNBlock(8, 1e-6, 0.0, norm_layer=lambda dim: nn.LayerNorm(dim, eps=1e-3))
    with pytest.raises(ImportRefused, match="block.layer_scale directly"):
        import_module(_Net(block), (3, 16, 16))


def test_a_disconnected_cnblock_is_not_expanded_and_an_expanded_one_collapses_by_its_edges() -> None:
    g = Graph("loose")
    g.add("CNBlock", "block")
    with pytest.raises(GraphError, match="needs a connected input to know its channels"):
        expand_node(g, "block")
    g = _blocks()
    expand_node(g, "features.1.0")  # collapsing finds the input from the edges into the block
    assert collapse_problem(g, "features.1.0") is None
