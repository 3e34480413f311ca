"""Structured SSA: the one representation the analyses, the AD transforms and the optimizer share.

A :class:`Function` is a :class:`Block` of statements. Every value is a :class:`Var`, defined
exactly once; operands are *atoms*: a ``Var``, a :class:`Const` (a Python literal) or a
:class:`Free` name (a global or closure value of the user's function, read at run time).

Statements are of three kinds:

* :class:`Op` -- one operation: ``outs = head(args, kwargs)``. ``kind`` says what it is
  (``"call"``, ``"binop"``, ``"getitem"``, ``"setitem"``, ``"tuple"``, ...); calls carry the
  resolved callee and, when it has a derivative rule, the *binding* of their operands to the
  rule's parameters (``rules/binding.py``), made once by the front end and read by every pass.
  Writes are functional: ``y2 = setitem(y1, i, v)`` makes a new value; the code generator decides
  whether the write may happen in place.
* :class:`If` -- ``outs = if cond then <block> else <block>``; each branch block ends by
  *yielding* one atom per output (the phi nodes of textbook SSA).
* :class:`Loop` -- a ``for`` over a ``range`` or a ``while``. ``params`` are the values carried
  from one iteration to the next (``inits`` before the first); the body yields their next
  values; ``outs`` are their values after the loop. ``brk`` is the atom, computed in the body,
  that ends the loop after the iteration (``break``, already moved to the end of the body by the
  front end).

A ``Var`` is visible after its definition in its own block and in the blocks nested there,
never outside: values that leave a region leave through its outputs. ``verify.py`` checks this.
Every statement remembers the user's statement it came from (``origin``) for comments in the
generated code and for error messages.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from ..tracebacks import UserLine

_ids = itertools.count(1)


class Var:
    """A value, defined once. ``hint`` is the readable base of its name in generated code
    (the user's variable name, or what the operation computes); ``user`` marks names the user
    chose, which the printer keeps when it can."""

    __slots__ = ("hint", "id", "user")

    def __init__(self, hint: str, user: bool = False):
        self.id = next(_ids)
        self.hint = hint
        self.user = user

    def __repr__(self) -> str:
        return f"%{self.hint}.{self.id}"


class Const:
    """A Python literal: None, bool, int, float, str, Ellipsis, or a tuple of those."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def key(self):
        return (type(self.value), self.value)

    def __eq__(self, other):
        return isinstance(other, Const) and type(other.value) is type(self.value) and \
            _same_literal(other.value, self.value)

    def __hash__(self):
        return hash((type(self.value), repr(self.value)))

    def __repr__(self) -> str:
        return repr(self.value)


def _same_literal(a, b) -> bool:
    if isinstance(a, float) and a != a:
        return b != b
    return a == b


class _Unbound:
    """The value of a name on a path where it was never assigned (reading it raises, as in
    Python); it appears only as one side of a region's output."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unbound>"


UNBOUND = _Unbound()


class Free:
    """A name of the user's function that is not a local: a global, a closure variable or a
    dotted path through modules (``np.pi``). It is read when the generated code runs."""

    __slots__ = ("path",)

    def __init__(self, path: str):
        self.path = path

    def __eq__(self, other):
        return isinstance(other, Free) and other.path == self.path

    def __hash__(self):
        return hash(("free", self.path))

    def __repr__(self) -> str:
        return f"${self.path}"


class Ref:
    """An object known now that the generated code needs (a runtime helper, numpy itself, a
    constant of a rule): printed by the name the code generator binds it to."""

    __slots__ = ("hint", "obj")

    def __init__(self, obj, hint: str):
        self.obj = obj
        self.hint = hint

    def __eq__(self, other):
        return isinstance(other, Ref) and other.obj is self.obj

    def __hash__(self):
        return hash(("ref", id(self.obj)))

    def __repr__(self) -> str:
        return f"&{self.hint}"


Atom = Any  # Var | Const | Free | Ref | UNBOUND


@dataclass(eq=False)
class Origin:
    """Where a statement comes from: the user's statement node and its ``SourceInfo``."""

    info: Any
    node: Any
    role: str = ""  # "grad": an adjoint statement, commented ``# grad of: <line>``; "tangent":
    # forward mode's derivative of the line, printed with the line's own statements
    at: Any = None  # the expression within the statement, for errors that point at it

    @property
    def line(self) -> str:
        return self.info.line_of(self.node)

    def as_role(self, role: str) -> Origin:
        return Origin(self.info, self.node, role, self.at)

    @property
    def heading(self) -> str:
        """The role as far as comments go: a tangent shares its line's comment."""
        return "" if self.role == "tangent" else self.role

    def location(self):
        return self.info.locate(self.at if self.at is not None else self.node)

    def user_line(self) -> UserLine | None:
        """The user's statement as a traceback names it (None for code with no user line)."""
        lineno = getattr(self.node, "lineno", None)
        text = self.line if lineno else ""
        if not text:
            return None
        info = self.info
        return UserLine(info.filename, info.first_line + lineno - 1, text, info.name, self.role)

    def error(self, message: str, hint: str = ""):
        return self.info.error(self.at if self.at is not None else self.node, message, hint)


class Stmt:
    __slots__ = ("origin",)


class Op(Stmt):
    """``outs = kind/prim(args, kwargs)``.

    kinds and their fields:

    ========== ===================================================================
    call       ``prim`` the callee object; ``method`` the method name when written
               ``x.m(...)`` (``args[0]`` is ``x``); ``fn`` the callee's printed form
    user       a call of a user function with source (``prim``), split by the AD pass
    binop      ``prim`` the gast operator class; two args
    unary      ``prim`` the gast operator class; one arg
    compare    ``prim`` a tuple of gast comparison classes; the operands in order
    getattr    ``prim`` the attribute name; one arg
    getitem    ``args = (value, index)``
    setitem    ``args = (value, index, item)``; the output is the new value
    tuple/list ``args`` the elements
    dict       ``prim`` the tuple of keys (literals); ``args`` the values
    slice      ``args = (lower, upper, step)``
    unpack     ``args = (value,)``; one output per element
    append     ``args = (list, item)``; the output is the new list
    extend     ``args = (list, items)``
    pop        ``args = (list,)``; ``outs = (item, new list)``
    opaque     ``prim`` a gast expression whose free names are ``args`` (f-strings, lambdas,
               sets): evaluated as written, never differentiated
    assert     ``args = (test, message)``; no output
    ========== ===================================================================
    """

    __slots__ = ("args", "binding", "fn", "kind", "kwargs", "method", "outs", "prim", "pure")

    def __init__(self, outs, kind: str, prim=None, args=(), kwargs=(), *, method=None, fn=None,
                 binding=None, pure: bool = True, origin=None):
        self.outs = list(outs)
        self.kind = kind
        self.prim = prim
        self.args = list(args)
        self.kwargs = list(kwargs)  # [(name, atom)]
        self.method = method
        self.fn = fn
        self.binding = binding
        self.pure = pure
        self.origin = origin

    @property
    def out(self) -> Var | None:
        return self.outs[0] if self.outs else None

    def operands(self) -> list:
        return self.args + [a for _, a in self.kwargs]

    def __repr__(self) -> str:
        outs = ", ".join(map(repr, self.outs))
        args = ", ".join([repr(a) for a in self.args] + [f"{k}={a!r}" for k, a in self.kwargs])
        head = self.kind if self.prim is None else f"{self.kind}[{_label(self.prim)}]"
        return f"{outs} = {head}({args})"


def _label(prim) -> str:
    if isinstance(prim, type):
        return prim.__name__
    return getattr(prim, "__name__", None) or repr(prim)


@dataclass(eq=False)
class Block:
    """Statements, then the atoms the block hands to its region's outputs."""

    stmts: list = field(default_factory=list)
    yields: list = field(default_factory=list)


class If(Stmt):
    __slots__ = ("cond", "orelse", "outs", "then")

    def __init__(self, cond, then: Block, orelse: Block, outs, origin=None):
        self.cond = cond
        self.then = then
        self.orelse = orelse
        self.outs = list(outs)
        self.origin = origin

    def blocks(self):
        return (self.then, self.orelse)

    def __repr__(self) -> str:
        return f"{', '.join(map(repr, self.outs))} = if {self.cond!r}"


class Loop(Stmt):
    """``for index in range(*bounds)`` (``kind == "range"``), the same range backwards
    (``"reversed"``, the backward sweep's loops) or ``while`` (the ``header`` block computes
    the test from the carried values and yields it)."""

    __slots__ = ("body", "bounds", "brk", "header", "index", "inits", "kind", "outs", "params")

    def __init__(self, kind: str, params, inits, body: Block, outs, *, bounds=(), index=None,
                 header: Block | None = None, brk=None, origin=None):
        self.kind = kind
        self.bounds = list(bounds)
        self.index = index
        self.params = list(params)
        self.inits = list(inits)
        self.header = header
        self.body = body
        self.brk = brk
        self.outs = list(outs)
        self.origin = origin

    def blocks(self):
        return (self.header, self.body) if self.header is not None else (self.body,)

    def __repr__(self) -> str:
        return f"{', '.join(map(repr, self.outs))} = loop[{self.kind}]"


@dataclass(eq=False)
class Function:
    """A function: parameters (with the user's names, kinds and defaults), a body whose
    ``yields`` are the returned atoms (one for a plain function)."""

    name: str
    params: list  # [Var]
    body: Block
    signature: Any = None  # the user function's ast arguments node, for printing the def
    info: Any = None  # SourceInfo of the user function
    doc: str = ""
    #: pairs of values that are best printed under one name when their lives allow it (a value
    #: popped from a stack and the forward value it restores)
    share: list = field(default_factory=list)
    #: parameters whose objects belong to this function (a split helper's tape): it may write
    #: into them; every other parameter is the caller's
    owned: set = field(default_factory=set)
    #: large arrays whose memory the printed code gives back (``del``) right after their last
    #: read (set for a specialization by ``opt/reuse.py``)
    release: set = field(default_factory=set)
