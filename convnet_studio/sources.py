"""SOURCE arguments: a project file or a preset name, turned into a graph."""

from __future__ import annotations

from pathlib import Path

from convnet_studio.errors import UserError
from convnet_studio.graph.model import Graph
from convnet_studio.graph.project_file import ProjectFileError, load_project


class SourceError(UserError, ValueError):
    """Neither a readable project file nor a known preset."""


def looks_like_file(source: str) -> bool:
    return Path(source).exists() or any(sep in source for sep in ("/", "\\")) or "." in Path(source).name


def resolve_source(source: str, num_classes: int | None = None, input_size: tuple[int, int, int] | None = None) -> Graph:
    """Load ``source`` as a project file if it is one, else build the preset of that name.

    ``num_classes`` and ``input_size`` (C, H, W) are passed to presets; project files keep
    their own (use ``analyze(input_shape=...)`` to try another input size).
    """
    if looks_like_file(source):
        try:
            return load_project(source)
        except ProjectFileError as exc:
            raise SourceError(str(exc)) from None
    from convnet_studio.presets import get_preset, preset_names  # lazy: presets import more

    if source not in preset_names():
        raise SourceError(
            f"{source!r} is neither a project file nor a preset (run 'convnet-studio presets' to list them)"
        )
    kwargs = {}
    if num_classes is not None:
        kwargs["num_classes"] = num_classes
    if input_size is not None:
        kwargs["input_size"] = input_size
    return get_preset(source, **kwargs)


def parse_input_size(text: str) -> tuple[int, int, int]:
    """``"3,224,224" -> (3, 224, 224)``; raises ValueError with a readable message."""
    parts = text.replace("x", ",").split(",")
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 3 or min(values) < 1:
        raise ValueError(f"--input must be C,H,W with positive whole numbers, e.g. 3,224,224 (got {text!r})")
    return values  # type: ignore[return-value]
