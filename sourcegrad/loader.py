"""Pass 8: compile generated source so tracebacks, pdb and inspect see it.

The text is registered in ``linecache`` under a unique pseudo-filename, compiled, and the
gradient function is built from its code object with the *user's* globals, so module-level
values are read at run time exactly as the user's function reads them. Runtime helpers and the
user's closure variables arrive as closure cells (the generated text wraps the gradient in a
``def`` whose parameters name them); the user's own cells are shared, not copied.
"""
from __future__ import annotations

import itertools
import linecache
import threading
import types

_counter = itertools.count(1)
_lock = threading.Lock()


def register_source(text: str, label: str) -> str:
    with _lock:
        filename = f"<sourcegrad-{next(_counter)}: {label}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    return filename


def load(text: str, label: str, fn_name: str, user_fn, helpers: dict) -> types.FunctionType:
    """Compile ``text`` and return its inner function ``fn_name`` bound to ``user_fn``'s world."""
    filename = register_source(text, label)
    module_code = compile(text, filename, "exec")
    factory = next(c for c in module_code.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in factory.co_consts
                 if isinstance(c, types.CodeType) and c.co_name == fn_name)
    user_cells = dict(zip(user_fn.__code__.co_freevars, user_fn.__closure__ or ()))
    cells = []
    for name in inner.co_freevars:
        if name in helpers:
            cells.append(types.CellType(helpers[name]))
        else:
            cells.append(user_cells[name])
    fn = types.FunctionType(inner, user_fn.__globals__, fn_name, user_fn.__defaults__,
                            tuple(cells))
    fn.__kwdefaults__ = user_fn.__kwdefaults__
    return fn
