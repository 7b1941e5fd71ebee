"""ONNX (checker, onnxruntime), TorchScript, state_dict and code-with-weights round trips,
and the ResNet-50 export against torchvision, in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
import torch

from convnet_studio.codegen import formats, generate_python
from convnet_studio.compile import compile_graph
from convnet_studio.presets import get_preset


@pytest.fixture(scope="module")
def small_net() -> tuple[object, torch.nn.Module]:
    graph = get_preset("resnet20_cifar", num_classes=10)
    torch.manual_seed(0)
    return graph, compile_graph(graph).eval()


def test_onnx_passes_the_checker_and_matches_onnxruntime(small_net, tmp_path) -> None:
    onnx = pytest.importorskip("onnx")
    _, module = small_net
    path = formats.export_onnx(module, tmp_path / "net.onnx", (3, 32, 32))
    onnx.checker.check_model(onnx.load(str(path)))
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = torch.randn(3, 3, 32, 32)  # a batch size other than the example's: the batch is dynamic
    (got,) = session.run(None, {"input": x.numpy()})
    with torch.no_grad():
        torch.testing.assert_close(torch.from_numpy(got), module(x), rtol=1e-4, atol=1e-4)
    assert [p.name for p in tmp_path.iterdir()] == ["net.onnx"]


@pytest.mark.filterwarnings("ignore::FutureWarning")  # torch.jit is deprecated, still supported
def test_torchscript_round_trip(small_net, tmp_path) -> None:
    _, module = small_net
    path = formats.export_torchscript(module, tmp_path / "net.ts", (3, 32, 32))
    loaded = torch.jit.load(str(path))
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), module(x))


def test_state_dict_round_trip(small_net, tmp_path) -> None:
    graph, module = small_net
    path = formats.export_state_dict(module, tmp_path / "weights.pt")
    fresh = compile_graph(graph).eval()
    fresh.load_state_dict(torch.load(path, weights_only=True), strict=True)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(fresh(x), module(x))


@pytest.mark.slow  # runs the exported file in a new interpreter
def test_code_with_weights_loads_as_its_docstring_says(small_net, tmp_path) -> None:
    graph, module = small_net
    code, weights = formats.export_python(graph, tmp_path / "resnet20.py", module.state_dict())
    assert weights == tmp_path / "resnet20.pt"
    source = code.read_text()
    snippet = 'model.load_state_dict(torch.load("resnet20.pt", weights_only=True))'
    assert snippet in source
    x = torch.randn(2, 3, 32, 32)
    torch.save(x, tmp_path / "x.pt")
    with torch.no_grad():
        torch.save(module(x), tmp_path / "expected.pt")
    script = f"""
        import torch
        from resnet20 import build_model
        model = build_model(num_classes=10)
        {snippet}
        model.eval()
        x = torch.load("x.pt")
        with torch.no_grad():
            torch.testing.assert_close(model(x), torch.load("expected.pt"))
        print("ok")
    """
    assert run_fresh(script, tmp_path) == "ok"


def run_fresh(script: str, cwd) -> str:
    """Run ``script`` in a new interpreter that cannot import convnet_studio."""
    guard = "import sys\nsys.modules['convnet_studio'] = None  # the export must stand alone\n"
    env = {**os.environ, "PYTHONPATH": str(cwd), "OMP_NUM_THREADS": "2"}
    done = subprocess.run(
        [sys.executable, "-c", guard + textwrap.dedent(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


@pytest.mark.slow  # ResNet-50
def test_exported_resnet50_loads_torchvision_weights(tmp_path) -> None:
    pytest.importorskip("torchvision")
    (tmp_path / "resnet50_export.py").write_text(generate_python(get_preset("resnet50")))
    script = """
        import torch, torchvision
        from resnet50_export import build_model
        torch.manual_seed(0)
        reference = torchvision.models.resnet50(weights=None).eval()
        for m in reference.modules():  # non-trivial statistics, so BatchNorm is really checked
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
        with torch.device("meta"):
            model = build_model(num_classes=1000)
        model.load_state_dict(reference.state_dict(), strict=True, assign=True)
        model.eval()
        x = torch.randn(1, 3, 64, 64)
        with torch.no_grad():
            torch.testing.assert_close(model(x), reference(x), rtol=1e-4, atol=1e-5)
        print("ok")
    """
    assert run_fresh(script, tmp_path) == "ok"


def _convnext_net() -> object:
    """A small ConvNeXt: patchify stem, CNBlocks (LayerNorm2d, ChannelLinear, LayerScale), head."""
    from convnet_studio.graph import Graph

    g = Graph("tiny convnext")
    x = g.add("Input", "input", channels=3, height=32, width=32)
    x = g.add("Conv2d", "stem.0", x, out_channels=8, kernel_size=4, stride=4)
    x = g.add("LayerNorm2d", "stem.1", x)
    x = g.add("CNBlock", "stage.0", x, stochastic_depth_prob=0.1)
    x = g.add("LayerScale", "scale", x, init=0.5)
    x = g.add("Flatten", "flatten", g.add("GlobalAvgPool", "avgpool", x))
    g.add("Output", "output", g.add("Linear", "fc", x, out_features=5))
    return g


@pytest.mark.filterwarnings("ignore::FutureWarning")  # torch.jit is deprecated, still supported
# torch.jit's check of GraphModule.__init__ when a module holds a bare parameter; harmless
@pytest.mark.filterwarnings("ignore:The TorchScript type system:UserWarning")
def test_convnext_parts_export_to_onnx_and_torchscript(tmp_path) -> None:
    onnx = pytest.importorskip("onnx")
    torch.manual_seed(0)
    module = compile_graph(_convnext_net()).eval()
    with torch.no_grad():
        for p in module.parameters():  # layer scales of 1e-6 would hide the blocks' insides
            p.add_(torch.randn_like(p) * 0.1)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        expected = module(x)
    scripted = torch.jit.script(module)  # scripted, not the trace fallback
    path = formats.export_torchscript(module, tmp_path / "net.ts", (3, 32, 32))
    with torch.no_grad():
        torch.testing.assert_close(scripted(x), expected)
        torch.testing.assert_close(torch.jit.load(str(path))(x), expected)
    path = formats.export_onnx(module, tmp_path / "net.onnx", (3, 32, 32))
    onnx.checker.check_model(onnx.load(str(path)))
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"input": x.numpy()})
    torch.testing.assert_close(torch.from_numpy(got), expected, rtol=1e-4, atol=1e-4)
