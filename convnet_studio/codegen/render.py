"""Print one ``nn.Module`` class: ``__init__`` declares the members, ``forward`` follows the body.

Variables follow the data as a person names them: ``x`` flows on while nothing else needs
it; a value that must survive (the residual's input) keeps its name and the main path
becomes ``out``; the ends of parallel branches are named after their branch (``branch2``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from convnet_studio.codegen.body import INPUT, Body, Row
from convnet_studio.codegen.calls import (
    is_identifier,
    is_parameter,
    literal,
    op_expression,
    parameter_declaration,
    parameter_expression,
)
from convnet_studio.codegen.tree import (
    Container,
    Leaf,
    TreeNode,
    access,
    build_tree,
    ends,
    is_attribute,
    leaves,
    nested_parameters,
    parameter_access,
    unit_of,
)
from convnet_studio.errors import InvalidGraphError

WIDTH = 100
_TAKEN = {"self", "torch", "nn", "F", "x"}


@dataclass
class ClassSource:
    """What :func:`render_class` needs to print one class."""

    name: str
    doc: str
    signature: list[str]
    body: Body
    call_parts: Callable[[Row], tuple[str, list[str]]]  # row -> (constructor, argument texts)
    shape_text: Callable[[str], str]  # row name or INPUT -> "N x C x H x W"
    optional: dict[str, str] = field(default_factory=dict)  # member -> condition source
    attrs: dict[str, int] = field(default_factory=dict)
    init_tail: list[str] = field(default_factory=list)


@dataclass
class _Unit:
    node: TreeNode | None
    row: Row  # the operator row, or the unit's first row
    inputs: list[str]
    output: str
    member: str


def render_class(src: ClassSource) -> str:
    tree = build_tree(src.body)
    # A body that is one straight chain of "0", "1", ... (a VGG stage) is a Sequential itself.
    chain = tree.sequential and tree.callable and not src.optional and not src.init_tail
    base = "nn.Sequential" if chain else "nn.Module"
    lines = [f"class {src.name}({base}):", f'    """{src.doc}"""', ""]
    for attr, value in src.attrs.items():
        lines += [f"    {attr} = {value}", ""]
    head = f"    def __init__({', '.join(['self'] + src.signature)}) -> None:"
    if len(head) > WIDTH:
        head = (
            "    def __init__(\n"
            + "".join(f"        {p},\n" for p in ["self"] + src.signature)
            + "    ) -> None:"
        )
    if chain:
        items = [_declaration(child, src.call_parts, 12) for child in tree.children.values()]
        return (
            "\n".join(
                lines
                + [
                    head,
                    "        super().__init__(" + _indent(wrap("", items, "", 24, True), 8) + ")",
                ]
            )
            + "\n"
        )
    lines += [head, "        super().__init__()"]
    for member, node in tree.children.items():
        lines += [f"        {line}" for line in _member_lines(src, tree, member, node)]
    lines += src.init_tail
    lines += ["", "    def forward(self, x: torch.Tensor) -> torch.Tensor:"]
    lines += [f"        {line}" if line else "" for line in _forward(src, tree)]
    return "\n".join(lines) + "\n"


def _member_lines(src: ClassSource, tree: Container, member: str, node: TreeNode) -> list[str]:
    """``__init__``'s lines that create one top-level member (and its bare parameters)."""
    text = _declaration(node, src.call_parts, 8 + len(f"self.{member} = "))
    parameters = _parameter_lines(tree, node, src.call_parts)
    if member in src.optional:
        return [
            f"self.{member} = None",
            f"if {src.optional[member]}:",
            f"    self.{member} = {_indent(text, 4)}",
        ] + [f"    {line}" for line in parameters]
    if is_identifier(member):
        return [f"self.{member} = {text}"] + parameters
    if isinstance(node, Leaf) and is_parameter(node.row):
        return [f"self.register_parameter({literal(member)}, {text})"]
    # An inner name such as "0" is no attribute name.
    return [f"self.add_module({literal(member)}, {text})"] + parameters


def _indent(text: str, by: int) -> str:
    return text.replace("\n", "\n" + " " * by)


def _declaration(node: TreeNode, call_parts, used: int) -> str:
    """The constructor expression for a member, wrapped one item a line when too long."""
    if isinstance(node, Leaf):
        func, args = call_parts(node.row)
        if is_parameter(node.row):
            return parameter_declaration(node.row, args)
        return wrap(f"{func}(", args, ")", used)
    if node.sequential:
        items = [_declaration(child, call_parts, 12) for child in node.children.values()]
        return wrap("nn.Sequential(", items, ")", used, force=len(items) > 1)
    items = [
        f"{literal(key)}: {_declaration(child, call_parts, 12)}"
        for key, child in node.children.items()
        if not (isinstance(child, Leaf) and is_parameter(child.row))  # registered after
    ]
    return wrap("nn.ModuleDict({", items, "})", used, force=True)


