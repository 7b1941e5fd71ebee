"""The torch table (compile/torch_table.py) and the block registry name the same primitives, and
the compiler, the code generator and the reference pages all take a primitive from it."""

from __future__ import annotations

import importlib.util
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from convnet_studio.codegen.body import Row
from convnet_studio.codegen.calls import (
    call_text,
    literal,
    op_expression,
    parameter_declaration,
    primitive_call,
)
from convnet_studio.compile import compile_graph
from convnet_studio.compile.torch_table import TORCH, build, resolve
from convnet_studio.graph import Graph, list_blocks

ROOT = Path(__file__).resolve().parent.parent
# Input and Output are the network's ends: the compiler and the exporter make them the
# forward's argument and its return value, so they have no torch form.
ENDS = {"Input", "Output"}
PRIMITIVES = sorted(s.type for s in list_blocks() if not s.is_composite and s.type not in ENDS)
SHAPE = (8, 6, 6)


def _example(type_name: str):
    spec = next(s for s in list_blocks() if s.type == type_name)
    params = spec.resolve_params({"out_channels": 8} if type_name == "ShortcutA" else {})
    shape = (SHAPE[0] * SHAPE[1] * SHAPE[2],) if type_name == "Linear" else SHAPE
    ins = tuple(shape for _ in spec.input_ports(params))
    return params, ins


def test_the_torch_table_covers_exactly_the_registry_primitives() -> None:
    assert sorted(TORCH) == PRIMITIVES


@pytest.mark.parametrize("type_name", PRIMITIVES)
def test_the_compiler_and_the_exporter_read_the_same_entry(type_name: str) -> None:
    entry = TORCH[type_name]
    params, ins = _example(type_name)
    made = build(type_name, params, ins, inplace=False)
    row = Row("x", type_name, params, ["@"] * len(ins), ins, ins[0])
    if entry.module is not None:
        call = primitive_call(row)
        cls = resolve(entry.module)
        names = set(inspect.signature(cls).parameters)
        assert {a.name for a in call.args} <= names, "argument names are the class's own"
        text = call_text(call)
        assert text.startswith(entry.written_name() + "(")
        if entry.op is None:
            assert isinstance(made, cls)
            rebuilt = eval(text, {"nn": torch.nn, cls.__name__: cls})
            assert repr(rebuilt) == repr(made), "the printed call builds the compiled module"
    if entry.op is not None:
        expected = entry.op_for(params, ins[0])
        assert (made.fn, made.kwargs) == (expected.fn, expected.kwargs)
        assert op_expression(row, ["a", "b"][: len(ins)])
    if entry.parameter is not None:
        call = primitive_call(row)
        text = parameter_declaration(row, [literal(a.value) for a in call.args])
        rebuilt = eval(text, {"nn": torch.nn, "torch": torch})
        assert isinstance(made, torch.nn.Parameter) and torch.equal(rebuilt, made)
    if entry.passthrough:
        assert made is None


def test_the_reference_shows_every_primitive_in_pytorch() -> None:
    spec = importlib.util.spec_from_file_location("generate_reference", ROOT / "docs" / "generate_reference.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    page = generator.pages()["blocks.md"]
    sections = {part.split("\n", 1)[0].strip(): part for part in page.split("\n### ")[1:]}
    for type_name in PRIMITIVES:
        assert "- In PyTorch: " in sections[type_name], type_name


def test_relu_after_a_conv_works_in_place_and_after_a_sigmoid_does_not() -> None:
    g = Graph("inplace")
    x = g.add("Input", channels=3, height=8, width=8)
    conv = g.add("Conv2d", inputs=x, out_channels=4)
    relu = g.add("ReLU", inputs=conv)
    sig = g.add("Sigmoid", inputs=relu)
    relu2 = g.add("ReLU", inputs=sig)
    g.add("Output", inputs=relu2)
    model = compile_graph(g)
    assert model.get_submodule(relu).inplace is True
    assert model.get_submodule(relu2).inplace is False


def test_writing_python_code_loads_no_torch() -> None:
    code = (
        "import sys\n"
        "from convnet_studio.codegen import generate_python\n"
        "from convnet_studio.presets import get_preset\n"
        "text = generate_python(get_preset('resnet20_cifar'))\n"
        "assert 'class ShortcutA' in text\n"
        "print('torch' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"
