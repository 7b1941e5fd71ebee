"""Networks too large for this machine, refused before anything allocates.

The analysis counts every node's parameters and activations exactly, so the memory a network
needs is known before PyTorch sees it. A network whose float32 parameters, or the activations
of a single image, exceed the machine's physical memory can never be compiled, trained or
exported here; saying so up front replaces a long swap storm and the allocator's raw text
with a sentence that names the node at fault and the size.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

from convnet_studio.graph.blocks.arith import fmt_bytes

if TYPE_CHECKING:
    from convnet_studio.graph.analysis import Cost, NodeResult, Problem

BYTES_PER_ELEMENT = 4  # float32, what the compiler builds and the trainer runs
GIB = 1024**3


@lru_cache(maxsize=1)
def machine_memory() -> int | None:
    """Physical memory in bytes, or ``None`` where the platform does not say (no check then)."""
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None
    return pages * page_size if pages > 0 and page_size > 0 else None


def resource_problems(results: dict[str, NodeResult], total: Cost | None = None) -> list[Problem]:
    """A problem on the largest node when parameters or one image's activations cannot fit.

    ``total``: the sums of ``results``' costs where the caller already has them (an incremental
    analysis keeps them), so that an edit costs no pass over every node.
    """
    from convnet_studio.graph.analysis import Problem

    memory = machine_memory()
    if memory is None or not results:
        return []
    problems = []
    for what, count, known in (
        ("parameters", lambda r: r.cost.params, total.params if total else None),
        ("activations for one image", lambda r: r.cost.activations, total.activations if total else None),
    ):
        elements = known if known is not None else sum(count(r) for r in results.values())
        whole_bytes = elements * BYTES_PER_ELEMENT
        if whole_bytes <= memory:
            continue
        node = max(results, key=lambda name: count(results[name]))
        own = count(results[node]) * BYTES_PER_ELEMENT
        whole = "" if own == whole_bytes else f" and the whole network's {fmt_bytes(whole_bytes)}"
        message = (f"its {what} need {fmt_bytes(own)}{whole}, more than this machine's {fmt_bytes(memory)} "
                   "of memory; make this layer smaller")
        problems.append(Problem(node, None, message, "resources"))
    return problems
