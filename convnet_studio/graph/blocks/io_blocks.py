"""The graph's ends: Input (the image tensor) and Output (what the network returns)."""

from __future__ import annotations

from convnet_studio.graph.params import int_param
from convnet_studio.graph.registry import BlockSpec, register_block

CATEGORY = "Input/Output"

register_block(
    BlockSpec(
        type="Input",
        category=CATEGORY,
        description="The input image batch, N x C x H x W.",
        params=(
            int_param("channels", 3, "colour channels (3 for RGB, 1 for greyscale)", minimum=1),
            int_param("height", 224, "image height in pixels", minimum=1),
            int_param("width", 224, "image width in pixels", minimum=1),
        ),
        inputs=(),
        shape=lambda p, ins: ((p["channels"], p["height"], p["width"]),),
        cost=lambda p, ins, outs: (0, 0),
        label=lambda p: f"{p['channels']} x {p['height']} x {p['width']}",
        shape_doc="Output is channels x height x width; there is no input.",
        cost_doc="None.",
        default_name="input",
    )
)

register_block(
    BlockSpec(
        type="Output",
        category=CATEGORY,
        description="What the network returns (usually the class scores).",
        outputs=(),
        shape=lambda p, ins: (),
        cost=lambda p, ins, outs: (0, 0),
        shape_doc="Passes its input through; its shape is the network's output shape.",
        cost_doc="None.",
        default_name="output",
    )
)
