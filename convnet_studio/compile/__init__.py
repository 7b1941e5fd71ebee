"""Compile a :class:`~convnet_studio.graph.Graph` into a ``torch.nn.Module``.

The names below load torch when first used, so that :mod:`convnet_studio.compile.torch_table` (the
torch table, which the Python exporter reads) imports without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from convnet_studio.compile.compiler import CompileError, compile_graph, init_weights

__all__ = ["CompileError", "compile_graph", "init_weights"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from convnet_studio.compile import compiler

        return getattr(compiler, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
