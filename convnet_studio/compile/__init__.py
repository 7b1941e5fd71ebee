"""Compile a :class:`~convnet_studio.graph.Graph` into a ``torch.nn.Module``."""

from __future__ import annotations

from convnet_studio.compile.compiler import CompileError, compile_graph, init_weights

__all__ = ["CompileError", "compile_graph", "init_weights"]
