"""Issue 3, beyond the gradients: what is refused, what the generated code looks like, what a
loop keeps in memory.

(a) Constructs still outside the language -- try/except, generators, ``global`` writes, classes,
    ``async``, ``with`` -- are refused by ``grad()`` itself with a ``TransformError`` that names
    the file, line and column of the construct, the function it sits in, and a hint. Here they sit
    where control flow puts them: in a loop, in a branch, in a user helper, in a nested def.
(b) A loop stays a loop in the adjoint: a reversed loop over the saved trip count, never an
    unrolled trace (a 10,000-iteration loop generates exactly the source of a 10-iteration one),
    and ``sourcegrad.source`` of an RNN shows the forward loop, the saved hidden states, the
    reversed loop and ``# grad of:`` comments.
(c) Memory: a loop whose adjoint needs no values (it only adds) saves nothing that grows with the
    trip count; an RNN does save its hidden states. Both measured with tracemalloc.
"""
from __future__ import annotations

import importlib.util
import inspect
import re
import tracemalloc

import numpy as np
import pytest

import sourcegrad
from sourcegrad import TransformError
from sourcegrad.testing import check_grads

X = np.array([0.3, 0.8, 1.3])
COUNTER = 0.0


# == (a) refused constructs, in flow positions ==================================================

def try_in_loop(x):
    s = 0.0
    for v in x:
        try:
            s = s + v
        except ValueError:
            pass
    return s


def helper_with_try(y):
    try:
        return y * 2.0
    except ValueError:
        return y


def calls_helper_with_try(x):
    return np.sum(helper_with_try(x))


def nested_def_with_try(x):
    def inner(y):
        try:
            return y * 2.0
        except ValueError:
            return y
    return np.sum(inner(x))


def yield_in_branch(x):
    if np.sum(x) > 0.0:
        yield np.sum(x)


def yield_in_loop(x):
    for v in x:
        yield v * 2.0


def global_write_in_loop(x):
    global COUNTER
    for v in x:
        COUNTER = COUNTER + 1.0
    return np.sum(x)


def class_in_branch(x):
    if np.sum(x) > 0.0:
        class Box:
            pass
    return np.sum(x)


def async_def_in_loop(x):
    s = 0.0
    for v in x:
        async def later():
            return v  # noqa: B023 (refused before it could matter)
        s = s + v
    return s


async def async_helper(y):
    return y * 2.0


def calls_async_helper(x):
    return np.sum(async_helper(x))


def with_in_loop(x):
    s = 0.0
    for v in x:
        with np.errstate(all="ignore"):
            s = s + np.log(v)
    return s


def helper_with_with(y):
    with np.errstate(all="ignore"):
        return np.log(y)


def calls_helper_with_with(x):
    if np.sum(x) > 0.0:
        return np.sum(helper_with_with(x))
    return np.sum(x)


def refused(fn, holder, marker: str, what: str, bug: str = ""):
    """Differentiating ``fn`` must fail at ``marker`` in ``holder``, naming ``what``."""
    marks = pytest.mark.xfail(strict=True, reason=bug) if bug else ()
    return pytest.param(fn, holder, marker, what, id=fn.__name__, marks=marks)


REFUSED = [
    refused(try_in_loop, try_in_loop, "try:", "try/except"),
    refused(calls_helper_with_try, helper_with_try, "try:", "try/except"),
    refused(nested_def_with_try, nested_def_with_try, "try:", "try/except"),
    refused(yield_in_branch, yield_in_branch, "yield np.sum", "yield"),
    refused(yield_in_loop, yield_in_loop, "yield v", "yield"),
    refused(global_write_in_loop, global_write_in_loop, "global COUNTER", "global"),
    refused(class_in_branch, class_in_branch, "class Box", "class"),
    refused(async_def_in_loop, async_def_in_loop, "async def later", "async"),
    refused(calls_async_helper, async_helper, "async def async_helper", "async"),
    refused(with_in_loop, with_in_loop, "with np.errstate", "with"),
    refused(calls_helper_with_with, helper_with_with, "with np.errstate", "with"),
]


def locate(fn, marker: str) -> tuple[str, int, int, str]:
    """(file, 1-based line, 0-based column, the line) of the first ``marker`` in ``fn``."""
    lines, first = inspect.getsourcelines(fn)
    for offset, text in enumerate(lines):
        if marker in text:
            return inspect.getsourcefile(fn), first + offset, text.index(marker), text.strip()
    raise AssertionError(f"{marker!r} is not in {fn.__name__}")


