"""The last step: compile generated source so tracebacks, pdb and inspect see it.

The text is registered in ``linecache`` under a unique pseudo-filename and compiled once. Each
generated function is built from its code object with the globals of the user function it
came from, so module-level values are read at run time exactly as the user's code reads them.
Runtime helpers, sibling generated functions and the user's closure variables arrive as closure
cells: the text wraps each unit in a ``bind_...()`` factory whose parameters name them, and the
user's own cells are shared, not copied.
"""
from __future__ import annotations

import itertools
import linecache
import threading
import types

from .tracebacks import register_user_lines

_counter = itertools.count(1)
_lock = threading.Lock()


#: a factory parameter that is the user function's own closure variable (its cell is shared)
CLOSURE = type("Closure", (), {"__repr__": lambda self: "<closure variable>"})()


class GeneratedRef:
    """A generated function referred to before it exists (filled in when the module loads)."""

    def __init__(self, name: str):
        self.name = name
        self.__name__ = name
        self.function = None

    def __repr__(self):
        return f"<generated {self.name}>"


def register_source(text: str, label: str) -> str:
    with _lock:
        filename = f"<sourcegrad-{next(_counter)}: {label}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    return filename


def load_program(text: str, label: str, units: list) -> str:
    """Compile ``text`` and fill every unit's GeneratedRefs with the functions it defines;
    returns the pseudo-filename the text is registered under."""
    filename = register_source(text, label)
    module_code = compile(text, filename, "exec")
    factories = {c.co_name: c for c in module_code.co_consts if isinstance(c, types.CodeType)}
    ref_cells: dict[int, types.CellType] = {}

    def cell_for(obj):
        if isinstance(obj, GeneratedRef):
            if obj.function is not None:  # made by an earlier module (a specialization's)
                return types.CellType(obj.function)
            return ref_cells.setdefault(id(obj), types.CellType())
        return types.CellType(obj)

    built = []
    for unit in units:
        factory = factories[unit.factory]
        inner = {c.co_name: c for c in factory.co_consts if isinstance(c, types.CodeType)}
        _register_user_lines(filename, inner, unit.user_lines)
        for name, ref in unit.refs.items():
            code = inner[name]
            cells = tuple(cell_for(unit.helpers[v]) if v in unit.helpers else unit.closure[v]
                          for v in code.co_freevars)
            fn = types.FunctionType(code, unit.user_fn.__globals__, name, None, cells)
            if not name.startswith("backward_"):
                fn.__defaults__ = unit.user_fn.__defaults__
                fn.__kwdefaults__ = unit.user_fn.__kwdefaults__
            fn.__qualname__ = name
            fn.__sourcegrad_generated__ = True
            ref.function = fn
            built.append(ref)
    for ref in built:
        if id(ref) in ref_cells:
            ref_cells[id(ref)].cell_contents = ref.function
    return filename


def _register_user_lines(filename: str, codes: dict, user_lines: dict) -> None:
    """Turn each function's user lines, counted from its ``def``, into lines of the file
    (where each ``def`` landed is its code object's first line)."""
    for name, lines in user_lines.items():
        first = codes[name].co_firstlineno
        register_user_lines(filename, {first + n - 1: line for n, line in lines.items()})


class UserContext:
    """What generated code needs of the user's function -- its globals, closure cells and
    defaults -- without keeping the function itself alive (the cache must not)."""

    def __init__(self, fn):
        self.__globals__ = fn.__globals__
        self.__defaults__ = fn.__defaults__
        self.__kwdefaults__ = fn.__kwdefaults__
        self.__code__ = fn.__code__
        self.__closure__ = fn.__closure__


def load_function(text: str, label: str, name: str, factory: str, helpers: dict, user_fn,
                  siblings: tuple = (), user_lines=None):
    """Compile ``text`` (one factory ``factory`` holding function ``name``) and return the
    function, bound to ``helpers`` and to the user function's globals and closure cells
    (``user_fn``: the function or its ``UserContext``). ``siblings`` are functions of the same
    factory that ``name`` calls: they are bound first, from the same compiled text.
    ``user_lines``: function name -> {line of its text: the user line it runs}."""
    filename = register_source(text, label)
    module_code = compile(text, filename, "exec")
    factories = {c.co_name: c for c in module_code.co_consts if isinstance(c, types.CodeType)}
    inner = {c.co_name: c for c in factories[factory].co_consts
             if isinstance(c, types.CodeType)}
    _register_user_lines(filename, inner, user_lines or {})
    helpers = dict(helpers)
    for sibling in siblings:
        helpers[sibling] = _bind(inner[sibling], sibling, helpers, user_fn)
    return _bind(inner[name], name, helpers, user_fn)


def _bind(code, name: str, helpers: dict, user_fn):
    closure = dict(zip(user_fn.__code__.co_freevars, user_fn.__closure__ or ()))
    cells = []
    for var in code.co_freevars:
        if var in helpers and helpers[var] is not CLOSURE:
            obj = helpers[var]
            if isinstance(obj, GeneratedRef):
                obj = obj.function
            cells.append(types.CellType(obj))
        else:
            cells.append(closure[var])
    fn = types.FunctionType(code, user_fn.__globals__, name, None, tuple(cells))
    fn.__defaults__ = user_fn.__defaults__
    fn.__kwdefaults__ = user_fn.__kwdefaults__
    fn.__qualname__ = name
    fn.__sourcegrad_generated__ = True
    return fn
