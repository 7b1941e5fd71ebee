"""Trace a model with torch.fx, stopping at the studio's primitives and recognised composites."""

from __future__ import annotations

from typing import Any, Callable

from torch import fx, nn

from convnet_studio.errors import ImportRefused
from convnet_studio.importer.primitives import MODULE_RULES


def wrapped_functions() -> tuple[Callable[..., Any], ...]:
    """Library functions traced as one call instead of their insides (channel shuffle)."""
    from torchvision.models.shufflenetv2 import channel_shuffle

    return (channel_shuffle,)


class StudioTracer(fx.Tracer):
    """An fx tracer whose leaves are torch's own modules and the modules in ``composites``."""

    def __init__(self, composites: set[str]) -> None:
        super().__init__(autowrap_functions=wrapped_functions())
        self.composites = composites

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        if module_qualified_name in self.composites:
            return True
        if isinstance(m, nn.Sequential):
            return False
        if type(m) in MODULE_RULES:  # torchvision's StochasticDepth is one block, not its insides
            return True
        return super().is_leaf_module(m, module_qualified_name)


def trace(model: nn.Module, composites: set[str]) -> fx.Graph:
    """The fx graph of ``model`` (in eval mode); tracing errors become one sentence."""
    tracer = StudioTracer(composites)
    try:
        return tracer.trace(model)
    except Exception as exc:  # fx raises TraceError, TypeError, RuntimeError...
        raise ImportRefused(
            f"torch.fx cannot trace the model ({type(exc).__name__}: {exc}); the studio imports "
            "models whose forward has no data-dependent control flow"
        ) from None


def module_path(node: fx.Node) -> str:
    """The module a call happens in (``features.3``), or "" at the top level."""
    stack = node.meta.get("nn_module_stack") or {}
    return next(reversed(stack.keys()), "") if stack else ""
