"""Is a refusal one the documentation announces?

docs/index.md and docs/architecture.md (section 7) list what sourcegrad refuses: try/except,
with, yield, global/nonlocal, classes and imports inside the function, del, ``:=``, match,
starred targets, bare annotations, ``**kwargs`` in calls, a write into an array another
variable shares (``y = x`` or a view, *then* ``y[i] = ...``/``y += ...``), mutating methods,
nested-def restrictions, and calls to functions docs/numpy-support.md lists as left out.

A refusal counts as documented only when the refused line really holds the documented
construct: ``np.sort(x)`` refused as the in-place ``.sort()`` method, or a write refused
because of an alias made only *after* it, are not documented refusals but findings.
"""
from __future__ import annotations

import ast
import copy
import functools
import pathlib
import re
import sys

import numpy as np

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"

# "<what> is not supported in differentiated code": what -> a pattern the line must match
_STATEMENTS = {
    "try/except": r"^\s*(try\s*:|except\b)", "a with block": r"^\s*with\b",
    "async": r"\basync\b|\bawait\b", "yield": r"\byield\b", "a global statement": r"\bglobal\b",
    "a nonlocal statement": r"\bnonlocal\b", "a class defined": r"^\s*class\b",
    "del": r"^\s*del\b", "an import inside": r"^\s*(import|from)\b", ":=": r":=",
    "a match statement": r"^\s*match\b",
}
_ALWAYS = ["**kwargs in a call", "starred assignment", "an annotation without a value",
           "assigning to an attribute", "a nested function's default must be a literal",
           "has decorators", "calls itself", "a differentiated value reaches *",
           "lambdas on this", "no return statement", "is an async function"]


@functools.lru_cache(maxsize=1)
def left_out_functions() -> frozenset[str]:
    """The functions docs/numpy-support.md lists under "Left out"."""
    text = (DOCS / "numpy-support.md").read_text()
    section = text.split("## Left out", 1)[-1].split("\n## ", 1)[0]
    return frozenset(re.findall(r"^\| `([\w.]+)` \|", section, flags=re.MULTILINE))


def documented(message: str, lineno: int | None, source: str, shares=None) -> str | None:
    """The documented construct this refusal is about, or None when the docs do not
    announce it for this line. ``shares(lineno, a, b)`` tells whether, when the line runs,
    ``a`` and ``b`` really are arrays sharing memory (None if the line never runs)."""
    lines = source.splitlines()
    line = lines[lineno - 1] if lineno and 0 < lineno <= len(lines) else ""
    for what, pattern in _STATEMENTS.items():
        if what in message and "is not supported in differentiated code" in message:
            return what if re.search(pattern, line) else None
    for what in _ALWAYS:
        if what in message:
            return what
    method = re.search(r"\.(\w+)\(\) \(it changes its object in place\)", message)
    if method:
        # the in-place method on an object, not the numpy function of the same name
        if re.search(rf"\b(?!np\b|numpy\b)[A-Za-z_]\w*(\[[^\]]*\])?\.{method[1]}\(", line):
            return f".{method[1]}()"
        return None
    if "(it changes its first argument in place)" in message:
        return "a function that writes into its argument"
    shared = re.search(r"(?:writes into|updates in place|appends to|extends|pops from) "
                       r"'(\w+)', (?:which is also reachable as '(\w+)'|whose value another "
                       r"name bound to it)", message)
    if shared:
        a, b = shared.groups()
        really = shares(lineno, a, b) if shares is not None else None
        if really is None and b is not None:  # the line does not run: judge by the text
            really = _alias_before(source, lineno, a, b)
        # (a loop over a list holding the array, `for v in [y, acc]: acc[i] = ...`, reads it
        # again as v, also in iterations a break skips when this program runs)
        really = really or _loop_holds(source, lineno, a)
        return "a write into a shared array" if really else None
    rule = re.search(r"cannot differentiate through ([\w.]+)\(\): it has no gradient rule",
                     message)
    if rule:
        name = rule[1]
        full = name if name.startswith("np.") else f"np.{name}"
        return "a function left out" if full in left_out_functions() else None
    return None


_VIEWS = r"(np\.(asarray|asanyarray|reshape|ravel|transpose|squeeze|atleast_\dd|" \
         r"broadcast_to|expand_dims)\()?"


