"""What each statement of a gradient costs: the generated one next to the hand-written one.

    python -m benchmarks.profile_generated W2            # both gradients of W2, statement by statement
    python -m benchmarks.profile_generated W6 --number 20

Every top-level statement of the function body is timed on its own, in order, on the
workload's inputs (a loop counts as one statement; ``return x`` is timed as evaluating ``x``).
Re-running a statement re-binds the same names, so later statements see values of the same
shapes; a statement that updates an array in place sees drifting values as it is re-run
(``np.tanh(h, out=h)`` squashes h further each time), so its cost is approximate. ``del``
statements run once and show as 0; a statement that cannot be re-run shows as nan. The cost of executing an empty statement is subtracted. The numbers add up to a bit
more than one call (each statement is timed warm and apart), which is fine for finding where
the time goes, and they run with the thread counts pinned as in ``run.py``.
"""
from __future__ import annotations

import argparse
import math
import sys


def _body(fn):
    """The function's own AST (FunctionDef) parsed from its source."""
    import ast
    import inspect
    import textwrap

    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    return next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))


def statement_costs(fn, args: tuple, number: int = 200, repeats: int = 5):
    """[(seconds per execution, source line)] for each top-level statement of ``fn``."""
    import ast
    import inspect
    import statistics
    import timeit

    node = _body(fn)
    namespace = dict(fn.__globals__)
    if fn.__closure__:
        namespace.update(zip(fn.__code__.co_freevars,
                             (c.cell_contents for c in fn.__closure__), strict=True))
    bound = inspect.signature(fn).bind(*args)
    bound.apply_defaults()
    namespace.update(bound.arguments)

    def cost(code):
        exec(code, namespace)  # noqa: S102 -- runs the profiled function's own statement
        timer = timeit.Timer("exec(code, ns)", globals={"code": code, "ns": namespace})
        return statistics.median(timer.repeat(repeats, number)) / number

    empty = cost(compile("pass", "<profile>", "exec"))
    out = []
    for stmt in node.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # docstring
        text = ast.unparse(stmt)
        if isinstance(stmt, ast.Return):
            stmt = ast.Assign([ast.Name("_returned", ast.Store())],
                              stmt.value or ast.Constant(None), lineno=0)
        code = compile(ast.fix_missing_locations(ast.Module([stmt], type_ignores=[])),
                       "<profile>", "exec")
        if isinstance(stmt, ast.Delete):  # frees memory; cannot be re-run, costs ~nothing
            exec(code, namespace)  # noqa: S102 -- the profiled function's own statement
            out.append((0.0, text))
            continue
        try:
            out.append((max(cost(code) - empty, 0.0), text))
        except NameError:  # re-running it needs a name a `del` inside it removed
            out.append((float("nan"), text))
    return out


def render(title: str, costs, total: float) -> str:
    lines = [f"{title}: {total * 1e6:.1f} µs per call; statements:"]
    for seconds, text in costs:
        first = text.splitlines()[0] + (" ..." if "\n" in text else "")
        lines.append(f"  {seconds * 1e6:9.2f} µs  {first}")
    total_known = sum(s for s, _ in costs if not math.isnan(s))
    lines.append(f"  {total_known * 1e6:9.2f} µs  (sum)")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_generated",
                                description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("workload")
    p.add_argument("--number", type=int, default=200, help="executions per timing")
    args = p.parse_args(argv)

    from benchmarks.run import pin_threads

    pin_threads()
    import timeit

    import numpy as np

    import sourcegrad
    from benchmarks.workloads import BY_NAME

    w = BY_NAME[args.workload]
    inputs = w.make_inputs(np.random.default_rng(0))
    a = tuple(inputs.values())
    df = sourcegrad.grad(w.forward, wrt=w.wrt if len(w.wrt) > 1 else w.wrt[0])
    for title, fn in (("hand-written", w.hand), ("sourcegrad", df)):
        total = min(timeit.Timer(lambda fn=fn: fn(*a)).repeat(5, args.number)) / args.number
        print(render(title, statement_costs(fn, a, args.number), total))
        print()
    print(sourcegrad.source(df))
    return 0


if __name__ == "__main__":
    sys.exit(main())
