"""The adjoint environment of the reverse transform: what each value's adjoint is so far.

An adjoint is *zero* (absent: no code, no allocation; the first contribution just binds), an
atom, or -- for a container whose entries are reached by constant keys (``t[1]``, ``a, b = t``)
-- a :class:`Sparse` map from key to adjoint, so ``t = (x, y); s = t[0]`` gives ``x`` the adjoint
of ``s`` with no container built at run time. Contributions are added with a new value each
time (the IR is functional); the adjoint of an item read (``x[i]``) is added into the entries of
the adjoint so far (``with_item_adjoint``), which the generated code does in place where nothing
else reads it (``clear_item`` and ``add_item_adjoint``, the in-place twins: ``ir/callees.py``).
"""
from __future__ import annotations

import gast

from .. import runtime_adjoints as rt
from ..ir.build import Builder, ref
from ..ir.core import Const, Var

CONTAINER_KINDS = ("list", "tuple", "dict")


class Sparse:
    """The adjoint of a container, entry by entry (constant keys only)."""

    __slots__ = ("entries",)

    def __init__(self, entries: dict):
        self.entries = entries


class Adjoints:
    """Maps forward Vars to their adjoints; emits the code that accumulates them."""

    def __init__(self, activity, kinds, primal_values=frozenset()):
        self.act = activity
        self.kinds = kinds
        self.primal_values = primal_values  # (their names are the user's, never renamed)
        self.env: dict = {}
        self.builder: Builder | None = None

    # -- reading -----------------------------------------------------------------------------
    def get(self, var):
        return self.env.get(var) if var.__class__ is Var else None

    def atom(self, var):
        """The adjoint of ``var`` as one atom (a container's adjoint built if Sparse), or
        None when it is zero."""
        value = self.get(var)
        if value is None or value.__class__ is not Sparse:
            return value
        return self.materialize(var, value)

    def dense(self, var):
        """The adjoint of a sequence-valued ``var`` with every entry present (zeros where
        nothing arrived), for a rule to read; None when it is zero."""
        value = self.get(var)
        if value is None:
            return None
        return self.call(rt.filled_adjoint, [self.atom(var), var], "d" + var.hint)

    def materialize(self, var, sparse: Sparse):
        keys = tuple(sparse.entries)
        values = self.builder.op("tuple", None, [sparse.entries[k] for k in keys],
                                 hint="parts")
        return self.call(rt.sparse_adjoint, [var, Const(keys), values], "d" + var.hint)

    def zero(self, var):
        return self.call(rt.zero_adjoint, [var], "d" + var.hint)

    def value_or_zero(self, var):
        atom = self.atom(var)
        return self.zero(var) if atom is None else atom

    # -- contributing ------------------------------------------------------------------------
    def contribute(self, var, value) -> None:
        """Add ``value`` (an atom or a Sparse) to the adjoint of ``var``."""
        if var.__class__ is not Var or value is None or not self.act.active(var):
            return
        if value.__class__ is Var and not value.user and value not in self.primal_values:
            value.hint = "d" + var.hint  # the adjoint of x is called dx
        old = self.env.get(var)
        if old is None:
            self.env[var] = value
            return
        if old.__class__ is Sparse and value.__class__ is Sparse:
            entries = dict(old.entries)
            for key, v in value.entries.items():
                entries[key] = v if key not in entries else self.add_atoms(
                    entries[key], v, "d" + var.hint, container=None)
            self.env[var] = Sparse(entries)
            return
        a = self.materialize(var, old) if old.__class__ is Sparse else old
        b = self.materialize(var, value) if value.__class__ is Sparse else value
        self.env[var] = self.add_atoms(a, b, "d" + var.hint, container=self.kinds.get(var))

    def contribute_item(self, var, index, g) -> None:
        """Add the adjoint ``g`` of ``var[index]`` (``var`` an array): into the entries of the
        adjoint so far, which the generated code may do in place (a loop over items then costs
        per item, not per array) -- or, for the first contribution, scattered into zeros."""
        if g is None or not self.act.active(var):
            return
        old = self.env.get(var)
        hint = "d" + var.hint
        if old is None or old.__class__ is Sparse or self.kinds.get(var) not in (None, "array"):
            self.contribute(var, self.call(rt.item_adjoint, [g, var, index], hint))
            return
        self.env[var] = self.call(rt.with_item_adjoint, [old, var, index, g], hint)

    def add_atoms(self, a, b, hint, container):
        """``a + b``: numbers and arrays add; containers (and values that may be either)
        add entry by entry at run time."""
        if container is None or container == "array":
            return self.builder.binop(gast.Add, a, b, hint)
        return self.call(rt.add_adjoints, [a, b], hint)

    def call(self, fn, args, hint, outs=1):
        if outs != 1:
            return self.builder.op("call", fn, args, hint=hint, outs=outs)
        return self.builder.call(fn, args, hint=hint)

    def is_container(self, var) -> bool:
        return self.kinds.get(var) in CONTAINER_KINDS


__all__ = ["CONTAINER_KINDS", "Adjoints", "Sparse", "ref"]
