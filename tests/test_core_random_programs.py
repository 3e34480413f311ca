"""Random straight-line numpy programs: the optimized gradient is the unoptimized one, and both
are the finite-difference one.

hypothesis writes small functions the way a numpy user would -- arithmetic, broadcasting
against a row vector and a Python float, elementwise functions, reductions with and without
``axis``, variables read several times and re-bound -- into a real file (sourcegrad reads
source). Each is differentiated three ways:

* ``optimize=False``: the IR as the reverse transform wrote it (dead code removed only);
* the default, through every optimization pass;
* central finite differences in float64 (``check_grads``).

The first two must agree to rounding, and ``check_grads`` must pass for the optimized one.
"""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sourcegrad
from sourcegrad.testing import check_grads

_UNARY = ["np.sin({})", "np.cos({})", "np.tanh({})", "-{}", "{} ** 2", "np.exp(0.3 * {})",
          "np.sqrt(1.0 + {} * {})", "np.log1p({} * {})"]
_BINARY = ["{} + {}", "{} - {}", "{} * {}", "{} / (1.5 + {} * {})", "0.5 * {} + {}"]
_REDUCE = ["np.sum({}, axis=0)", "np.mean({}, axis=1, keepdims=True)", "{}.sum()"]


@st.composite
def programs(draw):
    """``def f(x, w, c):`` with x (3, 4), w (4,), c a float, and a few statements."""
    names = ["x", "w", "c"]
    shapes = {"x": "matrix", "w": "row", "c": "scalar"}
    lines = []
    for i in range(draw(st.integers(2, 7))):
        kind = draw(st.sampled_from(["unary", "binary", "binary", "reduce"]))
        a = draw(st.sampled_from(names))
        if kind == "unary":
            template = draw(st.sampled_from(_UNARY))
            expression, shape = template.format(*[a] * template.count("{}")), shapes[a]
        elif kind == "binary":
            b = draw(st.sampled_from(names))
            template = draw(st.sampled_from(_BINARY))
            args = [a, b, b] if template.count("{}") == 3 else [a, b]
            expression = template.format(*args)
            order = ["scalar", "row", "matrix"]
            shape = max(shapes[a], shapes[b], key=order.index)
        else:
            if shapes[a] != "matrix":
                continue
            template = draw(st.sampled_from(_REDUCE))
            expression = template.format(a)
            shape = {"np.sum({}, axis=0)": "row", "{}.sum()": "scalar"}.get(template, "column")
            if shape == "column":  # (3, 1) broadcasts against x but not against w: keep apart
                lines.append(f"    t{i} = {expression} * x")
                names.append(f"t{i}")
                shapes[f"t{i}"] = "matrix"
                continue
        # re-bind an existing local now and then (the re-binding paths), else a fresh one
        target = draw(st.sampled_from([n for n in names if n.startswith("t")] or [f"t{i}"]))
        if draw(st.booleans()) or target in ("x", "w", "c"):
            target = f"t{i}"
        if target in shapes and shapes[target] != shape:
            target = f"t{i}"
        lines.append(f"    {target} = {expression}")
        if target not in names:
            names.append(target)
        shapes[target] = shape
    result = " + ".join(f"np.sum({n})" for n in names[3:][-2:]) or "np.sum(x * w) * c"
    return "def f(x, w, c):\n" + "\n".join(lines) + f"\n    return {result}\n"


ARGS = (np.linspace(0.2, 1.3, 12).reshape(3, 4), np.array([0.7, -0.4, 1.1, 0.3]), 0.8)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(programs())
def test_random_programs_agree_with_the_plain_gradient_and_finite_differences(
        write_function, text):
    f = write_function(text)
    wrt = (0, 1, 2)
    plain = sourcegrad.grad(f, wrt=wrt, optimize=False)(*[np.copy(a) for a in ARGS])
    optimized = sourcegrad.grad(f, wrt=wrt)(*[np.copy(a) for a in ARGS])
    for a, b in zip(plain, optimized):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12, err_msg=text)
    check_grads(f, *ARGS, wrt=wrt, rtol=1e-5, atol=1e-7)
