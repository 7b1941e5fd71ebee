"""``import_model``: SOURCE -> a checked studio graph (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from convnet_studio.errors import ImportRefused
from convnet_studio.graph.layout import apply_layout, wrap_for_aspect
from convnet_studio.graph.model import Graph
from convnet_studio.importer.composites import recognisers
from convnet_studio.importer.convert import Converter
from convnet_studio.importer.groups import group_stages
from convnet_studio.importer.primitives import Recognised, Unmappable, composite_parts
from convnet_studio.importer.source import load_module
from convnet_studio.importer.trace import trace
from convnet_studio.importer.verify import capture_inputs, check_graph, composite_matches

Shape = tuple[int, int, int]


@dataclass
class ImportResult:
    """The imported graph, the model it came from and what the importer noticed."""

    graph: Graph
    model: nn.Module
    composites: dict[str, str] = field(default_factory=dict)  # path -> composite type
    notes: list[str] = field(default_factory=list)
    # Added to the model's own state_dict keys where its top-level names start with a digit.
    key_prefix: str = ""


class Wrapped(nn.Module):
    """Holds a bare ``nn.Sequential`` under ``net``: node names cannot start with a digit."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def import_model(source: str, input_shape: Shape = (3, 224, 224), num_classes: int | None = None) -> ImportResult:
    """Import ``torchvision:NAME`` or ``path/to/file.py:callable`` (which runs that file).

    Raises:
        ImportRefused: naming the module path and the operation the studio cannot hold.
    """
    model = load_module(source, num_classes)
    name = source.split(":")[-1]
    result = import_module(model, input_shape, name)
    result.graph.meta["description"] = f"imported from {source}"
    return result


def import_module(model: nn.Module, input_shape: Shape, name: str = "imported") -> ImportResult:
    """Import an ``nn.Module`` (put in eval mode) at the input ``input_shape`` (C, H, W)."""
    model.eval()
    prefix = ""
    if any(child[:1].isdigit() for child, _ in model.named_children()):
        model, prefix = Wrapped(model), "net."
    x = torch.randn(2, *input_shape, generator=torch.Generator().manual_seed(0))
    _check_runs(model, x)
    composites = _verified_composites(model, x)
    graph = Converter(model, name, composites).run(trace(model, set(composites)), input_shape)
    group_stages(graph, model)
    analysis = graph.analyze()
    if not analysis.ok:
        raise ImportRefused(f"the imported graph has a problem: {analysis.problems[0]}")
    check_graph(graph, model, x)
    apply_layout(graph, "LR", wrap_for_aspect(graph, 16 / 9))
    parts = (part for path, mapped in composites.items() for part in composite_parts(path, mapped))
    used = {name: mapped[0] for name, mapped in parts if name in graph}
    notes = [f"the model's layers are named {prefix}0, {prefix}1...: its state_dict keys gain the "
             f"prefix {prefix!r}"] if prefix else []
    return ImportResult(graph, model, used, notes, prefix)


def _check_runs(model: nn.Module, x: torch.Tensor) -> None:
    try:
        with torch.no_grad():
            model(x)
    except Exception as exc:
        c, h, w = x.shape[1:]
        raise ImportRefused(
            f"the model does not run on a {c} x {h} x {w} input ({type(exc).__name__}: {exc}); "
            "give the input it expects with --input C,H,W"
        ) from None


def _verified_composites(model: nn.Module, x: torch.Tensor) -> dict[str, Recognised]:
    """Modules recognised as studio composites that compute exactly what the module does."""
    rules = recognisers()
    found: dict[str, Recognised] = {}
    for path, module in model.named_modules():
        rule = rules.get(type(module))
        if rule is None or any(path.startswith(outer + ".") for outer in found):
            continue
        try:
            found[path] = rule(module)
        except (Unmappable, AttributeError, ZeroDivisionError):
            continue
    inputs = capture_inputs(model, list(found), x)
    return {
        path: mapped
        for path, mapped in found.items()
        if path in inputs and composite_matches(model.get_submodule(path), mapped, inputs[path])
    }
