"""Pass 2: the language fence. Reject, with a located error, what the compiler cannot handle.

Every construct outside the supported subset fails here, before any transformation, so the user
sees their own line and what to write instead -- never a wrong gradient later.
"""
from __future__ import annotations

import types

import gast

from . import nodes
from .parse import SourceInfo

# node type -> (what it is, what to do instead)
_REFUSED = {
    gast.Try: ("try/except", "move the try/except into the caller"),
    gast.With: ("a with block", "move the with block outside the differentiated function"),
    gast.AsyncWith: ("async with", "differentiate synchronous code"),
    gast.AsyncFor: ("async for", "differentiate synchronous code"),
    gast.AsyncFunctionDef: ("an async function", "differentiate synchronous code"),
    gast.Await: ("await", "differentiate synchronous code"),
    gast.Yield: ("yield (a generator)", "return a list or an array"),
    gast.YieldFrom: ("yield from (a generator)", "return a list or an array"),
    gast.Global: ("a global statement", "pass the value in and return the new value"),
    gast.Nonlocal: ("a nonlocal statement", "pass the value in and return the new value"),
    gast.ClassDef: ("a class defined inside the function", "define the class at module level"),
    gast.Delete: ("del", "leave the name alone or rebind it"),
    gast.Import: ("an import inside the function", "import at module level"),
    gast.ImportFrom: ("an import inside the function", "import at module level"),
    gast.NamedExpr: ("an assignment expression (:=)", "assign on its own line"),
    gast.Match: ("a match statement", "use if/elif"),
}
if hasattr(gast, "TryStar"):
    _REFUSED[gast.TryStar] = _REFUSED[gast.Try]

# Constructs this version does not yet differentiate, with the alternative to use today.
_NOT_YET: dict = {}


def check(fn_node: gast.FunctionDef, info: SourceInfo) -> None:
    """Raise TransformError at the first unsupported construct in ``fn_node``."""
    for stmt in fn_node.body:
        for node in nodes.walk(stmt):
            refused = _REFUSED.get(type(node)) or _NOT_YET.get(type(node))
            if refused:
                what, instead = refused
                raise info.error(node, f"{what} is not supported in differentiated code",
                                 hint=f"Instead: {instead}.")
            _check_targets(node, info)
            if isinstance(node, gast.Call):
                _check_call(node, info)


def _check_targets(node, info: SourceInfo) -> None:
    targets = []
    if isinstance(node, gast.Assign):
        targets = node.targets
    elif isinstance(node, (gast.AugAssign, gast.AnnAssign)):
        targets = [node.target]
    for target in targets:
        for sub in nodes.walk(target):
            if isinstance(sub, gast.Attribute) and isinstance(sub.ctx, gast.Store):
                raise info.error(sub, "assigning to an attribute is not supported in "
                                 "differentiated code",
                                 hint="Instead: keep the value in a local variable and return it.")
            if isinstance(sub, gast.Starred):
                raise info.error(sub, "starred assignment (a, *rest = ...) is not supported",
                                 hint="Instead: index the sequence explicitly.")
    if isinstance(node, gast.AnnAssign) and node.value is None:
        raise info.error(node, "an annotation without a value is not supported",
                         hint="Instead: assign a value, or drop the annotation.")


def _check_call(node: gast.Call, info: SourceInfo) -> None:
    for kw in node.keywords:
        if kw.arg is None:
            raise info.error(kw.value, "**kwargs in a call is not supported in differentiated "
                             "code", hint="Instead: pass the keyword arguments by name.")


def check_mutating_calls(fn_node: gast.FunctionDef, info: SourceInfo, names: dict) -> None:
    """Refuse calls that change an array in place behind the compiler's back (``x.sort()``,
    ``out=``, ``np.add.at``): writes the compiler follows are ``y[i] = v``, ``y += v`` and
    list ``append``/``extend``/``pop``, which ``ir/alias.py`` checks."""
    for node in nodes.walk(fn_node):
        _check_mutating_call(node, info, names)


_MUTATING_METHODS = {"sort", "fill", "put", "resize", "itemset", "partition", "setfield",
                     "setflags", "byteswap", "clear", "insert", "remove", "reverse",
                     "update", "setdefault", "popitem"}
_MUTATING_FUNCTIONS = {"copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis"}


def _check_mutating_call(node, info: SourceInfo, names: dict) -> None:
    """Calls that change an array in place (``x.sort()``, ``out=``, ``np.add.at``) are refused:
    the forward sweep would change values the backward sweep still needs."""
    if not isinstance(node, gast.Call):
        return
    func = node.func
    what = None
    if any(kw.arg == "out" for kw in node.keywords):
        what = "out= (writing a result into an existing array)"
    elif isinstance(func, gast.Attribute) and func.attr == "at":
        what = f"{nodes.dotted(func)}() (an unbuffered in-place update)"
    elif isinstance(func, gast.Attribute) and func.attr in _MUTATING_FUNCTIONS and \
            isinstance(func.value, gast.Name) and _is_numpy(func.value.id, names):
        what = f"{nodes.dotted(func)}() (it changes its first argument in place)"
    elif isinstance(func, gast.Attribute) and func.attr in _MUTATING_METHODS and \
            not _is_module(func.value, names):
        what = f".{func.attr}() (it changes its object in place)"
    if what is not None:
        raise info.error(node, f"{what} is not supported in differentiated code",
                         "Instead: compute a new value (y = np.sort(x), y = x + v, ...) and "
                         "use that.")


def _is_module(node, names: dict) -> bool:
    """Whether ``node`` names a module (``np`` in ``np.sort(x)``): then ``.sort`` is a
    function of the module, not a method that changes an object."""
    return isinstance(_resolve(node, names), types.ModuleType)


def _resolve(node, names: dict):
    if isinstance(node, gast.Name):
        return names.get(node.id)
    if isinstance(node, gast.Attribute):
        base = _resolve(node.value, names)
        return getattr(base, node.attr, None) if isinstance(base, types.ModuleType) else None
    return None


def _is_numpy(name: str, names: dict) -> bool:
    """Does ``name`` mean the numpy module in the user's function (``np``, ``onp``, ...)?"""
    obj = names.get(name)
    if obj is None:
        return name in ("np", "numpy")
    return getattr(obj, "__name__", None) == "numpy"
