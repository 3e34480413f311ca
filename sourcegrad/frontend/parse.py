"""Pass 1: from a live function to its gast tree, with a map back to the user's file."""
from __future__ import annotations

import ast
import inspect
import linecache
import textwrap
from dataclasses import dataclass

import gast

from ..errors import Location, TransformError
from . import nodes


@dataclass
class SourceInfo:
    """The user's function as text: enough to locate any node in its file."""

    name: str  # the function's qualified name (the function itself is not kept: caches must
    #            not keep it alive)
    filename: str
    first_line: int  # file line number of the parsed text's line 1
    indent: int  # columns removed by dedent
    lines: list[str]  # the dedented text, split into lines

    def locate(self, node) -> Location:
        lineno = getattr(node, "lineno", None) or 1
        col = getattr(node, "col_offset", 0) or 0
        end_col = getattr(node, "end_col_offset", None)
        if getattr(node, "end_lineno", lineno) != lineno:
            end_col = None
        text = self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""
        return Location(self.filename, self.first_line + lineno - 1, col + self.indent,
                        None if end_col is None else end_col + self.indent,
                        " " * self.indent + text, self.name)

    def line_of(self, node) -> str:
        """The user's statement as one stripped line (for ``# grad of:`` comments)."""
        lineno = getattr(node, "lineno", None)
        if not lineno or lineno > len(self.lines):
            return ""
        end = getattr(node, "end_lineno", lineno) or lineno
        if _without_comment(self.lines[lineno - 1]).rstrip().endswith(":"):
            end = lineno  # a compound statement is named by its header, not its whole body
        parts = []
        for line in self.lines[lineno - 1:end]:
            code = _without_comment(line).strip()
            if code:
                parts.append(code)
        return " ".join(parts)

    def error(self, node, message: str, hint: str = "") -> TransformError:
        return TransformError(message, self.locate(node), hint)


def parse_function(fn) -> tuple[gast.FunctionDef, SourceInfo]:
    """Parse ``fn``'s source into a gast FunctionDef (decorators removed)."""
    name = getattr(fn, "__qualname__", repr(fn))
    if not inspect.isfunction(fn):
        kind = "a builtin or C function" if inspect.isbuiltin(fn) or not hasattr(fn, "__code__") \
            else type(fn).__name__
        raise TransformError(
            f"cannot differentiate {name}: it is {kind}, which has no Python source",
            hint="Differentiate a Python function that calls it, and give the callable a rule "
                 "with sourcegrad.extend.defvjp(...) if it needs a gradient.")
    try:
        found = _indented_block(fn)
        if found is None:
            lines, first_line = inspect.getsourcelines(fn)
            filename = inspect.getsourcefile(fn) or fn.__code__.co_filename
        else:
            lines, first_line, filename = found
    except (OSError, TypeError) as exc:
        code = fn.__code__
        raise TransformError(
            f"cannot differentiate {name} (defined at {code.co_filename}:"
            f"{code.co_firstlineno}): its source code is not available ({exc})",
            hint="sourcegrad reads the function's source; define it in a file or a notebook "
                 "cell rather than with exec() or in the interactive prompt.") from None
    text = "".join(lines)
    dedented = textwrap.dedent(text)
    indent = _indent(text) - _indent(dedented)
    name = getattr(fn, "__qualname__", getattr(fn, "__name__", "?"))
    info = SourceInfo(name, filename, max(first_line, 1), indent, dedented.splitlines())
    try:
        module = to_gast(ast.parse(dedented))
    except SyntaxError:
        module = None
    node = _find_def(module, fn, info) if module is not None else None
    if node is None:
        raise TransformError(
            f"cannot differentiate {name}: its source could not be isolated "
            "(a lambda inside a larger expression?)",
            hint="Write the function with def, or assign the lambda to a name on its own line.")
    if isinstance(node, gast.AsyncFunctionDef):
        raise info.error(node, f"{name} is an async function, which cannot be differentiated",
                         "Differentiate a plain function that returns its result.")
    node.decorator_list = []
    return node, info


_TYPE_PARAMS = ("FunctionDef", "AsyncFunctionDef", "ClassDef")


def to_gast(tree):
    """``gast.ast_to_gast``, but a direct copy: gast's converter dispatches every node through
    a generic visitor and was a fifth of parsing. On Python 3.10-3.13 gast mirrors ast field for
    field except that parameters are ``Name``s with a ``Param`` context, ``Name`` has two more
    fields and definitions gain ``type_params`` before 3.12; trees with anything else gast
    rewrites (type parameter nodes) go through gast itself."""
    try:
        return _copy(tree)
    except _NotMirrored:
        return gast.ast_to_gast(tree)


