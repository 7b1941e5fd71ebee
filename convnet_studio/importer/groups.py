"""Canvas groups for imported graphs, as the presets set them (VGG's stages)."""

from __future__ import annotations

from torch import nn

from convnet_studio.graph.model import Graph


def group_stages(graph: Graph, model: nn.Module) -> None:
    """Group a torchvision VGG's ``features.<i>`` into ``stage1``... ending at each max-pool.

    The vgg presets lay their VGGStage composites out as primitives (torchvision numbers one
    Sequential across the stages) and group them the same way, so the canvas folds each stage.
    """
    from torchvision.models import VGG

    if not isinstance(model, VGG):
        return
    stage = 1
    for node in list(graph):
        if not node.name.startswith("features."):
            continue
        node.group = f"stage{stage}"
        if node.type == "MaxPool2d":
            stage += 1
