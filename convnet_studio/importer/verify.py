"""The importer's checks, with PyTorch as the judge: a graph is kept only if it computes the model.

Each recognised composite is compiled alone, given the module's own weights and the input
the module saw, and compared; the whole graph is then compared with the model the same way.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from convnet_studio.compile import compile_graph
from convnet_studio.errors import ImportRefused
from convnet_studio.graph.model import Graph
from convnet_studio.importer.primitives import Recognised, composite_parts

RTOL, ATOL = 1e-4, 1e-5


def capture_inputs(model: nn.Module, paths: list[str], x: torch.Tensor) -> dict[str, torch.Tensor]:
    """The tensor each module in ``paths`` receives when ``model`` runs on ``x`` (first call)."""
    seen: dict[str, torch.Tensor] = {}
    hooks = []
    for path in paths:
        def hook(_m: nn.Module, args: tuple, path: str = path) -> None:
            if args and isinstance(args[0], torch.Tensor):
                seen.setdefault(path, args[0].detach())

        hooks.append(model.get_submodule(path).register_forward_pre_hook(hook))
    try:
        with torch.no_grad():
            model(x)
    finally:
        for handle in hooks:
            handle.remove()
    return seen


def composite_matches(module: nn.Module, mapped: Recognised, x: torch.Tensor) -> bool:
    """Whether the studio composite (or chain of them) ``mapped`` computes ``module`` on ``x``
    with its weights."""
    if x.dim() != 4:
        return False
    graph = Graph("check")
    c, h, w = x.shape[1:]
    block = graph.add("Input", "input", channels=c, height=h, width=w)
    try:
        for name, (type_name, params) in composite_parts("block", mapped):
            block = graph.add(type_name, name, inputs=block, **params)
        graph.add("Output", "output", inputs=block)
        ours = compile_graph(graph, init=False).eval()
        state = {f"block.{k}": v for k, v in module.state_dict().items()}
        ours.load_state_dict(state, strict=True)
    except Exception:  # wrong keys, shapes or parameters: not this composite
        return False
    with torch.no_grad():
        return _close(ours(x), module(x))


def _close(actual: Any, expected: Any) -> bool:
    if not isinstance(expected, torch.Tensor) or actual.shape != expected.shape:
        return False
    return bool(torch.allclose(actual, expected, rtol=RTOL, atol=ATOL * max(1.0, expected.abs().max().item())))


def check_graph(graph: Graph, model: nn.Module, x: torch.Tensor) -> nn.Module:
    """Compile ``graph``, load ``model``'s state_dict strictly and compare outputs on ``x``."""
    ours = compile_graph(graph, init=False).eval()
    expected_keys = list(model.state_dict())
    actual_keys = list(ours.state_dict())
    if set(expected_keys) != set(actual_keys):
        missing = sorted(set(expected_keys) - set(actual_keys))[:3]
        extra = sorted(set(actual_keys) - set(expected_keys))[:3]
        raise ImportRefused(
            f"the imported graph's state_dict keys differ from the model's (missing {missing}, "
            f"unexpected {extra}); please report this model"
        )
    ours.load_state_dict(model.state_dict(), strict=True)
    with torch.no_grad():
        expected, actual = model(x), ours(x)
    if not _close(actual, expected):
        diff = (actual - expected).abs().max().item() if actual.shape == expected.shape else float("nan")
        raise ImportRefused(
            f"the imported graph's output differs from the model's (largest difference {diff:.3g}); "
            "please report this model"
        )
    return ours
