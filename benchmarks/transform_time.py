"""How long does sourcegrad take to transform a 30-line function? (issue 2: under 10 ms)

    python -m benchmarks.transform_time

Prints the median and best wall-clock time and the median CPU time over fresh transforms (the
cache is cleared before each) for three 30-line functions -- one numpy operation per line,
several per line, and loops, branches and writes -- plus the time of a cached ``grad(f)``
(the second call).
"""
from __future__ import annotations

import statistics
import time

import numpy as np

import sourcegrad


def thirty_lines(W1, b1, W2, b2, X, Y, alpha=0.1):
    h = X @ W1 + b1
    h = np.tanh(h)
    z = h @ W2 + b2
    z = z - np.max(z, axis=1, keepdims=True)
    e = np.exp(z)
    s = np.sum(e, axis=1, keepdims=True)
    p = e / s
    logp = np.log(p)
    nll = -np.mean(np.sum(Y * logp, axis=1))
    r1 = np.sum(W1 ** 2)
    r2 = np.sum(W2 ** 2)
    reg = alpha * (r1 + r2)
    m = np.mean(h, axis=0)
    v = np.var(h, axis=0)
    hn = (h - m) / np.sqrt(v + 1e-5)
    act = np.sum(hn ** 2) / h.size
    q = np.abs(b1).sum() + np.abs(b2).sum()
    t = np.sin(z).mean() * np.cos(z).mean()
    u = np.exp(-np.sum(z * z) / z.size)
    w = np.sqrt(np.sum(p * p) + 1.0)
    k = np.log1p(np.exp(-np.abs(z))).mean()
    total = nll + reg
    total = total + 0.01 * act
    total = total + 0.001 * q
    total = total + 0.001 * t
    total = total + 0.001 * u
    total = total + 0.001 * w
    total = total + 0.001 * k
    return total


def thirty_simple_lines(W1, b1, W2, b2, X, Y):
    h = X @ W1
    h = h + b1
    h = np.tanh(h)
    z = h @ W2
    z = z + b2
    z = z - Y
    sq = z ** 2
    loss = np.mean(sq)
    r1 = W1 ** 2
    r1 = np.sum(r1)
    r2 = W2 ** 2
    r2 = np.sum(r2)
    reg = r1 + r2
    reg = 0.01 * reg
    a = np.abs(b1)
    a = np.sum(a)
    c = np.abs(b2)
    c = np.sum(c)
    l1 = a + c
    l1 = 0.001 * l1
    m = np.mean(h)
    v = np.var(h)
    s = np.sqrt(v + 1e-5)
    n = m / s
    n = n ** 2
    total = loss + reg
    total = total + l1
    total = total + 0.001 * n
    total = np.log1p(total)
    return total


def thirty_lines_flow(x, W, n=5):
    h = x
    hs = []
    for i in range(n):
        a = W @ h
        if np.sum(a) > 0:
            h = np.tanh(a)
        else:
            h = 0.5 * a
        hs.append(h)
    total = 0.0
    for k, v in enumerate(hs):
        total = total + (k + 1) * np.sum(v ** 2)
    y = np.zeros(len(x))
    for j in range(len(x)):
        y[j] = x[j] * h[j]
    total = total + np.sum(y)
    c = 0
    while total > 10.0 and c < 3:
        total = total / 2.0
        c = c + 1
    m = np.mean(h)
    s = np.std(h)
    z = (h - m) / (s + 1.0)
    total = total + np.sum(z ** 2)
    if total > 100.0:
        total = np.sqrt(total)
    return total


def _operations(fn) -> int:
    """How many operations the function has once normalized (one per statement)."""
    import inspect
    import textwrap

    import gast
    tree = gast.parse(textwrap.dedent(inspect.getsource(fn)))
    return sum(isinstance(n, (gast.BinOp, gast.UnaryOp, gast.Call, gast.Subscript, gast.Compare))
               for n in gast.walk(tree))


def transform_ms(fn, wrt, repeats=31) -> tuple[float, float, float]:
    """Median and best wall-clock time, and median CPU time, of fresh transforms (ms).

    CPU time counts only this process, so it moves less when other work shares the machine.
    """
    wall, cpu = [], []
    for _ in range(repeats):
        sourcegrad.clear_cache()
        start, start_cpu = time.perf_counter(), time.process_time()
        sourcegrad.grad(fn, wrt=wrt)
        wall.append((time.perf_counter() - start) * 1e3)
        cpu.append((time.process_time() - start_cpu) * 1e3)
    return statistics.median(wall), min(wall), statistics.median(cpu)


def main():
    rows = []
    cases = ((thirty_simple_lines, (0, 1, 2, 3)), (thirty_lines, (0, 1, 2, 3)),
             (thirty_lines_flow, (0, 1)))
    for fn, wrt in cases:
        median, best, cpu = transform_ms(fn, wrt)
        sourcegrad.grad(fn, wrt=wrt)
        start = time.perf_counter()
        for _ in range(1000):
            sourcegrad.grad(fn, wrt=wrt)
        cached_us = (time.perf_counter() - start) * 1e3
        rows.append((fn.__name__, _operations(fn), median, best, cpu, cached_us))
    print("| function (30 lines) | primitive operations | transform (ms, median) | best (ms) | "
          "CPU (ms, median) | cached grad(f) (µs) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, ops, median, best, cpu, cached in rows:
        print(f"| {name} | {ops} | {median:.1f} | {best:.1f} | {cpu:.1f} | {cached:.1f} |")
    # the gradients are right, too
    rng = np.random.default_rng(0)
    W1, b1 = rng.normal(size=(8, 16)) * 0.3, rng.normal(size=16) * 0.1
    W2, b2 = rng.normal(size=(16, 4)) * 0.3, rng.normal(size=4) * 0.1
    X, Y = rng.normal(size=(5, 8)), np.eye(4)[rng.integers(0, 4, 5)]
    sourcegrad.testing.check_grads(thirty_lines, W1, b1, W2, b2, X, Y, wrt=(0, 1, 2, 3),
                                   rtol=1e-4, atol=1e-6)
    sourcegrad.testing.check_grads(thirty_simple_lines, W1, b1, W2, b2, X, Y[:, :4],
                                   wrt=(0, 1, 2, 3), rtol=1e-4, atol=1e-6)
    sourcegrad.testing.check_grads(thirty_lines_flow, rng.normal(size=4),
                                   rng.normal(size=(4, 4)) * 0.5, wrt=(0, 1), rtol=1e-4)
    print("gradients checked against finite differences: ok")


if __name__ == "__main__":
    main()
