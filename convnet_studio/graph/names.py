"""Node names: unique, readable, and valid as dotted ``torch.nn.Module`` paths.

A node's name is the path of its module in the compiled network (``layer1.0.conv1``), which
is how the state_dict keys come out equal to torchvision's.
"""

from __future__ import annotations

import keyword
import re
import reprlib
from collections.abc import Container

# A segment is an ASCII identifier or a container index ("0", "12", as in nn.Sequential);
# the first is always an identifier. fullmatch, not match: "$" would accept a trailing newline.
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
# Inner parts may join identifiers with "-", as torchvision's RegNet names its blocks ("block1-0").
_SEGMENT = rf"(?:{_IDENT}(?:-[A-Za-z0-9_]+)*|0|[1-9][0-9]*)"
NAME_RE = re.compile(rf"{_IDENT}(?:\.{_SEGMENT})*")
MAX_NAME_LENGTH = 200

# Words that generated Python code cannot use as an attribute or variable name, or that
# would read as something else there (``self.self``, a parameter called ``cls``).
PYTHON_WORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | {"self", "cls", "super", "type"}

# Attributes of torch.nn.Module: a submodule of that name cannot be registered.
RESERVED = frozenset(
    """T_destination add_module apply bfloat16 buffers call_super_init children compile cpu cuda
    double dump_patches eval extra_repr float forward get_buffer get_extra_state get_parameter
    get_submodule half ipu load_state_dict modules mtia named_buffers named_children
    named_modules named_parameters parameters register_backward_hook register_buffer
    register_forward_hook register_forward_pre_hook register_full_backward_hook
    register_full_backward_pre_hook register_load_state_dict_post_hook
    register_load_state_dict_pre_hook register_module register_parameter
    register_state_dict_post_hook register_state_dict_pre_hook requires_grad_ set_extra_state
    set_submodule share_memory state_dict to to_empty train training type xpu zero_grad
    code graph""".split()
)


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a node, or ``None`` if it can.

    Names become module paths and Python attribute names in exported code, so each dotted
    part must be an ASCII identifier (or an index such as ``0``) that is not a Python keyword,
    not private (``_x``) and not an attribute of ``torch.nn.Module``.
    """
    if not isinstance(name, str) or len(name) > MAX_NAME_LENGTH or not NAME_RE.fullmatch(name):
        return (
            f"{short_repr(name)} is not a valid node name: use letters, digits and '_', "
            "starting with a letter, with '.' between parts (e.g. layer1.0.conv1)"
        )
    for part in name.split("."):
        if part.startswith("_"):
            return f"{name!r} is not a valid node name: {part!r} starts with '_' (private in Python)"
        if part in PYTHON_WORDS:
            return f"{name!r} is not a valid node name: {part!r} is a Python keyword or reserved word"
        if part in RESERVED:
            return f"{name!r} is not a valid node name: {part!r} is reserved by torch.nn.Module"
    return None


def short_repr(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to about ``limit`` characters, so a hostile 5 MB string stays readable."""
    text = _SHORT.repr(value)
    return text if len(text) <= limit + 2 else text[:limit] + "…"


def short_text(text: str, limit: int = 60) -> str:
    """``text`` itself, or its first ``limit`` characters and "…"."""
    return text if len(text) <= limit else text[:limit] + "…"


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = _SHORT.maxlong = 60
_SHORT.maxlevel = 2


def strict_prefixes(name: str) -> list[str]:
    """``"a.b.c" -> ["a", "a.b"]``."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def path_conflict(name: str, names: Container[str], prefixes: Container[str]) -> str | None:
    """A node cannot be both a module and a container of others (``a`` beside ``a.b``).

    ``names`` holds the existing node names and ``prefixes`` every strict prefix of them.
    """
    if name in names:
        return f"a node named {name!r} already exists"
    if name in prefixes:
        return f"{name!r} is already a group of other nodes (e.g. {name}.*); choose another name"
    for prefix in strict_prefixes(name):
        if prefix in names:
            return f"{name!r} would be inside the node {prefix!r}; choose another name"
    return None
