"""Checks before a run starts, in the GUI process (no torch): graph problems, and whether
the graph fits the dataset (channels, image size, class count).

The worker checks the same again (``train/model.py``); checking here means the user sees
the problem next to the node at once instead of after the worker has imported torch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from convnet_studio.graph.model import Graph

# (C, H, W), classes; H = W = 0: any size (image folders are resized to the graph)
SIGNATURES = {
    "shapes": ((3, 32, 32), 10),
    "cifar10": ((3, 32, 32), 10),
    "cifar100": ((3, 32, 32), 100),
    "mnist": ((1, 28, 28), 10),
    "fashionmnist": ((1, 28, 28), 10),
}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")


@dataclass(frozen=True)
class Issue:
    """One reason a run cannot start; ``node`` is where to fix it (None: the run panel)."""

    message: str
    node: str | None = None
    field: str | None = None


def dataset_signature(dataset: str) -> tuple[tuple[int, int, int], int] | Issue:
    """The dataset's image shape and class count, or an :class:`Issue` saying why not."""
    if dataset in SIGNATURES:
        return SIGNATURES[dataset]
    if dataset.startswith("folder:"):
        root = dataset[len("folder:"):]
        if not os.path.isdir(root):
            return Issue(f"the image folder {root!r} does not exist", field="dataset")
        classes = [d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d))]
        if len(classes) < 2:
            return Issue(f"the image folder {root!r} needs one subfolder per class (at least "
                         f"two); it has {len(classes)}", field="dataset")
        return (3, 0, 0), len(classes)
    return Issue(f"unknown dataset {dataset!r}", field="dataset")


def check(graph: Graph, dataset: str, adapt_input: bool = False) -> list[Issue]:
    """Every problem that would stop a run of ``graph`` on ``dataset`` (empty: ready)."""
    analysis = graph.analyze()
    issues = [Issue(f"{p.node}: {p.message}", p.node) for p in analysis.problems]
    inputs, outputs = graph.nodes_of_type("Input"), graph.nodes_of_type("Output")
    if len(inputs) != 1 or len(outputs) != 1:
        issues.append(Issue(f"the graph needs exactly one Input and one Output node (it has "
                            f"{len(inputs)} and {len(outputs)})"))
    signature = dataset_signature(dataset)
    if isinstance(signature, Issue):
        return issues + [signature]
    if issues:
        return issues
    (c, h, w), classes = signature
    name = inputs[0].name
    shape = tuple(int(s) for s in analysis.input_shape or ())
    if not adapt_input and (shape[:1] != (c,) or (h and shape[1:] != (h, w))):
        want = f"{c} x {h} x {w}" if h else f"{c} channels"
        issues.append(Issue(f"{name} takes {_fmt(shape)} images but {dataset} has {want}: set "
                            f"its channels/height/width, or tick \"Adapt images to the graph\"",
                            name))
    edge = graph.input_edge(outputs[0].name, "in")
    head = edge.src if edge else outputs[0].name
    out = analysis.output_shape(outputs[0].name)
    if out is None or len(out) != 1:
        issues.append(Issue(f"{head} gives the Output a {_fmt(tuple(out or ()))} tensor; a "
                            f"classifier ends in one score per class (add a global pool, "
                            f"Flatten and Linear with {classes} outputs)", head))
    elif out[0] != classes:
        issues.append(Issue(f"{head} gives {out[0]} outputs but {dataset} has {classes} classes: "
                            f"set its out_features to {classes}", head))
    return issues


def _fmt(shape: tuple[int, ...]) -> str:
    return " x ".join(str(s) for s in shape) or "no"
