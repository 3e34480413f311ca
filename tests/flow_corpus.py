"""Issue 3's corpus: small user functions with control flow, calls, containers and in-place writes.

One list, ``CASES``, drives ``test_flow_corpus.py`` (Tangent's ``tests/functions.py`` idea).
Each ``Case`` names the issue bullet it covers (``FEATURES`` lists them all) and carries several
input sets chosen to take *different* paths through the function: other branches, other trip
counts (zero included), an early exit or none. ``test_flow_corpus.py`` checks that claim by
tracing which instructions each input set runs; cases of straight-line code say ``one_path``
(their input sets vary the data only).

Inputs sit away from kinks (a branch condition, a ``break`` threshold, a trip-count jump) by far
more than the finite-difference step, so central differences are meaningful. The functions are
written the way a numpy user writes them; the module imports ``numpy as np`` on a line of its
own so the autograd second opinion can re-run this very source with ``autograd.numpy``.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# The bullets (one tag per construct); every tag is covered by at least one case.
FEATURES = (
    "if/elif/else", "nested if", "if in loop", "conditional expression", "and/or/not",
    "range(n)", "range(a, b)", "range(a, b, step)", "range from data", "for over rows",
    "for over list", "for over tuple", "enumerate", "zip", "reversed", "nested loops",
    "while", "break", "continue", "for-else", "while-else", "early return",
    "call literals", "call keywords", "call defaults", "call *args", "helper returns tuple",
    "recursion", "closure", "nested def", "lambda", "functools.partial",
    "list literal", "append", "extend", "indexing", "sum(list)", "list comprehension", "tuple",
    "dict", "len",
    "item write", "slice write", "column write", "augmented array", "augmented slice", "copy",
    "rnn", "only adds",
)


@dataclass(frozen=True)
class Case:
    """A user function, the argument tuples to check it at, and what to differentiate."""

    fn: Callable
    inputs: tuple  # several argument tuples, each taking another path (unless one_path)
    features: tuple  # tags from FEATURES
    wrt: object = 0
    autograd: bool = True  # autograd can differentiate it too (no array item assignment)
    rtol: float = 1e-5  # check_grads' defaults unless a case says why not
    atol: float = 1e-6
    one_path: bool = False  # straight-line code: the input sets vary the data, not the path

    @property
    def name(self) -> str:
        return getattr(self.fn, "__name__", None) or f"partial_{self.fn.func.__name__}"


def arr(*values):
    return np.array(values, dtype=np.float64)


V = arr(0.3, 0.8, 1.3, 1.7)  # distinct, positive, none on a round bound
SMALL = V * 0.1  # the same, scaled below every threshold used here
W = arr(1.1, -0.6, 0.9, 0.4)  # one negative entry
A = np.linspace(0.2, 1.4, 12).reshape(3, 4) + 0.01 * np.arange(12).reshape(3, 4) ** 1.5
M2 = arr(0.4, -0.3, 0.2, 0.5).reshape(2, 2)  # RNN weights
U2 = arr(0.7, 0.1, -0.2, 0.6, 0.3, -0.5).reshape(2, 3)
H0 = arr(0.1, -0.2)
XS = np.linspace(-1.0, 1.2, 15).reshape(5, 3)  # five RNN steps of three inputs


# == branches ===================================================================================

def if_else_on_sum(x):
    if np.sum(x) > 1.0:
        y = np.sin(x) * x
    else:
        y = x ** 3
    return np.sum(y)


def if_elif_else_on_scalar(x, t):
    if t > 1.0:
        y = x * t ** 2
    elif t > 0.0:
        y = np.sin(x * t)
    elif t > -1.0:
        y = x ** 2 - t
    else:
        y = np.exp(x) * t
    return np.sum(y)


def if_without_else(x):
    y = x * 2.0
    if np.max(x) > 1.0:
        y = y * np.cos(x)
    return np.sum(y ** 2)


def if_nested(x, t):
    if t > 0.0:
        if np.sum(x) > 2.0:
            y = x * t
        else:
            y = x ** 2 * t
    else:
        if t < -1.0:
            y = np.sin(x) + t
        else:
            y = x - t * x
    return np.sum(y * y)


def if_inside_loop(x):
    s = 0.0
    for i in range(len(x)):
        if x[i] > 0.5:
            s = s + x[i] ** 2
        elif x[i] > 0.0:
            s = s - np.sin(x[i])
        else:
            s = s * 0.5 + x[i]
    return s


def if_binds_only_in_one_branch(x, t):
    y = x
    if t > 0.5:
        a = np.exp(x)
        y = a * t + x
    return np.sum(y * x)


def if_on_string_argument(x, mode):
    if mode == "square":
        return np.sum(x ** 2)
    elif mode == "sine":
        return np.sum(np.sin(x))
    return np.sum(x)


def conditional_expression(x, t):
    y = x * t if t > 0.0 else x ** 2
    z = np.sin(y) if np.sum(y) < 3.0 else np.cos(y)
    return np.sum(z * y)


def conditional_expression_on_constants(x, n):
    k = 2.0 if n > 3 else 0.5
    return np.sum(x ** k)


def conditional_expression_as_argument(x, t):
    y = x * t
    return np.sum(np.sin(y) if np.sum(y) < 3.0 else np.cos(y))


def conditional_expression_returned(x):
    s = np.sum(x ** 2)
    return s * 2.0 if s > 1.0 else s


def conditional_expression_in_loop(x):
    s = 0.0
    for v in x:
        s = s + (v * v if v > 0.5 else -np.sin(v))
    return s


def and_or_not(x, t):
    a = x
    if t > 0.0 and np.sum(x) < 3.0:
        a = x * t
    b = a
    if t > 1.0 or np.min(x) < 0.0:
        b = np.sin(a)
    c = b
    if not t > -1.0:
        c = b ** 2
    d = c
    if not (t < 0.0 or np.max(x) > 1.5) and t < 2.0:
        d = c + t
    return np.sum(d)


# == for loops ==================================================================================

def range_one_arg(x, n):
    s = 1.0
    for i in range(n):
        s = s * x + i
    return s


def range_two_args(x, lo, hi):
    s = 0.0
    for i in range(lo, hi):
        s = s + np.sin(x * i)
    return np.sum(s * x)


def range_three_args(x):
    s = 0.0
    for i in range(len(x) - 1, -1, -2):
        s = s * x[i] + x[i - 1]
    return s


def range_positive_step(x, n):
    s = 0.0
    for i in range(1, n, 3):
        s = s + np.sum(x ** i)
    return s


def range_from_data(x):
    n = int(np.sum(x > 0.5))
    s = np.sum(x)
    for i in range(n):
        s = s * np.cos(s) + x[i]
    return s


def range_from_scalar_value(x, t):
    s = t
    for i in range(int(t * 3.0)):
        s = s + np.sum(x * i) * t
    return s


def for_over_rows(A):
    s = 0.0
    for row in A:
        s = s + np.dot(row, np.sin(row))
    return s


def for_over_list(x):
    s = 0.0
    for item in [x, x * 2.0, np.sin(x)]:
        s = s + np.sum(item * item)
    return s


def for_over_tuple(x, y):
    s = 1.0
    for item in (x, y, x * y):
        s = s + np.sum(np.cos(item) * item)
    return s


def for_over_list_argument(x, scales):
    total = 0.0
    for c in scales:
        total = total + np.sum(np.exp(x * c))
    return total


def for_enumerate(x):
    s = 0.0
    for i, v in enumerate(x):
        s = s + v * np.sqrt(i + 1.0)
    return s * s


def for_enumerate_start_over_rows(A):
    s = 0.0
    for k, row in enumerate(A, 1):
        s = s + np.sum(row ** k)
    return s


def for_zip(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * np.sin(b)
    return s


def for_zip_three(x, y, A):
    s = 0.0
    for a, b, row in zip(x, y, A):
        s = s + np.sum(row * a) * b
    return s


def for_reversed_array(x):
    s = 0.0
    for v in reversed(x):
        s = s * 0.5 + v ** 2
    return s


def for_reversed_range(x):
    s = 0.0
    for i in reversed(range(1, len(x))):
        s = np.sin(s) + x[i] * x[i - 1]
    return s


def for_reversed_list(x):
    items = [x, x ** 2, np.cos(x)]
    acc = x
    for item in reversed(items):
        acc = acc * item + 0.1
    return np.sum(acc)


def for_enumerate_of_zip(x, y):
    s = 0.0
    for i, (a, b) in enumerate(zip(x, y)):
        s = s + (i + 1) * a * b
    return s


def for_zip_of_enumerate_and_reversed(x, y):
    s = 0.0
    for (i, a), b in zip(enumerate(x), reversed(y)):
        s = s + np.sin(a * b) * (i + 1)
    return s


def for_nested_loops(A, v):
    s = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            s = s + A[i, j] * v[j] ** (i + 1)
    return s


def for_triangular_nested(x):
    s = 0.0
    for i in range(len(x)):
        for j in range(i):
            s = s + x[i] * np.sin(x[j])
    return s


def power_by_loop(x, n):
    s = 1.0
    for i in range(n):
        s = s * x
    return s


def repeated_sine(x, n):
    y = x
    for i in range(n):
        y = np.sin(y)
    return np.sum(y)


def for_nonlinear_state(x, n):
    h = x
    for i in range(n):
        h = np.sin(h) * x + 0.1 * i
    return np.sum(h)


def for_variable_used_after_loop(x):
    s = 0.0
    v = 1.0
    for v in x:
        s = s + v
    return s * v


# == while loops ================================================================================

def while_value_condition(x):
    s = x
    while s < 10.0:
        s = s * 1.5 + np.sin(s)
    return s


def while_array_condition(x):
    y = x
    while np.max(np.abs(y)) > 0.25:
        y = y * 0.5 + 0.1 * np.sin(y)
    return np.sum(y ** 2)


def while_counter(x, n):
    i = 0
    y = x
    while i < n:
        y = np.tanh(y + 0.5 * i)
        i += 1
    return np.sum(y)


def while_newton_sqrt(a):
    y = a
    while np.abs(y * y - a) > 1e-12 * a:
        y = 0.5 * (y + a / y)
    return y


def while_true_break(x):
    s = 0.0
    k = 0
    while True:
        s = s + np.sum(x) * np.cos(s)
        k += 1
        if s > 2.0 or k >= 6:
            break
    return s


def while_else(x, n):
    i = 0
    y = x
    while i < n:
        if np.sum(y) > 5.0:
            break
        y = y * 1.3 + 0.1
        i += 1
    else:
        y = np.sin(y) + 0.5 * y
    return np.sum(y)


def while_continue(x):
    i = 0
    s = 0.0
    while i < len(x):
        i += 1
        if x[i - 1] < 0.5:
            continue
        s = s + x[i - 1] ** 3
    return s


# == break, continue, else ======================================================================

def for_break(x):
    s = 0.0
    for v in x:
        if v > 1.0:
            break
        s = s + v ** 2
    return s


def for_continue(x):
    s = 0.0
    for v in x:
        if v < 0.5:
            continue
        s = s + np.sin(v) * v
    return s


def for_else(x, t):
    s = 0.0
    for v in x:
        s = s + v * t
        if s > 2.0:
            s = s * 2.0
            break
    else:
        s = s + 10.0 * t * t
    return s


def for_break_and_continue(x):
    s = 0.0
    for i in range(len(x)):
        if x[i] < 0.0:
            continue
        if s > 3.0:
            break
        s = s + x[i] * (i + 1)
    return s


def nested_break_inner_only(A):
    s = 0.0
    for row in A:
        for v in row:
            if v > 1.0:
                break
            s = s + v * v
        s = s * 1.1
    return s


def nested_break_outer_by_flag(A):
    found = False
    s = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            s = s + np.sin(A[i, j])
            if s > 2.0:
                found = True
                break
        if found:
            break
    if found:
        return s * 2.0
    return s


def nested_inner_else_continues_outer(A, t):
    s = 0.0
    for row in A:
        for v in row:
            if v * t > 1.0:
                break
        else:
            s = s + np.sum(row) * t
            continue
        s = s - np.sum(row ** 2)
    return s


# == early return ===============================================================================

def return_in_branch(x):
    if np.sum(x) > 2.0:
        return np.sum(x ** 2)
    y = np.sin(x)
    return np.sum(y * x)


def return_in_every_branch(x, t):
    if t > 1.0:
        return np.sum(x) * t
    elif t > 0.0:
        return np.sum(x ** 2) * t
    else:
        return np.sum(np.exp(x * t))


def return_in_loop(x):
    s = 0.0
    for v in x:
        s = s + v * v
        if s > 1.0:
            return s * v
    return s


def return_in_nested_loops(A, t):
    s = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            s = s + A[i, j] * t
            if s > 3.0:
                return s * s
    return -s


def return_in_while(x):
    y = x
    k = 0
    while k < 10:
        y = np.sin(y) + x
        if np.sum(y) > 4.0:
            return np.sum(y) * (k + 2)
        k += 1
    return np.sum(y)


def return_before_loop(x, n):
    if n == 0:
        return np.sum(x)
    s = 0.0
    for i in range(n):
        s = s + np.sum(np.cos(x * i))
    return s


# == calls to the user's own functions ==========================================================

def scaled_power(x, a, b=2.0):
    return a * x ** b


def moments(x):
    m = np.mean(x)
    return m, np.mean((x - m) ** 2)


def soft_clip(x, limit):
    if np.max(x) > limit:
        return limit * np.tanh(x / limit)
    return x


def horner(x, coeffs):
    s = 0.0
    for c in coeffs:
        s = s * x + c
    return s


def standardized(x):
    m, v = moments(x)
    return (x - m) / np.sqrt(v + 0.1)


def call_with_literals(x):
    return np.sum(scaled_power(x, 3.0, 2.0))


def call_with_keywords(x):
    return np.sum(scaled_power(b=3.0, a=0.5, x=x))


def call_with_default(x):
    return np.sum(scaled_power(x, 1.5))


def call_with_star_args(x):
    args = (x, 2.0)
    y = scaled_power(*args)
    z = scaled_power(*(x, 0.5), b=3.0)
    return np.sum(y + z)


def call_with_star_list(x, b):
    args = [x, 0.7, b]
    return np.sum(scaled_power(*args))


def call_helper_returning_tuple(x):
    m, v = moments(x)
    pair = moments(x * 2.0)
    return m * v + pair[1]


def call_helper_with_branch(x, limit):
    return np.sum(soft_clip(x * 2.0, limit) ** 2)


def call_helper_with_list_variable(x, t):
    coeffs = [1.0, t, 2.0]
    return np.sum(horner(x, coeffs))


def call_helper_with_list_literal(x, t):
    return np.sum(horner(x, [1.0, t, 2.0]))


def call_helper_calling_helper(x):
    z = standardized(x)
    return np.sum(z ** 3 + z)


def call_helper_in_loop(x, n):
    y = x
    for i in range(n):
        y = soft_clip(y * 1.5, 2.0) + 0.1
    return np.sum(y)


def recursive_power(x, n):
    if n == 0:
        return np.ones_like(x)
    return x * recursive_power(x, n - 1)


def call_recursive_helper(x, n):
    return np.sum(recursive_power(x, n))


def recursive_sum(x, n):
    if n <= 0:
        return np.sum(x)
    return recursive_sum(np.sin(x) * x, n - 1) + np.sum(x) / n


def recursive_tree(x, n):
    if n < 2:
        return np.sum(x * (n + 1.0))
    return recursive_tree(np.sin(x), n - 1) + 0.5 * recursive_tree(x * x, n - 2)


def make_scaler(k):
    def scale(x):
        return x * k
    return scale


def make_weighted_norm(w, threshold):
    def weighted_norm(x):
        if np.sum(x) > threshold:
            return np.sum(w * x ** 2)
        return np.sum(w * np.sin(x))
    return weighted_norm


triple = make_scaler(3.0)
weighted_norm = make_weighted_norm(arr(0.5, 1.0, 1.5, 2.0), 1.0)


def call_closure(x):
    return np.sum(np.sin(triple(x)))


def nested_def_capturing_argument(x):
    def inner(y):
        return np.sin(y) * x
    return np.sum(inner(x * 2.0) + inner(x))


def nested_def_in_loop(x, n):
    def step(h):
        return np.tanh(h * x + 0.1)
    h = x
    for i in range(n):
        h = step(h)
    return np.sum(h)


def nested_def_with_branch(x):
    def inner(y, p):
        if np.sum(y) > 2.0:
            return y ** p
        return np.sin(y)
    return np.sum(inner(x, 2.0) + inner(x * 0.5, 3.0))


def nested_def_with_default(x):
    def inner(y, p=2.0):
        return y ** p
    return np.sum(inner(x) + inner(x, 3.0))


def lambda_assigned(x):
    sq = lambda v: v * v
    shift = lambda v, c: v + c * x
    return np.sum(sq(x) + shift(x, 2.0) + shift(sq(x), 0.5))


def lambda_with_default(x):
    shift = lambda v, c=1.0: v + c * x
    return np.sum(shift(x, 2.0) + shift(x))


cube = lambda v: v ** 3


def call_module_lambda(x):
    return np.sum(cube(np.sin(x)))


square_scaled = functools.partial(scaled_power, b=2.0)
half_power = functools.partial(scaled_power, a=0.5)


def call_partial(x):
    return np.sum(square_scaled(x, 1.5) + half_power(x, b=3.0))


def sum_of_power(x, a, b):
    return np.sum(a * x ** b)


cubic_sum = functools.partial(sum_of_power, b=3.0)


# == containers =================================================================================

def list_literal_indexing(x):
    items = [x, x * 2.0, np.sin(x)]
    return np.sum(items[0] * items[2] + items[-2])


def list_append_in_loop(x, n):
    hs = []
    h = x
    for i in range(n):
        h = np.sin(h) + 0.5
        hs.append(h)
    return np.sum(sum(hs))


def list_extend(x):
    items = [x]
    items.extend([x * 2.0, np.cos(x)])
    items.extend((x ** 2,))
    total = 0.0
    for item in items:
        total = total + np.sum(item) * len(items)
    return total


def list_sum_builtin(x):
    return sum([v ** 2 for v in x]) * np.sum(sum([np.sin(x), x]))


def list_comprehension_with_filter(x):
    ys = [np.sin(v) * (i + 1) for i, v in enumerate(x)]
    zs = [y * y for y in ys if y > 0.5]
    return sum(zs) + len(zs) * ys[0]


def list_comprehension_nested(A):
    return sum([row[i] * row[j] for row in A for i in range(2) for j in range(i + 1)])


def list_index_variable(x, k):
    items = [x ** (j + 1) for j in range(3)]
    return np.sum(items[k] * items[k - 1])


def list_slice_loop(x):
    items = [x, 2.0 * x, x ** 2, np.sin(x)]
    total = 0.0
    for item in items[1:3]:
        total = total + np.sum(item)
    return total


def tuple_values(x):
    t = (x, x * 3.0, np.exp(x))
    a, b, c = t
    return np.sum(a * t[1] + c * b) + len(t)


def dict_constant_keys(x):
    d = {"a": x, "b": np.sin(x)}
    c = d["a"] * d["b"]
    return np.sum(d["a"] * 2.0 + c) + len(d)


def dict_new_key(x):
    d = {"a": x, "b": np.sin(x)}
    d["c"] = d["a"] * d["b"]
    return np.sum(d["b"] + d["c"])


def dict_overwrite_key(x):
    d = {"a": x, "b": np.sin(x)}
    d["a"] = d["b"] * 2.0
    return np.sum(d["a"] * x)


def dict_in_loop(x, n):
    params = {"w": x, "acc": 0.0}
    for i in range(n):
        params["acc"] = params["acc"] + np.sum(params["w"] ** 2)
        params["w"] = params["w"] * 0.9
    return params["acc"]


def len_of_things(x):
    items = [x, x]
    return np.sum(x) * len(x) + len(items) * np.sum(x ** 2)


# == in-place array writes ======================================================================

def zeros_then_item_writes(x):
    n = len(x)
    y = np.zeros(n)
    for i in range(n):
        y[i] = x[i] ** 2 * (i + 1)
    return np.sum(y * y)


def prefix_recurrence_in_place(x):
    y = np.zeros(len(x))
    y[0] = x[0]
    for i in range(1, len(x)):
        y[i] = y[i - 1] * x[i] + np.sin(x[i])
    return np.sum(y)


def overwrite_same_item(x):
    y = np.zeros(3)
    y[0] = x[0] * x[1]
    y[1] = y[0] + x[2]
    y[0] = np.sin(x[3])
    return np.sum(y * y)


def overwrite_items_in_loop(x, n):
    y = x.copy()
    for k in range(n):
        y[k % len(y)] = np.sin(y[k % len(y)]) * y[(k + 1) % len(y)]
    return np.sum(y)


def item_write_in_branches(x):
    y = np.zeros(len(x))
    for i in range(len(x)):
        if x[i] > 0.5:
            y[i] = x[i] ** 2
        else:
            y[i] = -x[i]
    return np.sum(y * y) + y[0]


def slice_assignment(A):
    B = A.copy()
    B[1:3] = np.sin(A[1:3]) * 2.0
    return np.sum(B * B)


def column_zeroed(A):
    B = A * 2.0
    B[:, 0] = 0.0
    return np.sum(B ** 2)


def block_writes(A):
    B = np.zeros((4, 4))
    B[1:4, :] = A
    B[:2, 1:3] = A[:2, :2] * A[1:3, 2:4]
    return np.sum(np.sin(B))


def open_ended_slices(x):
    y = x.copy()
    y[1:] = y[:-1] * x[1:]
    return np.sum(y ** 2)


def row_writes_in_loop(A, v):
    M = np.zeros((len(v), A.shape[1]))
    for i in range(len(v)):
        M[i] = A[i % A.shape[0]] * v[i]
    return np.sum(M @ M.T)


def mask_writes(x):
    y = x.copy()
    y[y > 0.5] = 0.0
    y[x < 0.0] = x[x < 0.0] * 2.0
    return np.sum(y * np.exp(x))


def augmented_whole_array(x, y):
    z = x * 1.0
    z += y
    z *= x
    z -= np.sin(y)
    z /= 2.0 + y * y
    return np.sum(z)


def augmented_slices(A):
    B = A.copy()
    B[1:3] += A[:2] ** 2
    B[:, 1] *= 3.0
    B[0] *= B[2]
    return np.sum(B * A)


def augmented_item_in_loop(x, n):
    acc = np.zeros(2)
    for i in range(n):
        acc[i % 2] += x[i % len(x)] ** 2
        acc *= 0.9
    return np.sum(acc * acc)


def copy_then_write(x):
    y = x.copy()
    y[0] = 2.0 * y[-1]
    y[-1] = 0.0
    return np.sum(y * x)


# == an RNN, and a loop that only adds ==========================================================

def rnn(W, U, h0, xs):
    h = h0
    for x in xs:
        h = np.tanh(W @ h + U @ x)
    return np.sum(h ** 2)


def rnn_collect_states(W, h0, xs):
    h = h0
    hs = []
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[t, :2])
        hs.append(h)
    return np.sum(np.stack(hs) ** 2)


def loop_only_adds(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
    return np.sum(s)


# == the corpus =================================================================================

A_T = A.T.copy()  # four rows of three
X5 = arr(0.3, 0.8, 1.3, 1.7, 0.6)

CASES = [
    # branches
    Case(if_else_on_sum, ((V,), (SMALL,)), ("if/elif/else",)),
    Case(if_elif_else_on_scalar, ((V, 1.5), (V, 0.5), (V, -0.5), (V, -2.0)), ("if/elif/else",),
         wrt=(0, 1)),
    Case(if_without_else, ((V,), (SMALL,)), ("if/elif/else",)),
    Case(if_nested, ((V, 0.5), (SMALL, 0.5), (V, -2.0), (V, -0.5)), ("nested if",), wrt=(0, 1)),
    Case(if_inside_loop, ((V,), (W,), (-V,)), ("if in loop",)),
    Case(if_binds_only_in_one_branch, ((V, 0.7), (V, 0.2)), ("if/elif/else",), wrt=(0, 1)),
    Case(if_on_string_argument, ((V, "square"), (V, "sine"), (V, "identity")),
         ("if/elif/else", "early return")),
    Case(conditional_expression, ((V, 0.5), (V, 2.0), (V, -1.0), (SMALL, -1.0)),
         ("conditional expression",), wrt=(0, 1)),
    Case(conditional_expression_on_constants, ((V, 5), (V, 1)), ("conditional expression",)),
    Case(conditional_expression_as_argument, ((V, 0.5), (V, 2.0)), ("conditional expression",),
         wrt=(0, 1)),
    Case(conditional_expression_returned, ((V,), (SMALL,)), ("conditional expression",
                                                                "early return")),
    Case(conditional_expression_in_loop, ((V,), (SMALL,)), ("conditional expression",
                                                               "if in loop")),
    Case(and_or_not, ((SMALL, 0.5), (V, 0.5), (W, 1.5), (SMALL, -2.0)), ("and/or/not",),
         wrt=(0, 1)),
    # for loops
    Case(range_one_arg, ((0.7, 0), (0.7, 1), (0.7, 5)), ("range(n)",)),
    Case(range_two_args, ((V, 1, 4), (V, 2, 3), (V, 4, 2)), ("range(a, b)",)),
    Case(range_three_args, ((V,), (X5,), (arr(0.9),)), ("range(a, b, step)",)),
    Case(range_positive_step, ((V, 8), (V, 2), (V, 1)), ("range(a, b, step)",)),
    Case(range_from_data, ((V,), (SMALL,), (W,)), ("range from data",)),
    Case(range_from_scalar_value, ((V, 0.5), (V, 1.4), (V, 0.2)), ("range from data",),
         wrt=(0, 1), autograd=False),  # int() of a traced value
    Case(for_over_rows, ((A,), (A[:1],), (A_T,)), ("for over rows",)),
    Case(for_over_list, ((V,), (W,)), ("for over list",), one_path=True),
    Case(for_over_tuple, ((V, W), (SMALL, V)), ("for over tuple",), wrt=(0, 1), one_path=True),
    Case(for_over_list_argument, ((V, [0.5, -1.0]), (V, []), (V, [2.0])), ("for over list",)),
    Case(for_enumerate, ((V,), (X5,), (arr(0.4),)), ("enumerate",)),
    Case(for_enumerate_start_over_rows, ((A,), (A_T,)), ("enumerate", "for over rows")),
    Case(for_zip, ((V, W), (V, W[:2])), ("zip",), wrt=(0, 1)),
    Case(for_zip_three, ((V, W, A), (V[:2], W, A)), ("zip", "for over rows"), wrt=(0, 1, 2)),
    Case(for_reversed_array, ((V,), (X5,)), ("reversed",)),
    Case(for_reversed_range, ((V,), (X5,), (arr(0.5),)), ("reversed",)),
    Case(for_reversed_list, ((V,), (W,)), ("reversed", "list literal"), one_path=True),
    Case(for_enumerate_of_zip, ((V, W), (V[:2], W)), ("enumerate", "zip"), wrt=(0, 1)),
    Case(for_zip_of_enumerate_and_reversed, ((V, W), (V, W[:3])), ("enumerate", "zip", "reversed"),
         wrt=(0, 1)),
    Case(for_nested_loops, ((A, V), (A[:2, :3], V[:3])), ("nested loops",), wrt=(0, 1)),
    Case(for_triangular_nested, ((V,), (X5,), (arr(0.5),)), ("nested loops",)),
    Case(power_by_loop, ((0.7, 0), (0.7, 1), (0.7, 4), (-1.3, 3)), ("range(n)",)),
    Case(repeated_sine, ((V, 0), (V, 1), (V, 3)), ("range(n)",)),
    Case(for_nonlinear_state, ((V, 0), (V, 1), (V, 6)), ("range(n)",)),
    Case(for_variable_used_after_loop, ((V,), (arr(2.0),)), ("for over rows",)),
    # while loops
    Case(while_value_condition, ((0.5,), (9.0,), (20.0,)), ("while",)),
    Case(while_array_condition, ((V,), (SMALL,), (4.0 * V,)), ("while",)),
    Case(while_counter, ((V, 0), (V, 1), (V, 4)), ("while",)),
    Case(while_newton_sqrt, ((1.3,), (2.0,), (9.0,), (1e4,)), ("while",)),
    Case(while_true_break, ((V,), (SMALL,)), ("while", "break")),
    Case(while_else, ((V, 3), (SMALL, 3), (SMALL, 0)), ("while-else", "break")),
    Case(while_continue, ((V,), (SMALL,), (W,)), ("while", "continue")),
    # break, continue, else
    Case(for_break, ((V,), (SMALL,), (arr(1.5, 0.2),)), ("break",)),
    Case(for_continue, ((V,), (SMALL,)), ("continue",)),
    Case(for_else, ((V, 1.0), (SMALL, 1.0), (V, 0.8)), ("for-else", "break"), wrt=(0, 1)),
    Case(for_break_and_continue, ((V,), (W,), (X5 * 3.0,)), ("break", "continue")),
    Case(nested_break_inner_only, ((A,), (A * 0.5,)), ("break", "nested loops")),
    Case(nested_break_outer_by_flag, ((A,), (A * 0.3,)), ("break", "nested loops")),
    Case(nested_inner_else_continues_outer, ((A, 0.9), (A, 0.5), (A, 2.0)),
         ("for-else", "continue", "nested loops"), wrt=(0, 1)),
    # early return
    Case(return_in_branch, ((V,), (SMALL,)), ("early return",)),
    Case(return_in_every_branch, ((V, 1.5), (V, 0.5), (V, -0.5)), ("early return",), wrt=(0, 1)),
    Case(return_in_loop, ((V,), (SMALL,)), ("early return",)),
    Case(return_in_nested_loops, ((A, 1.0), (A, 0.2)), ("early return", "nested loops"),
         wrt=(0, 1)),
    Case(return_in_while, ((V,), (0.5 * V,), (SMALL,)), ("early return", "while")),
    Case(return_before_loop, ((V, 0), (V, 3)), ("early return",)),
    # calls
    Case(call_with_literals, ((V,), (W,)), ("call literals",), one_path=True),
    Case(call_with_keywords, ((V,), (W,)), ("call keywords",), one_path=True),
    Case(call_with_default, ((V,), (W,)), ("call defaults",), one_path=True),
    Case(call_with_star_args, ((V,), (W,)), ("call *args",), one_path=True),
    Case(call_with_star_list, ((V, 3.0), (V, 2.0)), ("call *args", "list literal"),
         wrt=(0, 1), one_path=True),
    Case(call_helper_returning_tuple, ((V,), (W,)), ("helper returns tuple",), one_path=True),
    Case(call_helper_with_branch, ((V, 2.0), (SMALL, 2.0)), ("call literals", "early return"),
         wrt=(0, 1)),
    Case(call_helper_with_list_variable, ((V, 0.5), (W, -1.5)),
         ("for over list", "list literal"), wrt=(0, 1), one_path=True),
    Case(call_helper_with_list_literal, ((V, 0.5), (W, -1.5)),
         ("call literals", "list literal"), wrt=(0, 1), one_path=True),
    Case(call_helper_calling_helper, ((V,), (W,)), ("helper returns tuple",), one_path=True),
    Case(call_helper_in_loop, ((V, 0), (V, 1), (V, 4)), ("call literals", "range(n)")),
    Case(call_recursive_helper, ((V, 0), (V, 1), (V, 3)), ("recursion",)),
    Case(recursive_sum, ((V, 0), (V, 1), (V, 4)), ("recursion",)),
    Case(recursive_tree, ((V, 1), (V, 2), (V, 4)), ("recursion",)),
    Case(call_closure, ((V,), (W,)), ("closure",), one_path=True),
    Case(weighted_norm, ((V,), (SMALL,)), ("closure",)),
    Case(nested_def_capturing_argument, ((V,), (W,)), ("nested def", "closure"), one_path=True),
    Case(nested_def_in_loop, ((V, 0), (V, 3)), ("nested def",)),
    Case(nested_def_with_branch, ((V,), (SMALL,)), ("nested def",)),
    Case(nested_def_with_default, ((V,), (W,)), ("nested def", "call defaults"), one_path=True),
    Case(lambda_assigned, ((V,), (W,)), ("lambda",), one_path=True),
    Case(lambda_with_default, ((V,), (W,)), ("lambda", "call defaults"), one_path=True),
    Case(call_module_lambda, ((V,), (W,)), ("lambda",), one_path=True),
    Case(call_partial, ((V,), (W,)), ("functools.partial",), one_path=True),
    Case(cubic_sum, ((V, 0.5), (W, 2.0)), ("functools.partial",), wrt=(0, 1), one_path=True),
    # containers
    Case(list_literal_indexing, ((V,), (W,)), ("list literal", "indexing"), one_path=True),
    Case(list_append_in_loop, ((V, 1), (V, 4)), ("append",)),
    Case(list_extend, ((V,), (W,)), ("extend", "len"), one_path=True),
    Case(list_sum_builtin, ((V,), (W,)), ("sum(list)", "list comprehension"), one_path=True),
    Case(list_comprehension_with_filter, ((V,), (SMALL,)), ("list comprehension", "len")),
    Case(list_comprehension_nested, ((A,), (A_T,)), ("list comprehension",)),
    Case(list_index_variable, ((V, 1), (V, 2), (V, 0)), ("indexing",), one_path=True),
    Case(list_slice_loop, ((V,), (W,)), ("indexing", "for over list"), one_path=True),
    Case(tuple_values, ((V,), (W,)), ("tuple", "len"), one_path=True),
    Case(dict_constant_keys, ((V,), (W,)), ("dict", "len"), one_path=True),
    Case(dict_new_key, ((V,), (W,)), ("dict",), one_path=True),
    Case(dict_overwrite_key, ((V,), (W,)), ("dict",), one_path=True),
    Case(dict_in_loop, ((V, 0), (V, 3)), ("dict",)),
    Case(len_of_things, ((V,), (X5,)), ("len",), one_path=True),
    # in-place array writes (autograd refuses array item assignment)
    Case(zeros_then_item_writes, ((V,), (X5,)), ("item write",), autograd=False),
    Case(prefix_recurrence_in_place, ((V,), (X5,), (arr(0.5),)), ("item write",),
         autograd=False),
    Case(overwrite_same_item, ((V,), (W,)), ("item write",), autograd=False, one_path=True),
    Case(overwrite_items_in_loop, ((V, 0), (V, 3), (V, 9)), ("item write", "copy"),
         autograd=False),
    Case(item_write_in_branches, ((V,), (W,)), ("item write", "if in loop"), autograd=False),
    Case(slice_assignment, ((A,), (A_T,)), ("slice write", "copy"), autograd=False, one_path=True),
    Case(column_zeroed, ((A,), (A_T,)), ("column write",), autograd=False, one_path=True),
    Case(block_writes, ((A,), (A * 2.0,)), ("slice write",), autograd=False, one_path=True),
    Case(open_ended_slices, ((V,), (arr(0.5, 1.2),)), ("slice write", "copy"), autograd=False,
         one_path=True),
    Case(row_writes_in_loop, ((A, V), (A, X5)), ("item write",), wrt=(0, 1), autograd=False),
    Case(mask_writes, ((V,), (W,)), ("item write", "copy"), autograd=False, one_path=True),
    Case(augmented_whole_array, ((V, W), (W, V)), ("augmented array",), wrt=(0, 1),
         autograd=False, one_path=True),
    Case(augmented_slices, ((A,), (A_T,)), ("augmented slice", "copy"), autograd=False,
         one_path=True),
    Case(augmented_item_in_loop, ((V, 0), (V, 5)), ("augmented slice", "augmented array"),
         autograd=False),
    Case(copy_then_write, ((V,), (W,)), ("copy", "item write"), autograd=False, one_path=True),
    # an RNN, and a loop that only adds
    Case(rnn, ((M2, U2, H0, XS), (M2, U2, H0, XS[:1]), (M2, U2, H0, XS[:0])), ("rnn",),
         wrt=(0, 1, 2)),
    Case(rnn_collect_states, ((M2, H0, XS), (M2, H0, XS[:2])), ("rnn", "append"), wrt=(0, 1)),
    Case(loop_only_adds, ((V, 0), (V, 1), (V, 7)), ("only adds",)),
]