@pytest.mark.parametrize("fn, holder, marker, what", REFUSED)
def test_refused_construct_is_a_located_transform_error(fn, holder, marker, what):
    with pytest.raises(TransformError) as info:
        sourcegrad.grad(fn)  # refused by the transform, before any call
    err, message = info.value, str(info.value)
    filename, lineno, col, text = locate(holder, marker)
    assert (err.filename, err.lineno, err.col) == (filename, lineno, col), message
    assert f"{filename}:{lineno}:{col + 1}" in message
    assert f"{holder.__name__}()" in message
    assert what in message
    assert text in message, "the offending source line is shown"
    assert err.hint and err.hint in message


def test_generator_expressions_are_not_generators_and_are_differentiated():
    """Only ``yield`` makes a generator; ``sum(v * v for v in x)`` is an ordinary expression."""
    def sum_of_squares(x):
        return sum(v * v for v in x)

    check_grads(sum_of_squares, X)


def test_reading_a_global_is_fine_only_writing_one_is_refused():
    def reads_counter(x):
        return np.sum(x) * (COUNTER + 2.0)

    check_grads(reads_counter, X)


# == (b) generated source =======================================================================

LOOP_TEMPLATE = '''
import numpy as np


def scan(x):
    h = x
    for i in range(STEPS):
        h = np.sin(h) * 0.5 + x
    return np.sum(h)
'''


