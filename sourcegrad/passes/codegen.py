"""Pass 7: gast tree -> Python source text, with comments.

``printer.py`` prints the statements and expressions the compiler emits directly from the gast
tree; a statement it does not know (a lambda or an f-string kept from user code) is printed
here with ``ast.unparse``, which is exact for every construct but several times slower.

We print with the standard library's ``ast.unparse`` (Python >= 3.9) rather than astor: astor's
last release (0.8.1, 2019) predates Python 3.10-3.13 syntax it has to print (``match``, PEP 701
f-strings, ``type`` parameters) and its output for 3.10+ trees is not kept in step with the
grammar; ``ast.unparse`` ships with each interpreter and is exact for its own grammar. gast
gives us one tree shape across versions; ``gast.gast_to_ast`` converts it back for printing.
"""
from __future__ import annotations

import ast
import re

import gast

from . import nodes
from .nodes import COMMENT_PREFIX
from .printer import Printer, expr

_COMMENT_LINE = re.compile(r"""^(\s*)((["']{1,3})\\x00#.*\3)\s*$""")


def to_ast(node):
    """gast -> ast for the node kinds the compiler emits (a direct copy: gast mirrors ast
    field for field, except that parameters are Names with a Param context)."""
    if isinstance(node, list):
        return [to_ast(n) for n in node]
    if not isinstance(node, gast.AST):
        return node
    if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Param):
        return ast.arg(arg=node.id, annotation=to_ast(node.annotation), type_comment=None)
    cls = getattr(ast, type(node).__name__)
    new = cls.__new__(cls)
    for field in cls._fields:
        value = getattr(node, field, None)
        if value is None and field in _LIST_FIELDS:
            value = []
        setattr(new, field, to_ast(value))
    if isinstance(new, ast.stmt):
        new.lineno = 0  # ast.unparse looks type comments up by line
    return new


_LIST_FIELDS = {"type_params", "decorator_list", "keywords", "type_ignores"}


def to_source(tree) -> str:
    """The text of a gast ``Module``: what ``reference_source`` gives (on 3.10, whose
    ``ast.unparse`` parenthesizes tuple targets, the same program), faster."""
    out = Printer(_fallback)
    out.block(tree.body, 0)
    return "\n".join(out.lines) + "\n"


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def factory_source(name: str, functions: list, parameters) -> str:
    """``def name(params):`` holding ``functions`` and returning them as a tuple, printed as
    ``to_source`` prints the same tree. ``parameters(used)`` picks the factory's parameters
    from the identifiers the printed functions use (their comment lines aside)."""
    out = Printer(_fallback)
    out.block(functions, 1)
    used = set()
    for line in out.lines:
        if not line.lstrip().startswith("#"):
            used.update(_IDENTIFIER.findall(line))
    result = nodes.tuple_(nodes.load(f.name) for f in functions)
    return "\n".join([f"def {name}({', '.join(parameters(used))}):", ""] + out.lines +
                     [f"    return {expr(result)}"])


def factory_node(name: str, functions: list, params: list) -> gast.FunctionDef:
    """The tree ``factory_source`` prints (for tests against ``reference_source``)."""
    body = list(functions) + [gast.Return(value=nodes.tuple_(
        nodes.load(f.name) for f in functions))]
    return nodes.function(name, nodes.positional_args(params), body)


def _fallback(stmt, indent: int) -> list[str]:
    text = reference_source(gast.Module(body=[stmt], type_ignores=[])).rstrip("\n")
    pad = "    " * indent
    lines = [pad + line if line else line for line in text.split("\n")]
    return lines


def reference_source(tree) -> str:
    """``ast.unparse`` of the tree, with comment markers turned into comments."""
    module = to_ast(tree)  # printing needs no line numbers: the text is compiled, not the tree
    text = ast.unparse(module)
    lines = []
    for line in text.splitlines():
        match = _COMMENT_LINE.match(line)
        if match:
            comment = ast.literal_eval(match.group(2))[len(COMMENT_PREFIX):].strip()
            lines.append(f"{match.group(1)}# {comment}")
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"
