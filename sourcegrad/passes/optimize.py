"""Pass 6: cleanup of the assembled gradient function.

Dead-code elimination: a generated statement whose result nothing reads is removed (template
preludes no input needed, adjoints of values that fed only dead ends). User statements with
calls are kept -- they may have effects -- but pure forward temporaries nothing reads go too.
"""
from __future__ import annotations

import gast

from . import nodes

_PURE = (gast.Name, gast.Constant, gast.BinOp, gast.UnaryOp, gast.Subscript, gast.Attribute,
         gast.Compare, gast.Tuple, gast.List)


def _removable(stmt) -> bool:
    if not isinstance(stmt, gast.Assign):
        return False
    if not all(isinstance(n, gast.Name) for t in stmt.targets for n in _target_names(t)):
        return False
    if getattr(stmt, "sg_generated", False):
        return True
    return isinstance(stmt.value, _PURE) and not any(
        isinstance(n, gast.Call) for n in gast.walk(stmt.value))


def _target_names(target):
    if isinstance(target, (gast.Tuple, gast.List)):
        for e in target.elts:
            yield from _target_names(e)
    else:
        yield target


def eliminate_dead_code(body: list, live: set[str]) -> list:
    """Remove assignments to names never read afterwards (``live``: read after ``body``)."""
    kept = []
    live = set(live)
    for stmt in reversed(body):
        if nodes.is_comment(stmt):
            kept.append(stmt)
            continue
        if isinstance(stmt, gast.Assign) and _removable(stmt):
            names = {n.id for t in stmt.targets for n in _target_names(t)}
            if not names & live:
                continue
            live -= names
        elif isinstance(stmt, (gast.For, gast.While, gast.If)):
            # nested blocks are kept whole; everything they read stays live
            live |= {n.id for n in gast.walk(stmt) if isinstance(n, gast.Name)}
            kept.append(stmt)
            continue
        live |= set(nodes.loaded_names(stmt))
        kept.append(stmt)
    kept.reverse()
    return _drop_orphan_comments(kept)


def _drop_orphan_comments(body: list) -> list:
    """A comment followed directly by another comment (or nothing) lost its code."""
    out = []
    for i, stmt in enumerate(body):
        if nodes.is_comment(stmt) and not getattr(stmt, "sg_section", False):
            nxt = body[i + 1] if i + 1 < len(body) else None
            if nxt is None or nodes.is_comment(nxt):
                continue
        out.append(stmt)
    return out