def runtime_sharing(f, args):
    """``shares(lineno, a, b)`` for documented(): runs ``f(*args)`` with a line tracer and
    looks at the two locals each time the line is about to run."""
    filename = f.__code__.co_filename

    def shares(lineno, a, b=None):
        """Whether, as the line runs, ``b`` (any other local when None) shares memory with
        ``a`` or holds it."""
        seen = []

        def local(frame, event, arg):
            if event == "line" and frame.f_lineno == lineno:
                names = frame.f_locals
                x = names.get(a)
                # (a name the compiler made up, the list a for loop walks, is no local: then
                # any other local that shares or holds it will do)
                others = [names[b]] if b in names else \
                    [v for k, v in names.items() if k != a]
                seen.append(any(_reaches(y, x) for y in others))
            return local

        def calls(frame, event, arg):
            return local if frame.f_code.co_filename == filename else None

        sys.settrace(calls)
        try:
            f(*copy.deepcopy(args))
        except Exception:
            pass
        finally:
            sys.settrace(None)
        return any(seen) if seen else None
    return shares


def _reaches(holder, x) -> bool:
    """Whether a change to ``x`` (an array or a list/dict) is seen through ``holder``."""
    if holder is None or not isinstance(x, (np.ndarray, list, dict)):
        return False  # (a number is rebound, never changed)
    if holder is x:
        return True
    if isinstance(x, np.ndarray) and isinstance(holder, np.ndarray):
        return bool(np.shares_memory(x, holder))
    if isinstance(holder, (list, tuple)):
        return any(_reaches(item, x) for item in holder)
    if isinstance(holder, dict):
        return any(_reaches(item, x) for item in holder.values())
    return False


def _loop_holds(source: str, lineno: int | None, name: str) -> bool:
    """Whether the line is in a ``for`` loop that walks ``name`` itself (``for v in a``,
    ``reversed(a)``, ``zip(a, b)``, ``enumerate(a)``) or a list or tuple literal holding it:
    each iteration reads the array as the writes left it."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.For) and lineno is not None and \
                node.lineno <= lineno <= node.end_lineno and _walks(node.iter, name):
            return True
    return False


def _walks(iterable, name: str) -> bool:
    if isinstance(iterable, ast.Name):
        return iterable.id == name
    if isinstance(iterable, (ast.List, ast.Tuple)):
        return any(isinstance(e, ast.Name) and e.id == name for e in iterable.elts)
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and \
            iterable.func.id in ("reversed", "enumerate", "zip", "list", "tuple"):
        return any(_walks(a, name) for a in iterable.args)
    return False


def _holds(stmt: ast.stmt, a: str, b: str) -> bool:
    """Does ``stmt`` bind ``b`` to a container built with ``a`` as an item (``[a] + xs``)?"""
    return isinstance(stmt, ast.Assign) and \
        any(isinstance(t, ast.Name) and t.id == b for t in stmt.targets) and \
        any(isinstance(n, (ast.List, ast.Tuple)) and
            any(isinstance(e, ast.Name) and e.id == a for e in n.elts)
            for n in ast.walk(stmt.value))


def _binds(stmt: ast.stmt, a: str, b: str, text: str) -> bool:
    """Does ``stmt`` bind ``a`` to ``b`` or to a view of it (or the reverse)?"""
    if not isinstance(stmt, ast.Assign):
        return False
    segment = ast.get_source_segment(text, stmt) or ""
    view_tail = r"(\s*$|\[|\.T\b|\.(reshape|ravel|view|transpose|squeeze|swapaxes)\(|\))"
    return any(re.match(rf"^{x}\s*=\s*{_VIEWS}{y}{view_tail}", segment)
               for x, y in ((a, b), (b, a)))


def _alias_before(source: str, lineno: int | None, a: str, b: str) -> bool:
    """The documented case, judged on the text when the line never runs: an alias made
    before the write with neither name bound to something else in between, or an alias
    made in the same loop as the write."""
    tree = ast.parse(source)
    loops = [n for n in ast.walk(tree) if isinstance(n, (ast.For, ast.While))]
    aliases = [n for n in ast.walk(tree) if isinstance(n, ast.stmt) and
               (_binds(n, a, b, source) or _holds(n, a, b))]
    rebinds = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Assign)
               and any(isinstance(t, ast.Name) and t.id in (a, b) for t in n.targets)
               and not _binds(n, a, b, source)]
    branches = [(n.body, n.orelse) for n in ast.walk(tree) if isinstance(n, ast.If) and n.orelse]

    def inside(block, line):
        return bool(block) and block[0].lineno <= line <= block[-1].end_lineno

    def exclusive(a, b):  # in the two branches of one if: one never reaches the other
        return any(inside(x, a) and inside(y, b) or inside(y, a) and inside(x, b)
                   for x, y in branches)

    for stmt in aliases:
        if lineno is None:
            return True
        if stmt.lineno < lineno and not exclusive(stmt.lineno, lineno) and \
                not any(stmt.lineno < r < lineno for r in rebinds):
            return True
        for loop in loops:  # the alias, at the end of an iteration, reaching the next one
            if not (loop.lineno <= lineno < stmt.lineno <= loop.end_lineno):
                continue
            if not any(stmt.lineno < r <= loop.end_lineno or loop.lineno <= r < lineno
                       for r in rebinds):
                return True
    return False