def _parameter_lines(tree: Container, node: TreeNode, call_parts) -> list[str]:
    """``self.features[1][0].layer_scale = nn.Parameter(...)`` for the bare parameters in a
    container, once the container exists (a ModuleDict holds modules only)."""
    lines = []
    for row in nested_parameters(node):
        text = _declaration(Leaf(row), call_parts, 0)
        parent, _, leaf = row.name.rpartition(".")
        if is_attribute(leaf):
            lines.append(f"{parameter_access(tree, row.name)} = {text}")
        elif is_identifier(leaf):  # "keys": the ModuleDict's method would shadow it
            raise InvalidGraphError(
                f"the graph cannot be exported: {row.name} is named like a method of "
                f"nn.ModuleDict ({leaf}), which a parameter cannot be; rename it"
            )
        else:  # "0", "block1-0": no attribute name
            lines.append(f"{access(tree, parent)}.register_parameter({literal(leaf)}, {text})")
    return lines


def wrap(head: str, items: list[str], tail: str, used: int, force: bool = False) -> str:
    one_line = head + ", ".join(items) + tail
    if not force and used + len(one_line) <= WIDTH and "\n" not in one_line:
        return one_line
    body = "".join("    " + _indent(item, 4) + ",\n" for item in items)
    return f"{head}\n{body}{tail}"


def _forward(src: ClassSource, tree: Container) -> list[str]:
    units = _units(src.body, tree)
    last: dict[str, int] = {}
    for i, unit in enumerate(units):
        for ref in unit.inputs:
            last[ref] = i
    last[src.body.output] = len(units)
    multi_readers = {r for u in units if u.node is None and len(u.inputs) > 1 for r in u.inputs}
    forks = {r for r in last if sum(r in u.inputs for u in units) > 1}
    var = {INPUT: "x"}
    holder = {"x": INPUT}
    lines = [f"# {src.shape_text(INPUT)}"]
    for i, unit in enumerate(units):
        args = [var[r] for r in unit.inputs]
        first = unit.inputs[0]
        branch = first in forks and unit.output in multi_readers  # one of parallel branches
        reuse = last[first] <= i and not branch and (len(args) == 1 or args[0] in ("x", "out"))
        if unit.member in src.optional and last[first] <= i:
            reuse = True
        name = args[0] if reuse else _fresh(unit, branch, holder, last, i)
        call = _call_text(unit, tree, args)
        if unit.member in src.optional:
            if name != args[0]:
                lines.append(f"{name} = {args[0]}")
            lines += [f"if self.{unit.member} is not None:", f"    {name} = {call}"]
        else:
            lines.append(f"{name} = {call}")
        var[unit.output] = name
        holder[name] = unit.output
        shape = src.shape_text(unit.output)
        if shape != src.shape_text(first) and unit.member not in src.optional:
            lines.append(f"# {shape}")
    lines.append(f"return {var[src.body.output]}")
    return lines


def _units(body: Body, tree: Container) -> list[_Unit]:
    units: list[_Unit] = []
    seen: set[int] = set()
    for row in body.rows:
        node = unit_of(tree, row)
        if node is None:
            units.append(_Unit(None, row, list(row.refs), row.name, row.name.split(".")[0]))
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        source, output = ends(node)
        units.append(_Unit(node, leaves(node)[0], [source], output, row.name.split(".")[0]))
    return units


def _call_text(unit: _Unit, tree: Container, args: list[str]) -> str:
    if unit.node is None:
        return op_expression(unit.row, args)
    if isinstance(unit.node, Leaf) and is_parameter(unit.row):
        return parameter_expression(unit.row, args[0], parameter_access(tree, unit.row.name))
    path = unit.row.name if isinstance(unit.node, Leaf) else unit.node.path
    return f"{access(tree, path)}({', '.join(args)})"


def _fresh(unit: _Unit, branch: bool, holder: dict[str, str], last: dict[str, int], i: int) -> str:
    base = "out"
    if branch and is_identifier(unit.member) and unit.member not in _TAKEN:
        base = unit.member
    n = 1
    while True:
        name = base if n == 1 else f"{base}{n}"
        owner = holder.get(name)
        if name not in _TAKEN and (owner is None or last.get(owner, -1) <= i):
            return name
        n += 1
