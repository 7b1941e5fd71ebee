"""Each supported torchvision model imports, matches torchvision and round-trips through Python.

Parameters and MACs are compared with torchvision's published metadata (``num_params`` and
``_ops`` of its weights enum: read offline, nothing is downloaded) at the size its weights
were measured at; outputs and state_dict keys at a small input.
"""

from __future__ import annotations

import importlib.util

import pytest
import torch
from torchvision.models import get_model_weights

from convnet_studio.codegen import generate_python
from convnet_studio.importer import import_model

# name -> the small input the tests run at (inception_v3 needs 75 x 75 at the least).
FAMILIES = {
    "alexnet": 64, "vgg11": 64, "resnet18": 64, "resnext50_32x4d": 64, "wide_resnet50_2": 64,
    "googlenet": 64, "inception_v3": 96, "squeezenet1_0": 64, "squeezenet1_1": 64,
    "densenet121": 64, "densenet161": 64, "mobilenet_v2": 64, "mobilenet_v3_small": 64,
    "mobilenet_v3_large": 64, "efficientnet_b0": 64, "efficientnet_b1": 64,
    "efficientnet_b2": 64, "efficientnet_b3": 64, "efficientnet_v2_s": 64,
    "regnet_y_400mf": 64, "mnasnet1_0": 64, "shufflenet_v2_x1_0": 64,
    "convnext_tiny": 64,
}
FAST = {"squeezenet1_1", "mobilenet_v3_small", "shufflenet_v2_x1_0"}
CASES = [n if n in FAST else pytest.param(n, marks=pytest.mark.slow) for n in FAMILIES]


@pytest.fixture(scope="module", params=CASES)
def imported(request):
    name = request.param
    size = FAMILIES[name]
    return name, size, import_model(f"torchvision:{name}", (3, size, size))


def test_params_and_macs_equal_torchvision_metadata(imported) -> None:
    name, _, result = imported
    weights = next(iter(get_model_weights(name)))
    crop = weights.transforms().crop_size[0]
    total = result.graph.analyze((3, crop, crop)).total
    assert total.params == weights.meta["num_params"] - _aux_params(name)
    assert round(total.macs / 1e9, 3) == pytest.approx(weights.meta["_ops"], abs=1e-3)


def _aux_params(name: str) -> int:
    """torchvision counts Inception v3's auxiliary head, which the import leaves out (eval)."""
    if name != "inception_v3":
        return 0
    from torchvision.models import inception_v3

    aux = inception_v3(weights=None, aux_logits=True, init_weights=False).AuxLogits
    return sum(p.numel() for p in aux.parameters())


def test_state_dict_keys_equal_and_python_export_round_trips(imported, tmp_path) -> None:
    name, size, result = imported
    source = generate_python(result.graph)
    path = tmp_path / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"_exported_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    exported = module.build_model().eval()
    assert list(exported.state_dict()) == list(result.model.state_dict())
    exported.load_state_dict(result.model.state_dict(), strict=True)
    x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        torch.testing.assert_close(exported(x), result.model(x), rtol=1e-4, atol=1e-4)