def load_scan(directory, steps: int):
    """``scan`` with ``STEPS`` written into its source, loaded from a real file."""
    directory.mkdir()
    path = directory / "scan_module.py"
    path.write_text(LOOP_TEMPLATE.replace("STEPS", str(steps)))
    spec = importlib.util.spec_from_file_location(f"scan_module_{steps}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.scan, str(path)


def test_a_long_loop_generates_the_source_of_a_short_one(tmp_path):
    short, short_path = load_scan(tmp_path / "short", 10)
    long, long_path = load_scan(tmp_path / "long", 10_000)
    short_source = sourcegrad.source(sourcegrad.grad(short))
    long_source = sourcegrad.source(sourcegrad.grad(long))
    normal = [text.replace(path, "<file>").replace(f"range({steps})", "range(STEPS)")
              for text, path, steps in ((short_source, short_path, 10),
                                        (long_source, long_path, 10_000))]
    assert normal[0] == normal[1]  # not a trace: nothing in it depends on the trip count
    backward = long_source.split("# backward sweep", 1)[1]
    assert re.search(r"for \w+ in (reversed\(|range\(trips)", backward), backward
    assert len(long_source.splitlines()) < 80
    # and the long loop's gradient is right: the map is a contraction, so at 10,000 steps
    # h is at its fixed point h* = sin(h*)/2 + x and the finite differences are well behaved
    check_grads(long, X)


def rnn(W, U, h0, xs):
    h = h0
    for x in xs:
        h = np.tanh(W @ h + U @ x)
    return np.sum(h ** 2)


def test_rnn_source_shows_the_forward_loop_the_saved_states_and_the_reversed_loop():
    text = sourcegrad.source(sourcegrad.grad(rnn, wrt=(0, 1, 2)))
    assert text.count("# forward sweep") == 1 and text.count("# backward sweep") == 1
    forward, backward = text.split("# backward sweep")
    forward = forward.split("# forward sweep")[1]
    # the forward sweep is the user's loop, saving the hidden state before each overwrite
    assert re.search(r"^\s+for \w+ in ", forward, re.MULTILINE), forward
    assert re.search(r"h = np\.tanh\(", forward), forward
    saved = re.search(r"(\w*_stack\w*)\.append\(h\)", forward)
    assert saved, f"the hidden state h is not saved on a stack:\n{forward}"
    # the backward sweep walks the same loop in reverse, popping what the forward saved
    assert re.search(r"^\s+for \w+ in reversed\(", backward, re.MULTILINE), backward
    assert re.search(rf"h\w* = {saved.group(1)}\.pop\(\)", backward), backward
    assert "# grad of: h = np.tanh(W @ h + U @ x)" in backward
    assert "# grad of: return np.sum(h ** 2)" in backward
    # and what the text says is what runs: the RNN's gradient is right
    rng = np.random.default_rng(0)
    check_grads(rnn, rng.normal(size=(3, 3)) * 0.5, rng.normal(size=(3, 2)), rng.normal(size=3),
                rng.normal(size=(6, 2)), wrt=(0, 1, 2))


def test_loop_source_points_at_the_users_lines():
    text = sourcegrad.source(sourcegrad.grad(rnn))
    assert f"{inspect.getsourcefile(rnn)}:{inspect.getsourcelines(rnn)[1]}" in text
    assert "# for x in xs:\n" in text  # a loop is named by its header line
    assert "# grad of: h = np.tanh(W @ h + U @ x)" in text


def power(x, a, b):
    return a * x ** b


def calls_power_twice(x):
    y = power(x, 2.0, 3.0)
    return np.sum(power(y, 0.5, 2.0) + y)


def countdown(x, n):
    if n == 0:
        return np.sum(x)
    return countdown(np.sin(x), n - 1) * 0.5 + np.sum(x)


def test_a_helper_is_generated_once_however_often_it_is_called():
    text = sourcegrad.source(sourcegrad.grad(calls_power_twice))
    assert text.count("def forward_power(") == 1 and text.count("def backward_power(") == 1
    assert text.count("forward_power(") >= 3  # its definition and the two calls
    check_grads(calls_power_twice, X)


def test_recursion_is_one_generated_pair_not_an_unrolling():
    text = sourcegrad.source(sourcegrad.grad(countdown))
    assert text.count("def forward_countdown(") == 1, text
    assert text.count("def backward_countdown(") == 1, text
    for n in (0, 1, 5):
        check_grads(countdown, X, n)


# == (c) memory =================================================================================

def loop_only_adds(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
    return np.sum(s)


def linear_recurrence(x, n):
    h = x
    for i in range(n):
        h = 0.9 * h + x
    return np.sum(h)


def peak_bytes(fn, *args) -> int:
    """Peak memory allocated while ``fn(*args)`` runs, above what was allocated before."""
    fn(*args)  # warm: compile-time and first-call allocations are not the loop's
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn(*args)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def only_adds_gradient(x, n):
    return np.full_like(x, n * (n - 1) / 2.0)


def linear_recurrence_gradient(x, n):
    return np.full_like(x, 0.9 ** n + (1.0 - 0.9 ** n) / 0.1)  # h_n = 0.9^n x + sum 0.9^k x


@pytest.mark.parametrize("fn, closed_form", [(loop_only_adds, only_adds_gradient),
                                             (linear_recurrence, linear_recurrence_gradient)],
                         ids=["only_adds", "linear_recurrence"])
def test_a_loop_that_needs_no_values_does_not_grow_memory_with_its_trip_count(fn, closed_form):
    df = sourcegrad.grad(fn)
    small, large = peak_bytes(df, X, 100), peak_bytes(df, X, 10_000)
    assert large - small < 100_000, (small, large)
    # the reason: nothing goes on a value stack (a list); at most shapes go on ShapeStacks,
    # which are run-length encoded (one entry while the shape stays the same)
    assert "_stack = []" not in sourcegrad.source(df), sourcegrad.source(df)
    for n in (0, 1, 100, 10_000):
        np.testing.assert_allclose(df(X, n), closed_form(X, n), rtol=1e-12)


def test_loop_that_only_adds_saves_one_run_per_shape():
    from sourcegrad.runtime_flow import ShapeStack

    stack = ShapeStack()
    for value in [0.0] + [X * i for i in range(10_000)]:
        stack.append(value)
    assert len(stack) == 10_001 and len(stack.runs) == 2
    shapes = [np.shape(stack.pop()) for _ in range(10_001)]
    assert shapes == [X.shape] * 10_000 + [()] and len(stack) == 0


def test_an_rnn_saves_its_hidden_states():
    hidden = 64
    rng = np.random.default_rng(1)
    W = rng.normal(size=(hidden, hidden)) / hidden
    U = rng.normal(size=(hidden, 4))
    h0 = np.zeros(hidden)
    xs = rng.normal(size=(1000, 4))
    df = sourcegrad.grad(rnn, wrt=(0, 1, 2))
    short, long = peak_bytes(df, W, U, h0, xs[:10]), peak_bytes(df, W, U, h0, xs)
    assert long - short > 990 * h0.nbytes, (short, long)  # at least every extra hidden state

