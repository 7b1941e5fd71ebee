"""Importing PyTorch models: the graph equals the preset, and what cannot map is refused."""

from __future__ import annotations

import textwrap

import pytest
import torch

from convnet_studio.cli import main
from convnet_studio.compile import compile_graph
from convnet_studio.graph.project_file import load_project
from convnet_studio.importer import ImportRefused, import_model
from convnet_studio.presets import get_preset

SMALL = (3, 64, 64)
NEEDS_MORE = {"inception_v3": (3, 96, 96)}  # its stem and grid reductions need 75 x 75


def _shape_of(graph) -> tuple[dict, list]:
    nodes = {n.name: (n.type, n.spec.resolve_params(n.params), n.group) for n in graph}
    edges = sorted((e.src, e.src_port, e.dst, e.dst_port) for e in graph.edges)
    return nodes, edges


@pytest.mark.parametrize(
    "name",
    ["resnet18", "squeezenet1_1", pytest.param("resnet50", marks=pytest.mark.slow),
     *(pytest.param(n, marks=pytest.mark.slow) for n in (
         "alexnet", "squeezenet1_0", "mobilenet_v2", "resnext50_32x4d", "wide_resnet50_2")),
     "mobilenet_v3_small", *(pytest.param(n, marks=pytest.mark.slow) for n in ("mobilenet_v3_large", "mnasnet1_0")),
     pytest.param("vgg11_bn", marks=pytest.mark.slow), pytest.param("googlenet", marks=pytest.mark.slow),
     *(pytest.param(n, marks=pytest.mark.slow) for n in ("densenet121", "densenet161")),
     "shufflenet_v2_x1_0", pytest.param("inception_v3", marks=pytest.mark.slow),
     *(pytest.param(n, marks=pytest.mark.slow) for n in (
         "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3", "efficientnet_v2_s",
         "regnet_y_400mf")),
     pytest.param("convnext_tiny", marks=pytest.mark.slow)],
)
def test_torchvision_import_is_the_preset(name: str) -> None:
    size = NEEDS_MORE.get(name, SMALL)
    imported = import_model(f"torchvision:{name}", size)
    preset = get_preset(name, input_size=size)
    assert _shape_of(imported.graph) == _shape_of(preset)  # same nodes, params, groups, edges
    assert imported.graph.analyze().total == preset.analyze().total


def test_imported_graph_loads_the_models_weights_and_matches() -> None:
    result = import_model("torchvision:resnet18", (3, 32, 32), num_classes=7)
    ours = compile_graph(result.graph, init=False).eval()
    ours.load_state_dict(result.model.state_dict(), strict=True)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), result.model(x), rtol=1e-4, atol=1e-5)
    assert result.composites["layer2.0"] == "BasicBlock"


USER_FILE = """
import torch
from torch import nn

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 3, padding=1)

    def forward(self, x):
        return torch.roll(self.conv(x), 1, dims=2)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.features = nn.Sequential(nn.ReLU(), nn.Sequential(nn.Identity(), Block()))

    def forward(self, x):
        return self.features(self.stem(x))

def good():
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(5))
"""


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "mynet.py"
    path.write_text(textwrap.dedent(USER_FILE))
    return path


def test_unsupported_operation_is_refused_with_its_module_path(user_file, tmp_path, capsys) -> None:
    out = tmp_path / "net.cnsproj"
    code = main(["import", f"{user_file}:Net", "-o", str(out), "--input", "3,16,16"])
    assert code == 2
    err = capsys.readouterr().err
    assert "features.1.1: torch.roll is not a studio block" in err
    assert not out.exists()  # nothing is written


def test_an_operation_in_the_top_level_forward_is_named_by_its_node(tmp_path) -> None:
    path = tmp_path / "top.py"
    path.write_text(textwrap.dedent("""
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 4, 3)

            def forward(self, x):
                return torch.roll(self.conv(x), 1, dims=2)
    """))
    with pytest.raises(ImportRefused, match=r"^roll: torch.roll is not a studio block"):
        import_model(f"{path}:Net", (3, 8, 8))


def test_unknown_module_is_refused(tmp_path) -> None:
    path = tmp_path / "lazy.py"
    path.write_text("from torch import nn\nnet = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Softmax2d())\n")
    with pytest.raises(ImportRefused, match=r"^net.1: Softmax2d is not a studio block"):
        import_model(f"{path}:net", (3, 8, 8))


def test_cli_imports_a_user_file_with_weights(user_file, tmp_path, capsys) -> None:
    path = tmp_path / "ok.py"
    path.write_text("from torch import nn\ndef make():\n    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), "
                    "nn.Flatten(), nn.Linear(4 * 6 * 6, 5))\n")
    result = import_model(f"{path}:make", (3, 8, 8))
    weights = tmp_path / "w.pt"
    torch.save(result.model.state_dict(), weights)
    out = tmp_path / "sub" / "net.cnsproj"
    out.parent.mkdir()
    assert main(["import", f"{path}:make", "-o", str(out), "--input", "3,8,8", "--weights", str(weights)]) == 0
    graph = load_project(out)
    assert [n.name for n in graph] == ["input", "net.0", "net.1", "net.2", "net.3", "output"]
    assert graph.meta["weights"] == "../w.pt"
    assert "wrote" in capsys.readouterr().out


def test_bad_source_is_one_sentence(capsys, tmp_path) -> None:
    assert main(["import", "torchvision:nonet", "-o", str(tmp_path / "x.cnsproj")]) == 2
    assert "torchvision has no classification model named 'nonet'" in capsys.readouterr().err
