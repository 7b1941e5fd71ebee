"""Dotted row names as nested containers: ``layer1.0`` lives in ``layer1``, a Sequential.

A container whose children are ``0, 1, ..., n-1`` is an ``nn.Sequential``; it is *callable*
(``x = self.layer1(x)``) when its children form a straight chain that nothing else reads
from the middle of. Any other container is an ``nn.ModuleDict``, whose members are called
one by one (``self.head.fc(x)``). Both keep the state_dict keys of the dotted names. A bare
parameter (ConvNeXt's ``layer_scale``) is a leaf too, but no module: its container is never
a Sequential, and it is registered on the container after the container is built.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Union

from convnet_studio.codegen.body import Body, Row
from convnet_studio.codegen.calls import is_identifier, is_parameter, literal

# ModuleDict methods: a key spelled like one must be reached with ["key"].
_DICT_METHODS = {"keys", "items", "values", "pop", "update", "clear"}


@dataclass
class Leaf:
    row: Row


@dataclass
class Container:
    path: str
    children: dict[str, Leaf | Container] = field(default_factory=dict)
    sequential: bool = False
    callable: bool = False


TreeNode = Union[Leaf, Container]  # noqa: UP007  (a runtime alias: py3.10 needs Union here)


def build_tree(body: Body) -> Container:
    """The container tree of ``body``'s modules (Add and Concat rows have none)."""
    root = Container("")
    operators: set[str] = set()  # rows written as expressions, with no module of their own
    for row in body.rows:
        if row.op_only or (row.has_op and "." not in row.name):
            operators.add(row.name)
            continue
        parts = row.name.split(".")
        node = root
        for i, part in enumerate(parts[:-1]):
            child = node.children.setdefault(part, Container(".".join(parts[: i + 1])))
            assert isinstance(child, Container)
            node = child
        node.children[parts[-1]] = Leaf(row)
    _settle(root, body.readers(), operators)
    return root


def _settle(container: Container, readers: Counter[str], operators: set[str]) -> None:
    for key, child in list(container.children.items()):
        if isinstance(child, Container):
            _settle(child, readers, operators)
            if not child.children:
                del container.children[key]
    keys = list(container.children)
    # nn.Sequential holds modules only: a bare parameter's container is a ModuleDict.
    holds_parameter = any(
        isinstance(child, Leaf) and is_parameter(child.row) for child in container.children.values()
    )
    numbered = sorted(keys, key=_int_key) == [str(i) for i in range(len(keys))]
    if keys and numbered and not holds_parameter:
        container.sequential = True
        container.children = {k: container.children[k] for k in sorted(keys, key=int)}
    elif container.path:
        # Outside a Sequential, Flatten is written as torch.flatten(x, 1), not declared.
        for key, child in list(container.children.items()):
            if isinstance(child, Leaf) and child.row.has_op:
                del container.children[key]
                operators.add(child.row.name)
    # One call stands for the whole container only if no operator row lives under its name
    # (``features.1`` a Concat after ``features.0``): that row needs a statement of its own.
    inside = container.path + "."
    covers_all = not any(name.startswith(inside) for name in operators)
    container.callable = container.sequential and covers_all and _is_chain(container, readers)


def _int_key(key: str) -> tuple[int, str]:
    return (int(key), key) if key.isdigit() and str(int(key)) == key else (1 << 30, key)


def ends(node: TreeNode) -> tuple[str, str]:
    """(the ref a callable node reads, the row whose output it returns)."""
    if isinstance(node, Leaf):
        return node.row.refs[0], node.row.name
    children = list(node.children.values())
    return ends(children[0])[0], ends(children[-1])[1]


def leaves(node: TreeNode) -> list[Row]:
    if isinstance(node, Leaf):
        return [node.row]
    return [row for child in node.children.values() for row in leaves(child)]


def _is_chain(container: Container, readers: Counter[str]) -> bool:
    previous: str | None = None
    for child in container.children.values():
        if isinstance(child, Container) and not child.callable:
            return False
        if isinstance(child, Leaf) and len(child.row.refs) != 1:
            return False
        source, out = ends(child)
        if previous is not None and (source != previous or readers[previous] != 1):
            return False
        previous = out
    return True


def unit_of(root: Container, row: Row) -> TreeNode | None:
    """The node a forward statement calls for ``row``: the outermost callable one."""
    node: TreeNode = root
    for part in row.name.split("."):
        assert isinstance(node, Container)
        found = node.children.get(part)
        if found is None:
            return None  # an operator (Add, Concat, a Flatten outside a Sequential)
        if isinstance(found, Leaf) or found.callable:
            return found
        node = found
    return None


def access(root: Container, path: str) -> str:
    """``self.layer1[0].conv1``-style access to the module at ``path``."""
    parts = path.split(".")
    text = f"self.{parts[0]}" if is_identifier(parts[0]) else f"getattr(self, {literal(parts[0])})"
    node = root.children[parts[0]]
    for part in parts[1:]:
        assert isinstance(node, Container)
        if node.sequential:
            text += f"[{part}]"
        elif is_identifier(part) and part not in _DICT_METHODS:
            text += f".{part}"
        else:
            text += f"[{literal(part)}]"
        node = node.children[part]
    return text


def parameter_access(root: Container, path: str) -> str:
    """``self.layer_scale`` or ``self.features[1][0].layer_scale``: a bare parameter's access."""
    parent, _, leaf = path.rpartition(".")
    owner = access(root, parent) if parent else "self"
    if is_attribute(leaf):
        return f"{owner}.{leaf}"
    return f"{owner}.get_parameter({literal(leaf)})"


def is_attribute(name: str) -> bool:
    """Whether ``container.name`` reaches the member ``name`` (not a ModuleDict method)."""
    return is_identifier(name) and name not in _DICT_METHODS


def nested_parameters(node: TreeNode) -> list[Row]:
    """The bare parameters inside a container, which its constructor expression cannot hold."""
    if isinstance(node, Leaf):
        return []
    return [row for row in leaves(node) if is_parameter(row)]
