"""The symbolic state of every adjoint while the backward sweep is being built.

For each variable the compiler knows, at each point of the backward sweep, one of:

* *zero* -- nothing reached it yet: no code exists for it, and the first contribution assigns;
* *live* -- an expression holds it (its adjoint variable ``dx``, a constant, or another
  adjoint's name when it could be shared without a copy);
* *maybe* -- after a branch or loop where only some paths contributed: ``dx`` holds an array
  or ``None`` at run time, and code that reads it checks ``dx is not None`` first.

It also knows which adjoints are *owned*: fresh arrays of the variable's full shape that nothing
else refers to, which may therefore be updated in place (``dx[i] += g``).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import gast

from .. import runtime_flow
from . import nodes


@dataclass
class State:
    live: dict = field(default_factory=dict)  # variable -> expression (absent: zero)
    maybe: set = field(default_factory=set)  # variables whose adjoint may be None
    owned: set = field(default_factory=set)  # variables whose adjoint is an owned buffer
    # var -> (expression, its structure): loops compare states often, copies keep the answers
    shapes: dict = field(default_factory=dict, repr=False, compare=False)

    def copy(self) -> State:
        live = {k: nodes.clone(v) for k, v in self.live.items()}
        known = {var: (live[var], structure) for var, (expr, structure) in self.shapes.items()
                 if self.live.get(var) is expr}
        return State(live, set(self.maybe), set(self.owned), known)

    def key(self, var: str):
        """A comparable summary of one variable's state."""
        expr = self.live.get(var)
        if expr is None:
            structure = None
        else:
            known = self.shapes.get(var)
            if known is not None and known[0] is expr:
                structure = known[1]
            else:
                structure = nodes.structure(expr)
                self.shapes[var] = (expr, structure)
        return (structure, getattr(expr, "sg_like", None), var in self.maybe, var in self.owned)

    def variables(self) -> set:
        return set(self.live)


