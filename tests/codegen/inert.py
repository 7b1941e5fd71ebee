"""What may run when an exported file is imported: nothing but definitions and literals."""

from __future__ import annotations

import ast

from export_helpers import ALLOWED_IMPORTS


def inert_problems(source: str) -> list[str]:
    """Statements of ``source`` that would run anything on import (empty when inert).

    Allowed at module level: a docstring, imports of torch, function and class definitions
    whose defaults and bases are literals or names and whose annotations are type expressions
    of names (``int | tuple[int, int]``), literal assignments, and
    ``if __name__ == "__main__":`` calling the file's own functions with no arguments.
    """
    tree = ast.parse(source)
    defined = {s.name for s in tree.body if isinstance(s, (ast.FunctionDef, ast.ClassDef))}
    problems: list[str] = []
    for i, stmt in enumerate(tree.body):
        if i == 0 and _is_docstring(stmt):
            continue
        problems += _statement_problems(stmt, defined, module=True)
    return problems


def _statement_problems(stmt: ast.stmt, defined: set[str], module: bool) -> list[str]:
    where = f"line {stmt.lineno}: {ast.unparse(stmt)[:120]!r}"
    if isinstance(stmt, (ast.Import, ast.ImportFrom)) and module:
        names = {a.name for a in stmt.names}
        if isinstance(stmt, ast.ImportFrom):
            names = {f"{stmt.module}.{n}" for n in names}
        return [] if names <= ALLOWED_IMPORTS else [f"import of {names} at {where}"]
    if isinstance(stmt, ast.FunctionDef):
        return _function_problems(stmt, where)
    if isinstance(stmt, ast.ClassDef) and module:
        bad = stmt.decorator_list or stmt.keywords or not all(map(_is_name, stmt.bases))
        found = [f"class header runs code at {where}"] if bad else []
        body = stmt.body[1:] if _is_docstring(stmt.body[0]) else stmt.body
        return found + [p for s in body for p in _statement_problems(s, defined, False)]
    if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
        return [] if _is_literal(stmt.value) else [f"non-literal assignment at {where}"]
    if isinstance(stmt, ast.If) and module and _is_main_guard(stmt, defined):
        return []
    return [f"statement that runs at {where}"]


def _function_problems(func: ast.FunctionDef, where: str) -> list[str]:
    args = func.args
    defaults = args.defaults + [d for d in args.kw_defaults if d is not None]
    annotations = [a.annotation for a in args.args + args.kwonlyargs if a.annotation]
    annotations += [func.returns] if func.returns else []
    if func.decorator_list or not all(map(_is_literal, defaults)):
        return [f"function header runs code at {where}"]
    if not all(map(_is_type_expression, annotations)):
        return [f"annotation runs code at {where}"]
    return []


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _is_type_expression(node: ast.expr) -> bool:
    """A name, ``X[Y, Z]`` or ``X | Y`` of names: building it only makes a typing object."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _is_type_expression(node.left) and _is_type_expression(node.right)
    if isinstance(node, ast.Subscript):
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return _is_name(node.value) and all(map(_is_type_expression, items))
    return _is_name(node)


def _is_name(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute):
        return _is_name(node.value)
    return isinstance(node, ast.Name) or (isinstance(node, ast.Constant) and node.value is None)


def _is_main_guard(stmt: ast.If, defined: set[str]) -> bool:
    test = stmt.test
    guard = (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )
    calls = all(
        isinstance(s, ast.Expr)
        and isinstance(s.value, ast.Call)
        and isinstance(s.value.func, ast.Name)
        and s.value.func.id in defined
        and not s.value.args
        and not s.value.keywords
        for s in stmt.body
    )
    return guard and calls and not stmt.orelse
