"""One training step of a small MLP: the Tensor facade's ``nn`` + ``optim`` against PyTorch eager,
and a compiled ``sourcegrad.value_and_grad`` step of the same model.

    python -m benchmarks.facade_training            # full: the table for docs/performance.md
    python -m benchmarks.facade_training --quick    # a few seconds

The model is Linear(64, 128) - ReLU - Linear(128, 128) - ReLU - Linear(128, 10) on a batch of 64,
with cross-entropy, trained by SGD with momentum or by Adam. Every system starts from the same
weights (the facade draws PyTorch's after ``manual_seed(0)``), and the losses of the first steps
are checked against each other before anything is timed. Times are medians per step (one
zero_grad + forward + backward + optimizer step), one thread everywhere, systems timed in turn
(``harness.time_round_robin``). Nothing here is a unit test: timings are printed, not asserted.
"""
from __future__ import annotations

import argparse
import sys

from benchmarks.run import pin_threads

BATCH, SIZES, CLASSES = 64, (64, 128, 128), 10


def _data(np):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, CLASSES, BATCH)
    return x, y


def _model(lib):
    lib.manual_seed(0)
    nn = lib.nn
    return nn.Sequential(nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(), nn.Linear(SIZES[1], SIZES[2]),
                         nn.ReLU(), nn.Linear(SIZES[2], CLASSES))


def _optimizer(lib, params, kind):
    if kind == "sgd":
        return lib.optim.SGD(params, lr=0.05, momentum=0.9)
    return lib.optim.Adam(params, lr=1e-3)


def eager_step(lib, kind):
    """A step function of ``lib`` (sourcegrad or torch): zero_grad, forward, backward, step."""
    import numpy as np
    x_np, y_np = _data(np)
    model = _model(lib)
    opt = _optimizer(lib, model.parameters(), kind)
    loss_fn = lib.nn.CrossEntropyLoss()
    x, y = lib.tensor(x_np), lib.tensor(y_np)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step, model


def mlp_loss(w1, b1, w2, b2, w3, b3, x, onehot):
    """The same model as numpy code for the compiler."""
    h1 = np.maximum(x @ w1.T + b1, 0.0)
    h2 = np.maximum(h1 @ w2.T + b2, 0.0)
    logits = h2 @ w3.T + b3
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.sum(logp * onehot) / x.shape[0]


np = None  # numpy, imported after the thread counts are pinned (see main)


def compiled_step(kind, start):
    """The step with ``sourcegrad.value_and_grad(mlp_loss)`` and the optimizer in numpy."""
    import sourcegrad
    x, y = _data(np)
    onehot = np.eye(CLASSES, dtype=np.float32)[y]
    params = [p.copy() for p in start]
    loss_and_grads = sourcegrad.value_and_grad(mlp_loss, wrt=(0, 1, 2, 3, 4, 5))
    state = {"t": 0, "m": [np.zeros_like(p) for p in params],
             "v": [np.zeros_like(p) for p in params]}

    def step():
        loss, grads = loss_and_grads(*params, x, onehot)
        state["t"] += 1
        for p, g, m, v in zip(params, grads, state["m"], state["v"]):
            if kind == "sgd":   # PyTorch's SGD: the first step's buffer is the gradient itself
                if state["t"] == 1:
                    m[...] = g
                else:
                    m *= 0.9
                    m += g
                p -= 0.05 * m
            else:
                m += 0.1 * (g - m)
                v *= 0.999
                v += 0.001 * g * g
                denom = np.sqrt(v) / np.sqrt(1 - 0.999 ** state["t"]) + 1e-8
                p -= (1e-3 / (1 - 0.9 ** state["t"])) * m / denom
        return float(loss)

    return step


def check_agreement(steps: dict, n: int = 3) -> None:
    losses = {name: [step() for _ in range(n)] for name, step in steps.items()}
    reference = losses["PyTorch eager"]
    for name, values in losses.items():
        for a, b in zip(values, reference):
            if abs(a - b) > 1e-4 * max(1.0, abs(b)):
                raise SystemExit(f"WRONG: {name} losses {values} differ from PyTorch's {reference}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.facade_training",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter repeats (a few seconds)")
    args = parser.parse_args(argv)
    pin_threads()
    global np
    import numpy
    np = numpy
    import torch

    import sourcegrad
    from benchmarks.harness import MODES, time_round_robin
    torch.set_num_threads(1)
    mode = MODES["quick" if args.quick else "full"]
    rows = []
    for kind in ("sgd", "adam"):
        facade, model = eager_step(sourcegrad, kind)
        start = [p.detach().numpy().copy() for p in model.parameters()]
        steps = {"sourcegrad facade (nn + optim)": facade,
                 "PyTorch eager": eager_step(torch, kind)[0],
                 "sourcegrad compiled step": compiled_step(kind, start)}
        check_agreement(steps)
        times = time_round_robin(steps, mode)
        base = times["PyTorch eager"]
        label = "SGD, momentum 0.9" if kind == "sgd" else "Adam"
        rows += [(label, name, seconds, seconds / base) for name, seconds in times.items()]
    print(table(rows, sourcegrad, torch))
    return 0


def table(rows, sourcegrad, torch) -> str:
    title = (f"Small MLP {SIZES[0]}-{SIZES[1]}-{SIZES[2]}-{CLASSES}, batch {BATCH}, float32, "
             f"one thread (numpy {np.__version__}, torch {torch.__version__}, Python "
             f"{sys.version.split()[0]})")
    lines = [title, "",
             "| optimizer | system | time per step | vs PyTorch eager |",
             "|---|---|---:|---:|"]
    for label, name, seconds, ratio in rows:
        lines.append(f"| {label} | {name} | {seconds * 1e6:,.0f} µs | {ratio:.2f}x |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
