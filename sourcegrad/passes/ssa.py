"""Pass 3b: give every re-bound straight-line variable a new name (``x = x * 2`` -> ``x_1``).

The backward sweep reads forward values; if ``x`` were rebound, the adjoint of an earlier
statement would read the wrong ``x``. Renaming costs nothing at run time (no copies), unlike
saving old values. Only variables bound at the top level of the function are renamed; those
also bound inside loops or branches keep their name and are saved on a stack by the control
flow transform when the backward sweep needs their old values.
"""
from __future__ import annotations

import gast

from . import nodes
from .naming import Namer


def _bound_in(stmts, top: bool, acc: dict):
    for stmt in stmts:
        nested = not top
        if isinstance(stmt, (gast.For, gast.While, gast.If)):
            if isinstance(stmt, gast.For):
                for n in nodes.walk(stmt.target):
                    if isinstance(n, gast.Name):
                        acc.setdefault(n.id, set()).add("nested")
            _bound_in(stmt.body, False, acc)
            _bound_in(stmt.orelse, False, acc)
            _bound_in(getattr(stmt, "sg_test_prelude", []), False, acc)
            continue
        for node in nodes.walk(stmt):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                acc.setdefault(node.id, set()).add("nested" if nested else "top")
            elif isinstance(node, (gast.Lambda, gast.FunctionDef)) and node is not stmt:
                pass


def rename(fn_node: gast.FunctionDef, namer: Namer) -> set[str]:
    """Rename in place; return the variables that are still bound more than once."""
    bound: dict[str, set] = {}
    _bound_in(fn_node.body, True, bound)
    params = {a.id for a in fn_node.args.args + fn_node.args.kwonlyargs + fn_node.args.posonlyargs}
    for extra in (fn_node.args.vararg, fn_node.args.kwarg):
        if extra is not None:
            params.add(extra.id)
    eligible = {name for name, where in bound.items() if where == {"top"}}
    current = {name: name for name in params}
    renamed_vars: set[str] = set()

    def load_rename(node):
        for n in nodes.walk(node):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in eligible:
                n.id = current.get(n.id, n.id)

    for stmt in fn_node.body:
        if isinstance(stmt, gast.Assign):
            load_rename(stmt.value)
            for target in stmt.targets:
                for n in nodes.walk(target):
                    if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                        if n.id in eligible:
                            if n.id in current:
                                new = namer.fresh(n.id)
                                renamed_vars.add(n.id)
                                current[n.id] = new
                                n.id = new
                            else:
                                current[n.id] = n.id
                    elif isinstance(n, gast.Name):
                        load_rename(n)
                    elif isinstance(n, gast.Subscript):
                        load_rename(n.slice)
        else:
            load_rename(stmt)
    multiple = {name for name, where in bound.items() if "nested" in where}
    multiple |= {p for p in params if p in bound and p not in eligible}
    return multiple
