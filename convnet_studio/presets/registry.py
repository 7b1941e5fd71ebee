"""The preset registry: famous networks by name, as graphs the user can open and edit.

Presets register by name and duplicates are refused, as in torchvision's ``register_model``.
A preset is a :class:`PresetInfo` (what the studio lists at startup) and a builder; nothing
here imports torch, so listing presets costs no more than importing the graph package.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from convnet_studio.errors import PresetError
from convnet_studio.graph.layout import apply_layout, wrap_for_aspect
from convnet_studio.graph.model import Graph

InputSize = tuple[int, int, int]
# (num_classes, (C, H, W)) -> a graph whose Input node has that size
PresetBuilder = Callable[[int, InputSize], Graph]
SizeArg = int | tuple[int, int] | tuple[int, int, int] | None


@dataclass(frozen=True)
class PresetInfo:
    """What the studio says about a preset before building it.

    Attributes:
        name: the registry name (``resnet50``), also the graph's name.
        family: the group it is listed under (``ResNet``, ``CIFAR ResNet``, ``VGG``...).
        description: one line: what the network is and where it comes from.
        default_num_classes: classes of the classifier when none are asked for.
        default_input: (C, H, W) when no input size is asked for.
        torchvision: the ``torchvision.models`` builder it equals, or ``None``.
        source: the paper (and code) it follows, for the presets table.
    """

    name: str
    family: str
    description: str
    default_num_classes: int = 1000
    default_input: InputSize = (3, 224, 224)
    torchvision: str | None = None
    source: str = ""


@dataclass(frozen=True)
class _Preset:
    info: PresetInfo
    build: PresetBuilder


_PRESETS: dict[str, _Preset] = {}
FAMILY_MODULES = (
    "resnet", "googlenet", "vgg", "mobile", "mobilenets", "densenets", "shufflenet", "inception",
    "efficientnet", "regnet", "convnext",
)


def register_preset(info: PresetInfo, build: PresetBuilder) -> PresetInfo:
    """Add a preset; a second preset of the same name is refused with :class:`PresetError`."""
    if info.name in _PRESETS:
        raise PresetError(f"preset {info.name!r} is already registered")
    _PRESETS[info.name] = _Preset(info, build)
    return info


def preset_names() -> list[str]:
    """Every preset's name, in registration order (families together, small to large)."""
    _ensure_loaded()
    return list(_PRESETS)


def list_presets(family: str | None = None) -> list[PresetInfo]:
    """Every preset's :class:`PresetInfo` (of one ``family`` if given), in registration order."""
    _ensure_loaded()
    return [p.info for p in _PRESETS.values() if family is None or p.info.family == family]


def preset_info(name: str) -> PresetInfo:
    """The :class:`PresetInfo` of ``name``; raises :class:`PresetError` for an unknown name."""
    return _lookup(name).info


def get_preset(name: str, num_classes: int | None = None, input_size: SizeArg = None) -> Graph:
    """Build the preset ``name`` as a new graph.

    Args:
        name: a name from :func:`preset_names` (``resnet18``, ``vgg16_bn``...).
        num_classes: outputs of the classifier (default: the preset's, 1000 or 10).
        input_size: (C, H, W), (H, W) or a side length (default: the preset's, e.g. 3 x 224 x 224).

    Returns:
        A valid graph with ``meta["preset"]`` and ``meta["description"]`` set and every node placed.

    Raises:
        PresetError: unknown name, a class count below 1, or an input the network cannot take
            (too small for its downsampling).
    """
    preset = _lookup(name)
    info = preset.info
    classes = info.default_num_classes if num_classes is None else num_classes
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 1:
        raise PresetError(f"num_classes must be a whole number of at least 1, not {num_classes!r}")
    size = normalize_input_size(input_size, info.default_input)
    graph = preset.build(classes, size)
    graph.name = info.name
    graph.meta.update(preset=info.name, description=info.description, num_classes=classes)
    _check_builds(graph, info, size)
    # Rows of layers, read like lines of text, so a 16:9 window shows the whole network.
    apply_layout(graph, "LR", wrap_for_aspect(graph, 16 / 9))
    return graph


def normalize_input_size(value: SizeArg, default: InputSize) -> InputSize:
    """``None`` -> ``default``; ``32`` -> (C, 32, 32); ``(32, 48)`` -> (C, 32, 48), C from ``default``."""
    if value is None:
        return default
    values = (value,) * 2 if isinstance(value, int) else tuple(value)
    if len(values) == 2:
        values = (default[0], *values)
    if len(values) != 3 or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values
    ):
        raise PresetError(f"an input size is C, H, W in positive whole numbers, not {value!r}")
    return values  # type: ignore[return-value]


def _check_builds(graph: Graph, info: PresetInfo, size: InputSize) -> None:
    analysis = graph.analyze()
    if analysis.ok:
        return
    problem = analysis.problems[0]
    raise PresetError(
        f"{info.name} cannot take a {size[0]} x {size[1]} x {size[2]} input ({problem}); "
        f"its default is {' x '.join(map(str, info.default_input))}"
    )


def _lookup(name: str) -> _Preset:
    _ensure_loaded()
    try:
        return _PRESETS[name]
    except KeyError:
        close = [n for n in _PRESETS if n.startswith(str(name)[:4])][:4]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise PresetError(f"there is no preset named {name!r}{hint}") from None


def _ensure_loaded() -> None:
    # The families register themselves on import; importing them here, not at the top,
    # keeps them free to import this module. Their order is the listing's order.
    for family in FAMILY_MODULES:
        importlib.import_module(f"convnet_studio.presets.{family}")