class _NotMirrored(Exception):
    pass


_CONTEXTS = {ast.Load: gast.Load(), ast.Store: gast.Store(), ast.Del: gast.Del()}


def _copy(node):
    kind = node.__class__
    if kind is list:
        return [_copy(n) if isinstance(n, ast.AST) else n for n in node]
    context = _CONTEXTS.get(kind)
    if context is not None:
        return context  # shared: passes replace contexts, never change them
    fields = node.__dict__.copy()  # fields and locations alike
    if kind is ast.Name:
        cls = gast.Name
        fields["ctx"] = _CONTEXTS[node.ctx.__class__]
        fields["annotation"] = fields["type_comment"] = None
    elif kind is ast.arg:
        cls = gast.Name
        annotation = fields.pop("annotation", None)
        fields["id"] = fields.pop("arg")
        fields["ctx"] = gast.Param()
        fields["annotation"] = None if annotation is None else _copy(annotation)
        fields.setdefault("type_comment", None)
    else:
        name = kind.__name__
        cls = getattr(gast, name, None)
        if cls is None or name.startswith(("TypeVar", "ParamSpec")) or \
                (kind is ast.ExceptHandler and node.name):
            raise _NotMirrored(name)
        for key, value in fields.items():
            if value.__class__ is list:
                fields[key] = [_copy(v) if isinstance(v, ast.AST) else v for v in value]
            elif isinstance(value, ast.AST):
                fields[key] = _copy(value)
        if name in _TYPE_PARAMS and "type_params" not in fields:
            fields["type_params"] = []
    new = cls.__new__(cls)
    new.__dict__.update(fields)
    return new


def _without_comment(line: str) -> str:
    """``line`` without a trailing ``# comment`` (a ``#`` inside a string literal stays)."""
    if "#" not in line:
        return line
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return line[:i]
    return line


def _indented_block(fn):
    """The lines of a ``def`` read straight from ``linecache`` by indentation, or None.

    ``inspect.getsourcelines`` tokenizes the block, which costs more than the rest of parsing;
    a def's body is simply the lines indented deeper than its header. Anything unusual (a
    lambda, a string literal at column 0 inside the body) goes back to ``inspect``.
    """
    code = fn.__code__
    if code.co_name == "<lambda>":
        return None
    filename = code.co_filename
    lines = linecache.getlines(filename, fn.__globals__)
    start = code.co_firstlineno - 1
    if not lines or start >= len(lines):
        return None
    header = lines[start]
    base = len(header) - len(header.lstrip())
    header_at = start
    while header_at < len(lines) and lines[header_at].lstrip().startswith("@"):
        header_at += 1  # decorators come first
    if header_at >= len(lines) or \
            not lines[header_at].lstrip().startswith(("def ", "async def ")):
        return None
    end = header_at + 1
    while end < len(lines):
        line = lines[end]
        stripped = line.strip()
        if stripped and len(line) - len(line.lstrip()) <= base and \
                not stripped.startswith((")", "]", "}")):
            break
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    block = lines[start:end]
    if any('"""' in line or "'''" in line for line in block[1:]) and \
            sum(line.count('"""') + line.count("'''") for line in block) % 2:
        return None  # a multi-line string may cross the indentation: let inspect decide
    return block, start + 1, filename


def _indent(text: str) -> int:
    for line in text.splitlines():
        if line.strip():
            return len(line) - len(line.lstrip())
    return 0


def _find_def(module, fn, info: SourceInfo):
    code = fn.__code__
    if code.co_name != "<lambda>":
        for node in module.body:
            if isinstance(node, (gast.FunctionDef, gast.AsyncFunctionDef)) and \
                    node.name == code.co_name:
                return node
        return None
    lambdas = sorted((n for n in nodes.walk(module) if isinstance(n, gast.Lambda)),
                     key=lambda n: (n.lineno, n.col_offset))
    if len(lambdas) != 1:
        if lambdas:
            raise info.error(lambdas[1], f"cannot tell which of {len(lambdas)} lambdas on this "
                             "line to differentiate",
                             hint="Give each lambda its own line, or write it with def.")
        return None
    lam = lambdas[0]
    ret = gast.Return(value=lam.body)
    gast.copy_location(ret, lam.body)
    node = gast.FunctionDef(name="<lambda>", args=lam.args, body=[ret], decorator_list=[],
                            returns=None, type_comment=None, type_params=[])
    return gast.copy_location(node, lam)
