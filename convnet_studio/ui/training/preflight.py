"""Checks before a run starts, in the GUI process (no torch): graph problems, and whether
the graph fits the dataset (channels, image size, class count).

The rules are the engine's own (``train/preflight.py``), which the worker checks again;
checking here means the user sees the problem next to the node at once instead of after
the worker has imported torch.
"""

from __future__ import annotations

from convnet_studio.graph.model import Graph
from convnet_studio.train.config import TrainConfig
from convnet_studio.train.preflight import Issue, graph_issues
from convnet_studio.train.signature import SIGNATURES, DataError, dataset_signature

__all__ = ["Issue", "check", "dataset_signature_or_issue"]

GUI_ADAPT_HINT = 'tick "Adapt images to the graph"'


def dataset_signature_or_issue(dataset: str) -> tuple[tuple[int, int, int], int] | Issue:
    """The dataset's image shape and class count, or an :class:`Issue` saying why not."""
    if dataset not in SIGNATURES and not dataset.startswith("folder:"):
        return Issue(f"unknown dataset {dataset!r}", field="dataset")
    try:
        return dataset_signature(TrainConfig(dataset=dataset))
    except DataError as exc:
        return Issue(str(exc), field="dataset")


def check(graph: Graph, dataset: str, adapt_input: bool = False) -> list[Issue]:
    """Every problem that would stop a run of ``graph`` on ``dataset`` (empty: ready)."""
    signature = dataset_signature_or_issue(dataset)
    if isinstance(signature, Issue):
        problems = [i for i in graph_issues(graph, (0, 0, 0), 0, dataset) if i.kind == "graph"]
        return problems + [signature]
    shape, classes = signature
    return graph_issues(graph, shape, classes, dataset, adapt_input, GUI_ADAPT_HINT)
