"""Every preset exports to code that lints clean, imports nothing but torch, and computes the
same function as the compiled module from the same weights (state_dict keys equal, strict)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from export_helpers import ALLOWED_IMPORTS, exported_from, imported_modules, ruff_problems
from inert import inert_problems

from convnet_studio.codegen import generate_python
from convnet_studio.compile import compile_graph
from convnet_studio.presets import get_preset

# The preset tests' shared cases (which presets the fast loop checks) live beside them.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "presets"))
from preset_cases import SMALL_INPUT, cases


def fill_weights(module: torch.nn.Module) -> None:
    """Random weights and BatchNorm statistics, cheaper than the init a real model needs."""
    torch.manual_seed(0)
    for tensor in module.state_dict().values():
        tensor.uniform_(-0.1, 0.1) if tensor.is_floating_point() else tensor.zero_()
    for bn in (m for m in module.modules() if isinstance(m, torch.nn.BatchNorm2d)):
        bn.running_var.abs_().add_(0.5)
    module.eval()


def small_input(name: str) -> tuple[int, int, int]:
    # Small inputs keep the deep nets to a fraction of a second per forward on two cores.
    return SMALL_INPUT[name]


@pytest.mark.parametrize("name", cases())
def test_preset_round_trip(name: str, load_source) -> None:
    size = small_input(name)
    graph = get_preset(name, num_classes=7, input_size=size)
    source = generate_python(graph)
    assert imported_modules(source) <= ALLOWED_IMPORTS
    assert "convnet_studio" not in source.split('"""', 2)[2]
    assert ruff_problems(source) == ""
    assert inert_problems(source) == []
    module = load_source(source, name)
    with torch.device("meta"):
        compiled = compile_graph(graph, init=False)
    compiled = compiled.to_empty(device="cpu")
    fill_weights(compiled)
    model = exported_from(module, compiled, num_classes=7)
    x = torch.randn(1, *size)
    with torch.no_grad():
        expected, got = compiled(x), model(x)
    assert got.shape == (1, 7)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)


def test_export_is_deterministic() -> None:
    graph = get_preset("googlenet")
    assert generate_python(graph) == generate_python(get_preset("googlenet"))


def test_resnet50_reads_like_torchvision() -> None:
    source = generate_python(get_preset("resnet50"))
    assert "class Bottleneck(nn.Module):" in source
    assert "def __init__(\n        self,\n        in_channels: int,\n        planes: int," in source
    assert (
        "self.layer1 = nn.Sequential(\n            Bottleneck(64, 64, downsample=True)," in source
    )
    assert "Bottleneck(1024, 512, stride=2, downsample=True)" in source
    assert "nn.Conv2d(planes, planes * self.expansion, 1, bias=False)" in source
    assert "        x = self.layer4(x)\n        # N x 2048 x 7 x 7\n" in source
    assert "def build_model(num_classes: int = 1000) -> " in source
    assert source.count("class ") == 2  # Bottleneck and the model: one class per block type


def test_googlenet_has_one_class_per_block_type() -> None:
    source = generate_python(get_preset("googlenet"))
    for name in ("ConvBNReLU", "InceptionModule"):
        assert source.count(f"class {name}(nn.Module):") == 1
    assert "out = torch.cat([branch1, branch2, branch3, branch4], dim=1)" in source
    assert "self.inception3a = InceptionModule(192, 64, 96, 128, 16, 32, 32)" in source


def test_vgg_features_and_classifier_are_sequential() -> None:
    source = generate_python(get_preset("vgg11_bn"))
    assert "self.features = nn.Sequential(" in source
    assert "self.classifier = nn.Sequential(" in source
    assert "nn.Linear(4096, num_classes)" in source


def test_shufflenet_units_are_exported_for_any_width(load_source) -> None:
    # One class serves the units of every stage: its split must not be a slice of the first
    # stage's channel numbers. Checked against torchvision's unit at widths the net never has.
    from torchvision.models.shufflenetv2 import InvertedResidual

    source = generate_python(get_preset("shufflenet_v2_x1_0", input_size=(3, 64, 64)))
    assert "x.chunk(2, dim=1)[1]" in source and "x[:, " not in source
    module = load_source(source, "shufflenet")
    units = {1: module.ShuffleUnit2(40), 2: module.ShuffleUnit(24, 64)}
    for stride, ours in units.items():
        torch.manual_seed(stride)
        reference = InvertedResidual(40 if stride == 1 else 24, 40 if stride == 1 else 64, stride)
        fill_weights(reference)
        ours.load_state_dict(reference.state_dict(), strict=True)
        x = torch.randn(2, 40 if stride == 1 else 24, 9, 9)
        with torch.no_grad():
            torch.testing.assert_close(ours.eval()(x), reference(x))


def test_mobilenet_v3_blocks_read_like_torchvision() -> None:
    source = generate_python(get_preset("mobilenet_v3_small"))
    assert "class InvertedResidual(nn.Module):" in source and "class SqueezeExcitation(nn.Module):" in source
    assert "        self.block = nn.Sequential(\n" in source
    assert "SqueezeExcitation(expanded_channels, block_2_squeeze_channels)," in source
    assert "expand_ratio" not in source  # V3 gives its widths, not a ratio
    assert "        # N x squeeze_channels x 1 x 1\n" in source
