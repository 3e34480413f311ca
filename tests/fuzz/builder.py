"""The generator's live environment: every statement is executed as soon as it is written.

Knowing the actual values while writing lets the generator choose operations a careful numpy
user would: ``np.log`` only of values that are positive, division only by values away from 0,
``np.abs``/``np.maximum``/branch thresholds only where no entry sits near the kink, shapes that
broadcast. A statement whose execution fails or leaves a value that is non-finite or large is
thrown away and another one is drawn.
"""
from __future__ import annotations

import ast
import itertools
import random
import re

import numpy as np

LIMIT = 40.0       # largest magnitude any generated value may have: keeps FD well conditioned
MAX_SIZE = 24      # largest array a statement may create
KINK_MARGIN = 0.05  # distance every kink (abs at 0, a max's tie, a branch threshold) keeps
_NAME = re.compile(r"\b[A-Za-z_]\w*\b")
INDENT = "    "


class Rejected(Exception):
    """The statement being built does not fit the live values; draw another."""


def is_float_value(v) -> bool:
    """A value that carries a gradient in the generated code: float arrays and numbers."""
    if isinstance(v, bool):
        return False
    if isinstance(v, float):
        return True
    if isinstance(v, (np.ndarray, np.floating)):
        return v.dtype.kind == "f"
    return False


def is_scalar(v) -> bool:
    return is_float_value(v) and np.ndim(v) == 0


def is_python_scalar(v) -> bool:
    """A number ``math`` functions take as users expect (a Python float or numpy scalar)."""
    return isinstance(v, (float, np.floating)) and not isinstance(v, np.ndarray)


def value_ok(v) -> bool:
    """Finite, moderate, small: what every generated value must be."""
    if isinstance(v, (list, tuple)):
        return all(value_ok(e) for e in v)
    if isinstance(v, dict):
        return all(value_ok(e) for e in v.values())
    if is_float_value(v):
        a = np.asarray(v)
        return 1 <= a.size <= MAX_SIZE and a.ndim <= 3 and bool(np.all(np.isfinite(a))) and \
            bool(np.all(np.abs(a) <= LIMIT))
    return True


def away_from(v, point: float, margin: float = KINK_MARGIN) -> bool:
    return bool(np.all(np.abs(np.asarray(v, dtype=float) - point) > margin))


def names_in(text: str) -> set[str]:
    return set(_NAME.findall(text))


def literal(rng: random.Random, low: float = 0.2, high: float = 2.0, signed=True) -> str:
    value = round(rng.uniform(low, high), rng.choice([1, 1, 2]))
    if signed and rng.random() < 0.35:
        value = -value
    return repr(value)


class Ctx:
    """One function body being written (f itself, a helper, a branch, a loop body).

    ``env`` holds the live values of the locals, ``globals`` the module namespace (imports,
    constants, helpers already written). ``owned`` are arrays the function created itself,
    bound to no other name: the only ones the generator writes into (the compiler refuses a
    write into an array another variable shares, and a write into a parameter would change
    the caller's array). ``active`` are names that depend on a differentiated parameter.
    """

    def __init__(self, rng: random.Random, globals_: dict, env: dict, active=(), counter=None,
                 categories=None, constants=None):
        self.rng = rng
        self.globals = globals_
        self.env = dict(env)
        self.lines: list[str] = []
        self.owned: set[str] = set()
        self.active: set[str] = set(active)
        self.unread: list[str] = []    # assigned and not read since: terms for the return
        self.counter = counter if counter is not None else itertools.count(1)
        self.categories = categories if categories is not None else set()
        self.constants = constants if constants is not None else []  # module-level lines
        self.depth = 0                 # nesting of compound statements being written
        self.returns_early = False

    # -- names ---------------------------------------------------------------------------
    def fresh(self, prefix: str) -> str:
        while True:
            name = f"{prefix}{next(self.counter)}"
            if name not in self.env and name not in self.globals:
                return name

    def float_names(self, pred=None) -> list[str]:
        return [n for n, v in self.env.items()
                if is_float_value(v) and (pred is None or pred(v))]

    def pick(self, pred=None, prefer_active: float = 0.8) -> str | None:
        """A float variable, preferring ones that depend on a differentiated parameter and
        ones written recently."""
        names = self.float_names(pred)
        if not names:
            return None
        active = [n for n in names if n in self.active]
        pool = active if active and self.rng.random() < prefer_active else names
        recent = [n for n in self.unread if n in pool]
        if recent and self.rng.random() < 0.5:
            return self.rng.choice(recent[-3:])
        return self.rng.choice(pool)

    def pick_other(self, first: str, pred=None) -> str | None:
        names = [n for n in self.float_names(pred) if n != first]
        if not names:
            return None
        active = [n for n in names if n in self.active]
        return self.rng.choice(active if active and self.rng.random() < 0.7 else names)

    def value(self, text: str):
        """Evaluate an expression over the live values (raises Rejected if it fails)."""
        try:
            with np.errstate(all="raise", under="ignore"):
                return eval(text, self.namespace())
        except Exception as err:
            raise Rejected(f"{text}: {err}") from None

    def namespace(self) -> dict:
        ns = dict(self.globals)
        ns.update(self.env)
        return ns

    # -- statements ------------------------------------------------------------------------
    def run(self, lines: list[str], probe: list[str] | None = None) -> dict:
        """Execute ``lines`` over a copy of the live values; return the new locals."""
        text = "\n".join(probe if probe is not None else lines)
        ns = self.namespace()
        before = set(ns)
        try:
            with np.errstate(all="raise", under="ignore"):
                exec(compile(text, "<generated>", "exec"), ns)  # noqa: S102
        except Exception as err:
            raise Rejected(f"{text!r}: {err}") from None
        env = {k: ns[k] for k in ns
               if k in self.env or (k not in before and not k.startswith("__"))}
        for k, v in env.items():
            if k.startswith("_probe"):
                continue  # what a probe run records for the generator
            if (k not in self.env or v is not self.env[k]) and not value_ok(v):
                raise Rejected(f"{k} out of range")
        return env

    def emit(self, lines: list[str], targets=(), owned=None,
             probe: list[str] | None = None) -> dict:
        """Run ``lines``; if they work, keep them and their effect on the live values.

        ``owned``: the targets that are now arrays nobody else shares; by default inferred
        for a single ``name = <fresh array expression>`` line."""
        env = self.run(lines, probe)
        text = "\n".join(lines)
        read = names_in(text)
        self.unread = [n for n in self.unread if n not in read or n in targets]
        depends = bool(read & self.active)
        if owned is None:
            owned = fresh_targets(text)
        self.owned -= possibly_shared(text)
        for t in targets:
            if depends:
                self.active.add(t)
            if t in self.unread:
                self.unread.remove(t)
            if is_float_value(env.get(t)):
                self.unread.append(t)
            self.owned.discard(t)
        self.owned.update(t for t in owned if is_float_value(env.get(t)))
        self.env = env
        self.lines.extend(lines)
        return env

    def disown_read(self, text: str) -> None:
        """Names that may now share their array with another binding are no longer written."""
        self.owned -= names_in(text)

    def child(self, env=None) -> Ctx:
        """A context for a nested block (branch, loop body) over a copy of the live values."""
        c = Ctx(self.rng, self.globals, self.env if env is None else env, self.active,
                self.counter, self.categories, self.constants)
        c.owned = set(self.owned)
        c.unread = list(self.unread)
        c.depth = self.depth + 1
        return c

    def add_constant(self, prefix: str, value: np.ndarray) -> str:
        """A module-level constant array (users keep weights at module level too)."""
        name = f"{prefix}{next(self.counter)}"
        text = f"{name} = np.array({np.round(value, 2).tolist()!r})"
        exec(text, self.globals)  # noqa: S102
        self.constants.append(text)
        return name

    def add_module_code(self, text: str) -> None:
        exec(compile(text, "<generated>", "exec"), self.globals)  # noqa: S102
        self.constants.append(text)


