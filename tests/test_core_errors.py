"""Every error path of the core issue: compiler diagnostics that point at the user's code.

A ``TransformError`` for code the compiler cannot differentiate names the file, line and column,
the function, shows the source line with a caret under the construct, and says what to do.
Wrong values (a non-scalar result, a string where a number is differentiated) are ``ValueError``
and ``TypeError`` that name the problem. The expected line and column are computed here from the
function's own source, never typed in.
"""
from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import sourcegrad
from sourcegrad import TransformError

X = np.array([0.5, 1.5, 2.5])
G = 1.0


# -- unsupported syntax: each function carries the construct the caret must point at ---------

def uses_try(x):
    try:
        y = x * 2.0
    except ValueError:
        y = x
    return np.sum(y)


def uses_yield(x):
    yield np.sum(x)


def uses_yield_from(x):
    yield from [np.sum(x)]


def uses_global(x):
    global G
    G = G + 1.0
    return np.sum(x) * G


def uses_nonlocal(x):
    def inner():
        nonlocal x
        return x
    return np.sum(x)


def defines_class(x):
    class Inner:
        pass
    return np.sum(x)


def uses_with(x):
    with np.errstate(all="ignore"):
        y = np.log(x)
    return np.sum(y)


def uses_del(x):
    y = x * 2.0
    del y
    return np.sum(x)


def uses_import(x):
    import math
    return math.fsum(x)


def uses_walrus(x):
    return np.sum((y := x * 2.0) * y)


def uses_starred_target(x):
    first, *rest = x
    return first * len(rest)


def assigns_attribute(x):
    x.label = "input"
    return np.sum(x)


def uses_kwargs_call(x):
    options = {"axis": 0}
    return np.sum(x, **options)


SYNTAX = [
    (uses_try, "try:", "try/except"),
    (uses_yield, "yield np.sum(x)", "yield"),
    (uses_yield_from, "yield from", "yield"),
    (uses_global, "global G", "global"),
    (uses_nonlocal, "nonlocal x", "nonlocal"),
    (defines_class, "class Inner", "class"),
    (uses_with, "with np.errstate", "with"),
    (uses_del, "del y", "del"),
    (uses_import, "import math", "import"),
    (uses_walrus, "y := x * 2.0", ":="),
    (uses_starred_target, "*rest", "starred"),
    (assigns_attribute, "x.label", "attribute"),
    (uses_kwargs_call, "options)", "**kwargs"),
]


def locate(fn, marker: str) -> tuple[str, int, int, str]:
    """(file, 1-based line, 0-based column, line text) of the first ``marker`` in ``fn``."""
    lines, first = inspect.getsourcelines(fn)
    for offset, text in enumerate(lines):
        if marker in text:
            return inspect.getsourcefile(fn), first + offset, text.index(marker), text.rstrip()
    raise AssertionError(f"{marker!r} is not in {fn.__name__}")


def assert_diagnostic(err: TransformError, fn, marker: str, name: str | None = None) -> None:
    """The message names file:line:col and the function, shows the line, a caret, a hint."""
    filename, lineno, col, text = locate(fn, marker)
    message = str(err)
    assert (err.filename, err.lineno, err.col) == (filename, lineno, col)
    assert f"{filename}:{lineno}:{col + 1}" in message
    assert f"{name or fn.__qualname__}()" in message
    shown = message.splitlines()
    source_rows = [i for i, row in enumerate(shown) if row.strip() == text.strip()]
    assert source_rows, f"the source line {text.strip()!r} is not shown:\n{message}"
    row = source_rows[0]
    caret = shown[row + 1]
    assert set(caret.strip()) == {"^"}, f"no caret under the line:\n{message}"
    assert caret.index("^") == shown[row].index(marker), f"the caret is misplaced:\n{message}"
    assert err.hint and err.hint in message


@pytest.mark.parametrize("fn, marker, what", SYNTAX, ids=[s[0].__name__ for s in SYNTAX])
def test_unsupported_syntax_is_a_located_diagnostic(fn, marker, what):
    with pytest.raises(TransformError) as info:
        sourcegrad.grad(fn)
    assert what in str(info.value)
    assert_diagnostic(info.value, fn, marker)


async def async_function(x):
    return np.sum(x)


def test_async_function_is_refused():
    with pytest.raises(TransformError) as info:
        sourcegrad.grad(async_function)
    assert "async" in str(info.value)
    assert_diagnostic(info.value, async_function, "async def")


def test_error_is_raised_by_grad_not_by_the_first_call():
    with pytest.raises(TransformError):
        sourcegrad.grad(uses_try, wrt=0)  # no call: the transform itself refuses


# -- functions whose source cannot be read ---------------------------------------------------

_namespace: dict = {}
exec("def no_source_def(x):\n    return x * 2.0\n", _namespace)  # noqa: S102 - no source file
no_source_def = _namespace["no_source_def"]
no_source_lambda = eval("lambda x: x * 2.0")


