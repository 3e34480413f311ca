"""``generate(seed) -> Program``: one random numpy program, deterministic in its seed.

A program has a main category (weighted) and mixes in statements of the others. Its
parameters are float64 arrays of small shapes and Python floats (some differentiated, some
not) and, when drawn, an int, an index array and a boolean mask that are never
differentiated.
"""
from __future__ import annotations

import copy
import itertools
import random

import numpy as np

from . import expressions, flow, indexing, primitives, structure
from .builder import Ctx, Rejected, indent, is_float_value
from .program import NUMPY_HEADER, Program, same_value

CATEGORIES = {
    # name: (weight, statement generator)
    "elementwise": (3, expressions.statement),
    "multi_operand": (3, primitives.multi_operand),
    "reductions": (2, primitives.reduction),
    "indexing": (3, indexing.indexing),
    "control_flow": (3, flow.control_flow),
    "helpers": (2, structure.helpers),
    "containers": (2, structure.containers),
    "aliasing": (1, structure.aliasing),
}

SHAPES = [(), (3,), (3,), (2, 3), (3, 1), (2,), "float", "float"]
DIFF_NAMES = ["x", "y", "z", "v"]
MAX_RESULT = 1e3


class GenerationFailed(Exception):
    pass


def _array_value(rng: random.Random, shape, positive: bool) -> np.ndarray:
    """Entries in [0.3, 1.5] in magnitude: away from 0 (kinks of abs, sign, division)."""
    size = int(np.prod(shape)) if shape else 1
    values = [rng.uniform(0.3, 1.5) * (1 if positive or rng.random() < 0.6 else -1)
              for _ in range(size)]
    return np.array(values, dtype=np.float64).reshape(shape)


def _parameters(rng: random.Random, category: str):
    """(names, values, wrt). At least one differentiated parameter."""
    names, values = [], []
    count = rng.choice([1, 2, 2, 3])
    for name in DIFF_NAMES[:count]:
        shape = rng.choice(SHAPES)
        positive = rng.random() < 0.3
        if shape == "float":
            v = rng.uniform(0.3, 1.5) * (1 if positive or rng.random() < 0.6 else -1)
            values.append(round(v, 3))
        else:
            values.append(_array_value(rng, shape, positive))
        names.append(name)
    wrt = [n for n in names if rng.random() < 0.6] or [rng.choice(names)]
    if rng.random() < 0.25:  # a float that is not differentiated
        names.append("scale")
        values.append(round(rng.uniform(0.5, 1.5), 2))
    extra = 0.6 if category in ("indexing", "control_flow") else 0.15
    if rng.random() < extra:
        names.append("n")
        values.append(rng.choice([2, 3]))
    if rng.random() < extra:
        names.append("idx")
        values.append(np.array([rng.randrange(2) for _ in range(rng.choice([2, 3, 4]))]))
    arrays = [v for v in values if isinstance(v, np.ndarray) and v.dtype.kind == "f"
              and v.ndim >= 1]
    if arrays and rng.random() < extra:
        names.append("mask")
        shape = rng.choice(arrays).shape
        values.append(np.array([rng.random() < 0.5 for _ in range(int(np.prod(shape)))])
                      .reshape(shape))
    return names, values, tuple(wrt)


def _namespace() -> dict:
    ns: dict = {}
    exec(NUMPY_HEADER, ns)  # noqa: S102
    return ns


def _draw_category(rng: random.Random, main: str) -> str:
    if rng.random() < 0.6:
        return main
    names = list(CATEGORIES)
    return rng.choices(names, weights=[CATEGORIES[n][0] for n in names])[0]


def _attempt(rng: random.Random, seed: int, category: str) -> Program:
    params, args, wrt = _parameters(rng, category)
    globals_ = _namespace()
    # the generator runs on copies: the program keeps the arguments as drawn
    ctx = Ctx(rng, globals_, dict(zip(params, copy.deepcopy(args))), active=wrt,
              counter=itertools.count(1))
    ctx.owned = {p for p, v in zip(params, args) if isinstance(v, float)}  # immutable
    ctx.unread = [p for p, v in zip(params, args) if is_float_value(v)]
    for _ in range(rng.randint(2, 7)):  # most programs get 2 to 15 statements
        for _try in range(6):
            cat = _draw_category(rng, category) if _try < 4 else "elementwise"
            try:
                CATEGORIES[cat][1](ctx)
                break
            except (Rejected, ValueError, IndexError, TypeError):
                continue  # (the last three: a corner a statement generator does not handle)
        if ctx.returns_early and rng.random() < 0.5:
            break
    if category not in ctx.categories:
        raise GenerationFailed(f"no {category} statement")
    ret = expressions.return_expression(ctx)
    body_lines = ctx.lines + [f"return {ret}"]
    text = "".join(c.rstrip("\n") + ("\n\n\n" if c.startswith("def ") else "\n")
                   for c in ctx.constants)
    text += "\n\n" if ctx.constants and not ctx.constants[-1].startswith("def ") else ""
    text += f"def f({', '.join(params)}):\n" + "\n".join(indent(body_lines)) + "\n"
    program = Program(seed, category, text, params, args, wrt,
                      tuple(sorted(ctx.categories)))
    _check_runs(program)
    return program


def _check_runs(program: Program) -> None:
    """f must run on its arguments, give a finite moderate scalar and not change them."""
    ns = _namespace()
    try:
        with np.errstate(all="raise"):
            exec(compile(program.body, "<generated>", "exec"), ns)  # noqa: S102
            args = program.fresh_args()
            value = ns["f"](*args)
    except Exception as err:
        raise GenerationFailed(f"f raises {err!r}") from None
    if not is_float_value(value) or np.ndim(value) != 0:
        raise GenerationFailed(f"result is not a float scalar: {value!r}")
    if not np.isfinite(float(value)) or abs(float(value)) > MAX_RESULT:
        raise GenerationFailed("result not finite or too large")
    if not all(same_value(a, b) for a, b in zip(args, program.args)):
        raise GenerationFailed("f changes its arguments")


def generate(seed: int, category: str | None = None) -> Program:
    """The program for ``seed`` (and ``category``, when one is forced)."""
    rng = random.Random(seed)
    if category is None:
        names = list(CATEGORIES)
        category = rng.choices(names, weights=[CATEGORIES[n][0] for n in names])[0]
    elif category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}; one of {sorted(CATEGORIES)}")
    last = None
    for _ in range(40):
        try:
            return _attempt(rng, seed, category)
        except (GenerationFailed, Rejected) as err:
            last = err
    raise GenerationFailed(f"seed {seed}: no program for {category} ({last})")
