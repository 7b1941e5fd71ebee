"""DenseNet's dense blocks import as chains of DenseLayers, checked against the model."""

from __future__ import annotations

from torchvision.models import DenseNet

from convnet_studio.importer import import_module

SMALL = (3, 32, 32)


def _tiny_densenet(**kwargs) -> DenseNet:
    return DenseNet(growth_rate=8, block_config=(2, 3), num_init_features=16, num_classes=5, **kwargs)


def test_a_dense_block_becomes_a_chain_of_dense_layers() -> None:
    result = import_module(_tiny_densenet(drop_rate=0.2), SMALL, "tiny")
    graph = result.graph
    layers = [n.name for n in graph if n.type == "DenseLayer"]
    assert layers == [f"features.denseblock1.denselayer{i}" for i in (1, 2)] + [
        f"features.denseblock2.denselayer{i}" for i in (1, 2, 3)
    ]
    assert graph.node("features.denseblock2.denselayer1").params == {"growth_rate": 8, "bn_size": 4, "drop_rate": 0.2}
    # each layer feeds the next: the chain is the block's concatenation
    assert [e.src for e in graph.in_edges("features.denseblock1.denselayer2")] == ["features.denseblock1.denselayer1"]
    assert result.composites["features.transition1"] == "DenseTransition"
    assert result.composites["features.denseblock2.denselayer3"] == "DenseLayer"


def test_a_dense_block_the_chain_does_not_compute_is_traced_as_primitives() -> None:
    model = _tiny_densenet()
    model.features.denseblock2.denselayer2.norm1.eps = 0.1  # the DenseLayer's BatchNorm has 1e-5
    result = import_module(model, SMALL, "odd")  # the whole import is still checked
    types = {n.name: n.type for n in result.graph}
    assert types["features.denseblock1.denselayer1"] == "DenseLayer"
    assert "features.denseblock2.denselayer1" not in types
    assert types["features.denseblock2.denselayer2.norm1"] == "BatchNorm2d"
