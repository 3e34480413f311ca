"""The printer's last step: markers in the printed tree become comments, and a map from each
generated line to the user line it runs.

The printer writes statements as ``ast`` nodes, and ``ast.unparse`` has no comments, so a
comment travels as a marker call, ``__sourcegrad_comment__("text")``, turned into ``# text``
here. An *origin marker*, ``__sourcegrad_origin__(n)``, prints nothing: it says that the
statements after it, in its block and the blocks nested there, run user line ``n`` (a position
in the printer's list of user lines, or None for code of no user line). It is needed besides
the comments because a comment is shared by consecutive statements with the same text and is
not written for statements without a user line, while the map must not guess.
"""
from __future__ import annotations

import ast
import re

_COMMENT = "__sourcegrad_comment__"
_ORIGIN = "__sourcegrad_origin__"


def code_only(stmts: list) -> list:
    """A block's statements, or none when it holds only comments (a Python block needs one
    statement: the callers print ``pass`` for an empty loop, or drop an empty branch)."""
    return stmts if any(not is_marker(s) for s in stmts) else []


def is_marker(stmt) -> bool:
    """A comment or an origin marker: neither is code a Python block could hold alone."""
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and \
        isinstance(stmt.value.func, ast.Name) and stmt.value.func.id in (_COMMENT, _ORIGIN)


def comment(text: str) -> ast.Expr:
    return ast.Expr(ast.Call(ast.Name(_COMMENT, ast.Load()), [ast.Constant(text)], []))


def origin_marker(source) -> ast.Expr:
    """Marks that the statements after it, in this block and the blocks nested there, come
    from user line ``source`` (a position in ``Printer.sources``, or None); prints nothing."""
    return ast.Expr(ast.Call(ast.Name(_ORIGIN, ast.Load()), [ast.Constant(source)], []))


def finish(node, sources=()) -> tuple[str, dict]:
    """Unparse, turning comment markers into comments and dropping origin markers. Returns
    the text and, for each line of code in it (1-based), the user line it comes from: the one
    named by the last origin marker above it, in its block or an enclosing one."""
    module = ast.Module([node], [])  # (ast.unparse needs no locations)
    lines, user_lines = [], {}
    marked: list = []  # (indentation, source) of the markers in force, innermost last
    comment_start, origin_start = _COMMENT + "(", _ORIGIN + "("
    for line in ast.unparse(module).splitlines():
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if stripped.startswith(comment_start):
            text = ast.literal_eval(stripped[len(comment_start):-1])
            lines.append(line[:indent] + "# " + text)
            continue
        while marked and marked[-1][0] > indent:
            marked.pop()  # (a nested block ended)
        if stripped.startswith(origin_start):
            if marked and marked[-1][0] == indent:
                marked.pop()
            marked.append((indent, ast.literal_eval(stripped[len(origin_start):-1])))
            continue
        lines.append(_TUPLE_TARGET.sub(r"\1\2\3 \4 ", line))
        if marked and marked[-1][1] is not None:
            user_lines[len(lines)] = sources[marked[-1][1]]
    return "\n".join(lines) + "\n", user_lines


# (Python 3.10's ast.unparse writes ``(a, b) = ...`` and ``for (a, b) in``; later versions
# ``a, b = ...``: one spelling, so the generated text is the same on every version)
_TUPLE_TARGET = re.compile(r"^(\s*)(for )?\((\w+(?:, \w+)*,?)\) (=|in) ")