@pytest.mark.parametrize("fn", [no_source_lambda, no_source_def], ids=["lambda", "exec-def"])
def test_function_without_source_names_it_and_says_what_to_do(fn):
    with pytest.raises(TransformError) as info:
        sourcegrad.grad(fn)
    message = str(info.value)
    assert fn.__qualname__ in message and "source" in message
    assert info.value.hint and info.value.hint in message


def test_function_without_source_names_its_file_and_line():
    with pytest.raises(TransformError) as info:
        sourcegrad.grad(no_source_lambda)
    assert "<string>:1" in str(info.value)


def test_two_lambdas_on_one_line_point_at_the_second():
    pair = (lambda x: x * 2.0, lambda x: x * 3.0)
    with pytest.raises(TransformError) as info:
        sourcegrad.grad(pair[1])
    assert "lambda" in str(info.value)
    assert_diagnostic(info.value, test_two_lambdas_on_one_line_point_at_the_second,
                      "lambda x: x * 3.0", name=pair[1].__qualname__)


def test_builtin_function_is_refused():
    with pytest.raises(TransformError, match="no Python source") as info:
        sourcegrad.grad(len)
    assert "defvjp" in str(info.value)


@pytest.mark.parametrize("fn", [np.sin, print], ids=["ufunc", "print"])
def test_any_c_callable_is_refused_with_a_transform_error(fn):
    with pytest.raises(TransformError, match="no Python source"):
        sourcegrad.grad(fn)


# -- calls and operators without a rule ------------------------------------------------------

def calls_fft(x):
    spectrum = np.fft.fft(x)
    return np.sum(np.abs(spectrum))


def calls_method_without_rule(x):
    return np.sum(x.argpartition(1) * x)


NO_RULE = [
    (calls_fft, "np.fft.fft(x)", "np.fft.fft"),
    (calls_method_without_rule, "x.argpartition(1)", ".argpartition"),
]


def test_floor_division_has_the_zero_gradient_of_np_floor_divide():
    def uses_floor_division(x):
        return np.sum(x // 0.5 + x)

    np.testing.assert_array_equal(sourcegrad.grad(uses_floor_division)(X), np.ones_like(X))


def test_and_or_choose_a_value_as_python_does():
    def uses_boolean_operator(x):
        y = x or 2.0 * x
        return y * y

    df = sourcegrad.grad(uses_boolean_operator)
    assert df(1.5) == 3.0  # x is true: y is x
    assert df(0.0) == 0.0  # x is false: y is 2x = 0, and d(4x^2) = 8x = 0


@pytest.mark.parametrize("fn, marker, name", NO_RULE, ids=[n[0].__name__ for n in NO_RULE])
def test_a_call_without_a_rule_names_it_and_how_to_add_one(fn, marker, name):
    with pytest.raises(TransformError) as info:
        sourcegrad.grad(fn)
    assert name in str(info.value)
    assert "sourcegrad.extend.defvjp" in str(info.value)
    assert_diagnostic(info.value, fn, marker)


def test_a_call_without_a_rule_is_fine_where_no_gradient_flows():
    def fft_weights(x, y):
        return np.sum(x * np.abs(np.fft.fft(y)))

    y = np.array([1.0, 2.0, 0.5])
    np.testing.assert_allclose(sourcegrad.grad(fft_weights)(X, y), np.abs(np.fft.fft(y)))


def test_missing_return_is_refused_clearly():
    def no_return(x):
        y = x * 2.0  # noqa: F841

    with pytest.raises((TransformError, ValueError), match="return|scalar"):
        sourcegrad.grad(no_return)(X)


# -- wrong values ----------------------------------------------------------------------------

def vector_valued(x):
    return np.sin(x)


@pytest.mark.parametrize("make", [sourcegrad.grad, sourcegrad.value_and_grad])
def test_non_scalar_result_is_a_value_error_naming_the_way_out(make):
    with pytest.raises(ValueError, match="scalar") as info:
        make(vector_valued)(X)
    assert "(3,)" in str(info.value) and "np.sum" in str(info.value)


def test_tuple_result_is_a_value_error_even_with_warnings_as_errors():
    def pair(x):
        return x, x

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="scalar"):
            sourcegrad.grad(pair)(1.0)


@pytest.mark.parametrize("bad", ["abc", None, {"x": 1.0}, np.array(["a", "b", "c"])],
                         ids=["str", "None", "dict", "str-array"])
def test_non_numeric_differentiated_argument_is_a_type_error_naming_it(bad):
    def weighted(x, b):
        return np.sum(x * 2.0) + b

    with pytest.raises(TypeError, match="'b'"):
        sourcegrad.grad(weighted, wrt=(0, 1))(X, bad)
    with pytest.raises(TypeError, match="'x'"):
        sourcegrad.grad(weighted)(bad, 1.0)


def test_non_numeric_argument_that_is_not_differentiated_is_fine():
    def labelled(x, label):
        return np.sum(x * 2.0) + len(label)

    np.testing.assert_array_equal(sourcegrad.grad(labelled)(X, "abc"), np.full(3, 2.0))
