"""Presets that torchvision has equal torchvision: parameters, state_dict keys, outputs."""

from __future__ import annotations

import pytest
import torch
from preset_cases import SMALL_INPUT, TORCHVISION_PRESETS, cases
from torch import nn

from convnet_studio.compile import compile_graph
from convnet_studio.presets import get_preset
from convnet_studio.presets.weights import torchvision_model

NUM_CLASSES = 10


@torch.no_grad()
def _randomise_batchnorm(model: nn.Module, seed: int = 0) -> None:
    # Fresh BatchNorms are the identity in eval mode (mean 0, var 1, scale 1, shift 0), which
    # would hide a wrong eps or a BatchNorm in the wrong place; random statistics do not.
    # They stay near 1 so that activations neither explode nor vanish over 150 layers.
    gen = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
            m.weight.copy_(torch.rand(c, generator=gen) * 0.5 + 0.5)
            m.bias.copy_(torch.randn(c, generator=gen) * 0.1)


@pytest.fixture(scope="module", params=cases(TORCHVISION_PRESETS))
def pair(request) -> tuple[str, nn.Module, nn.Module]:
    """(name, torchvision's model, the compiled preset): built once per preset for the module."""
    name = request.param
    reference = torchvision_model(name, num_classes=NUM_CLASSES).eval()
    _randomise_batchnorm(reference)
    graph = get_preset(name, num_classes=NUM_CLASSES, input_size=SMALL_INPUT[name])
    ours = compile_graph(graph, init=False).eval()  # its weights come from torchvision
    yield name, reference, ours
    del reference, ours


def test_parameter_count_equal(pair) -> None:
    _, reference, ours = pair
    assert sum(p.numel() for p in ours.parameters()) == sum(
        p.numel() for p in reference.parameters()
    )


def test_state_dict_keys_and_shapes_equal(pair) -> None:
    _, reference, ours = pair
    expected = {k: tuple(v.shape) for k, v in reference.state_dict().items()}
    actual = {k: tuple(v.shape) for k, v in ours.state_dict().items()}
    assert list(actual) == list(expected)  # same keys, in the same order
    assert actual == expected


def test_loads_torchvision_state_dict_and_outputs_match(pair) -> None:
    name, reference, ours = pair
    ours.load_state_dict(reference.state_dict(), strict=True)
    x = torch.randn(2, *SMALL_INPUT[name], generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected, actual = reference(x), ours(x)
    assert actual.shape == (2, NUM_CLASSES)
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5)