class AdjointStates:
    """Mixin for the reverse transform: adjoint names, accumulation, and merging of states."""

    def _init_states(self, namer, reassigned: set[str]):
        self.namer = namer
        self.reassigned = reassigned
        self.state = State()
        self.names: dict[str, str] = {}
        self.containers: set[str] = set()  # variables that may hold lists, tuples or dicts
        self.scattered: set[str] = set()  # adjoints scattered into (x[i]) in the current loop

    # -- names and reads ------------------------------------------------------------------------
    def adjoint_name(self, var: str) -> str:
        if var not in self.names:
            self.names[var] = self.namer.fresh("d" + var.lstrip("_"))
        return self.names[var]

    def adjoint(self, var: str):
        return self.state.live.get(var)

    def is_maybe(self, var: str) -> bool:
        return var in self.state.maybe

    def consume(self, var: str) -> None:
        """``var`` was just (re)defined: the value before it has an adjoint of its own."""
        self.state.live.pop(var, None)
        self.state.maybe.discard(var)
        self.state.owned.discard(var)

    # -- writes -----------------------------------------------------------------------------------
    def accumulate(self, var: str, contribution, out: list, maybe_none: bool = False) -> None:
        """Add ``contribution`` to the adjoint of ``var``, emitting as little code as possible.

        ``maybe_none``: the contribution may be None at run time (an entry of a container
        adjoint). Containers, and such contributions, add through the None-aware ``plus``.
        """
        state = self.state
        current = state.live.get(var)
        if maybe_none or var in self.containers:
            contribution = self.materialized(contribution)
            name = self.adjoint_name(var)
            if current is None:
                out.append(nodes.assign(name, contribution))
            else:
                out.append(nodes.assign(name, nodes.call(self.runtime(runtime_flow.plus, "plus"),
                                                         current, contribution)))
            state.live[var] = nodes.load(name)
            state.owned.discard(var)
            if maybe_none or var in state.maybe:
                state.maybe.add(var)
            return
        if current is None and self._shareable(contribution):
            state.live[var] = contribution
            state.owned.discard(var)
            return
        name = self.adjoint_name(var)
        like = _like(contribution)
        if current is None:
            out.append(nodes.assign(name, contribution))
            state.owned.discard(var)
            state.live[var] = _tagged(nodes.load(name), like)
            return
        if like is not None and _like(current) != like:
            contribution = self.materialized(contribution) if current is None else contribution
            like = None
        if like is not None:  # lazy + lazy of the same shape stays a lazy number
            out.append(nodes.assign(name, nodes.binop(current, gast.Add(), contribution)))
            state.live[var] = _tagged(nodes.load(name), like)
            return
        if var in state.maybe:
            test = gast.Compare(left=nodes.load(name), ops=[gast.Is()],
                                comparators=[nodes.const(None)])
            total = nodes.binop(nodes.load(name), gast.Add(), nodes.clone(contribution))
            out.append(nodes.assign(name, gast.IfExp(test=test, body=contribution, orelse=total)))
            state.maybe.discard(var)
            state.owned.discard(var)
        elif var in state.owned and _is_name(current, name):
            out.append(gast.AugAssign(target=nodes.store(name), op=gast.Add(),
                                      value=contribution))
        else:
            out.append(nodes.assign(name, nodes.binop(current, gast.Add(), contribution)))
            state.owned.discard(var)
        state.live[var] = nodes.load(name)

    def set_owned(self, var: str, value, out: list) -> None:
        """Bind the adjoint of ``var`` to a fresh full-shape array (``value`` allocates it)."""
        self.scattered.add(var)
        name = self.adjoint_name(var)
        out.append(nodes.assign(name, value))
        self.state.live[var] = nodes.load(name)
        self.state.maybe.discard(var)
        self.state.owned.add(var)

    def _shareable(self, node) -> bool:
        """A contribution bound without a copy: constants, and adjoints that never change."""
        if isinstance(node, gast.Constant):
            return True
        if isinstance(node, gast.Name):
            owner = next((v for v, n in self.names.items() if n == node.id), None)
            return owner is not None and owner not in self.reassigned
        return False

    # -- joins ------------------------------------------------------------------------------------
    def settle(self, var: str, target: State, out: list) -> None:
        """Emit code that brings ``var`` from the current state to its state in ``target``."""
        want = target.live.get(var)
        have = self.state.live.get(var)
        name = self.adjoint_name(var)
        if want is None:
            return
        if have is None:
            out.append(nodes.assign(name, nodes.const(None)))
        elif _like(have) is not None and _like(have) != _like(want):
            out.append(nodes.assign(name, self.materialized(have)))
        elif not _is_name(have, name):
            out.append(nodes.assign(name, have))

    def join(self, states: list[State], variables) -> State:
        """The state after control flow merges ``states`` (per variable, the weakest)."""
        merged = State()
        for var in variables:
            keys = {s.key(var) for s in states}
            if len(keys) == 1:
                first = states[0]
                if var in first.live:
                    merged.live[var] = nodes.clone(first.live[var])
                    if var in first.maybe:
                        merged.maybe.add(var)
                    if var in first.owned:
                        merged.owned.add(var)
                continue
            name = self.adjoint_name(var)
            likes = {_like(s.live.get(var)) for s in states}
            merged.live[var] = _tagged(nodes.load(name), likes.pop() if len(likes) == 1 else None)
            if any(var not in s.live or var in s.maybe for s in states):
                merged.maybe.add(var)
            if all(var in s.owned for s in states):
                merged.owned.add(var)
        return merged


def _like(node):
    return getattr(node, "sg_like", None) if node is not None else None


def _tagged(node, like):
    if like is not None:
        node.sg_like = like
    return node


def _is_name(node, name: str) -> bool:
    return isinstance(node, gast.Name) and node.id == name


def touched(before: State, after: State) -> set:
    return {v for v in before.variables() | after.variables() if before.key(v) != after.key(v)}


__all__ = ["AdjointStates", "State", "copy", "touched"]