# numpy calls and methods whose result may share memory with an argument
VIEW_CALLS = {"asarray", "asanyarray", "reshape", "ravel", "transpose", "swapaxes", "squeeze",
              "expand_dims", "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_to",
              "broadcast_arrays", "moveaxis", "real", "view", "flip", "fliplr", "flipud",
              "diagonal", "T", "imag", "split", "array_split", "hsplit", "vsplit", "unstack",
              "rot90", "diag", "take_along_axis", "trim_zeros", "copy_if_needed"}


def _is_fresh(node) -> bool:
    """Does this expression certainly build a new array (or a number)?"""
    if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Compare)):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        owner = node.func.value
        if isinstance(owner, ast.Name) and owner.id in ("np", "math"):
            return node.func.attr not in VIEW_CALLS
        return node.func.attr in ("copy", "clip", "sum", "mean", "prod", "cumsum", "max",
                                  "min", "std", "var", "dot", "astype", "flatten")
    return False


def fresh_targets(text: str) -> set[str]:
    """Targets of top-level ``name = <fresh expression>`` lines."""
    tree = ast.parse(text)
    out = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                isinstance(stmt.targets[0], ast.Name) and _is_fresh(stmt.value):
            out.add(stmt.targets[0].id)
    return out


def possibly_shared(text: str) -> set[str]:
    """Names whose array may, after ``text``, be reachable through another binding: bound
    to another name, put in a container, iterated over, passed to a helper, viewed. A name
    that only feeds arithmetic or a numpy function that copies is not shared."""
    tree = ast.parse(text)
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    shared = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)):
            continue
        child, parent = node, parents.get(node)
        # a subscript or attribute of a name may still be a view of it: look further up
        while isinstance(parent, (ast.Subscript, ast.Attribute)) and child is parent.value:
            if isinstance(parent, ast.Attribute) and parent.attr not in VIEW_CALLS:
                break
            child, parent = parent, parents.get(parent)
        if isinstance(child, ast.Subscript) and isinstance(child.ctx, ast.Store):
            continue  # a write into the name: it stays what it was
        if isinstance(parent, ast.Assign) and child is parent.value and \
                all(isinstance(t, ast.Subscript) for t in parent.targets):
            continue  # the value is copied into the array written
        if isinstance(parent, ast.Attribute) and child is parent.value:
            call = parents.get(parent)
            if isinstance(call, ast.Call) and call.func is parent and _is_fresh(call):
                continue
        if isinstance(parent, (ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.IfExp)) \
                and not (isinstance(parent, ast.IfExp) and child is not parent.test):
            continue
        if isinstance(parent, ast.Call) and child is not parent.func and _is_fresh(parent):
            continue
        if isinstance(parent, ast.Subscript) and child is parent.slice:
            continue
        if isinstance(parent, ast.AugAssign) and child is parent.value:
            continue
        if isinstance(parent, (ast.If, ast.While)) and child is parent.test:
            continue
        shared.add(node.id)
    return shared


def indent(lines: list[str], levels: int = 1) -> list[str]:
    return [INDENT * levels + line for line in lines]


def paren(text: str) -> str:
    """Parenthesize an operand unless it is atomic (a name, a call, a subscript, ...)."""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return f"({text})"
    if isinstance(node, (ast.Name, ast.Call, ast.Subscript, ast.Attribute, ast.List,
                         ast.Tuple)):
        return text
    if isinstance(node, ast.Constant) and not text.startswith("-"):
        return text
    return f"({text})"
