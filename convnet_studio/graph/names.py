"""Node names: unique, readable, and valid as dotted ``torch.nn.Module`` paths.

A node's name is the path of its module in the compiled network (``layer1.0.conv1``), which
is how the state_dict keys come out equal to torchvision's.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable

# Inner parts may hold '-' as torchvision's RegNet names its blocks ("block1-0").
_SEGMENT = r"[A-Za-z0-9_][A-Za-z0-9_-]*"
NAME_RE = re.compile(rf"^[A-Za-z_][A-Za-z0-9_]*(\.{_SEGMENT})*$")

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
    """Why ``name`` cannot name a node, or ``None`` if it can."""
    if not isinstance(name, str) or not NAME_RE.match(name):
        return (
            f"{name!r} is not a valid node name: use letters, digits and '_', "
            "starting with a letter, with '.' between parts (e.g. layer1.0.conv1; '-' is allowed "
            "after the first part)"
        )
    bad = [part for part in name.split(".") if part in RESERVED or part.startswith("_")]
    if bad:
        return f"{name!r} is not a valid node name: {bad[0]!r} is reserved by torch.nn.Module"
    return None


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
