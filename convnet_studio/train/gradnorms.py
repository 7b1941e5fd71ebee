"""Per-node gradient norms in one fused call and one readback.

A node's parameters are those whose qualified name starts with ``<node>.`` (compiled
modules are named after the graph's nodes, composites as dotted paths). The norms of all
gradients come from one ``torch._foreach_norm``; the squares are summed per node with one
``index_add_`` and the node norms plus the total come back to the CPU in one ``tolist()``,
so monitoring costs one small device sync however many nodes there are.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn


def parameter_nodes(module: nn.Module, prefixes: Iterable[str] | None = None) -> list[str]:
    """The names, in the given order, of the prefixes that own at least one parameter.

    Without ``prefixes``, every module that directly owns parameters is a node (in
    registration order): that is what a hand-written module has.
    """
    names = [n for n, p in module.named_parameters() if p.requires_grad]
    if prefixes is None:
        seen: dict[str, None] = {}
        for n in names:
            seen.setdefault(n.rpartition(".")[0] or n, None)
        return list(seen)
    return [p for p in prefixes if any(n == p or n.startswith(p + ".") for n in names)]


class GradNormMonitor:
    """Computes ``(total, {node: norm})`` of the current gradients of ``module``.

    Args:
        module: the model (unwrapped from DDP/compile, so names match the graph).
        nodes: node names in graph order; parameters under none of them count in the
            total only.
    """

    def __init__(self, module: nn.Module, nodes: list[str]) -> None:
        self.nodes = list(nodes)
        self.params: list[nn.Parameter] = []
        group: list[int] = []
        for name, p in module.named_parameters():
            if not p.requires_grad:
                continue
            idx = _owner(name, self.nodes)
            self.params.append(p)
            group.append(len(self.nodes) if idx is None else idx)  # the last slot: no node
        device = self.params[0].device if self.params else torch.device("cpu")
        self.group = torch.tensor(group, dtype=torch.int64, device=device)

    def compute(self) -> tuple[float, dict[str, float]]:
        """Total and per-node L2 norms (parameters without a gradient count as zero)."""
        grads = [p.grad for p in self.params]
        if not grads:
            return 0.0, {}
        if any(g is None for g in grads):
            keep = [i for i, g in enumerate(grads) if g is not None]
            grads = [grads[i] for i in keep]
            group = self.group[torch.tensor(keep, device=self.group.device)]
        else:
            group = self.group
        if not grads:
            return 0.0, dict.fromkeys(self.nodes, 0.0)
        norms = torch.stack(torch._foreach_norm(grads))  # one norm per tensor
        # float64 so that squares of large-but-finite norms do not overflow (MPS has none)
        norms = norms.float() if norms.device.type == "mps" else norms.double()
        squares = norms * norms
        per_node = torch.zeros(len(self.nodes) + 1, device=squares.device, dtype=squares.dtype)
        per_node.index_add_(0, group, squares)
        # One readback: the node norms with the total appended.
        values = torch.cat([per_node[:-1], squares.sum().reshape(1)]).sqrt().tolist()
        return values[-1], dict(zip(self.nodes, values[:-1]))

    def first_nonfinite(self) -> str | None:
        """The first node (in graph order) with a NaN/inf gradient, or None."""
        have = [
            (p.grad, int(g)) for p, g in zip(self.params, self.group.tolist()) if p.grad is not None
        ]
        if not have:
            return None
        finite = torch.stack([torch.isfinite(n) for n in torch._foreach_norm([g for g, _ in have])])
        bad = {g for (_, g), ok in zip(have, finite.tolist()) if not ok}
        for i, node in enumerate(self.nodes):
            if i in bad:
                return node
        return "(parameters outside any node)" if bad else None


def _owner(name: str, nodes: list[str]) -> int | None:
    best: int | None = None
    for i, node in enumerate(nodes):
        owns = name == node or name.startswith(node + ".")
        if owns and (best is None or len(node) > len(nodes[best])):
            best = i
    return best
