"""The training-step benchmark's three systems agree (its check, without any timing).

``benchmarks/facade_training.py`` refuses to time systems whose first losses differ; this runs
that check alone: the facade's ``nn`` + ``optim`` step, PyTorch eager, and the compiled
``value_and_grad`` step, from the same weights, with SGD (momentum) and Adam.
"""
from __future__ import annotations

import numpy as np
import pytest

import sourcegrad
from benchmarks import facade_training

torch = pytest.importorskip("torch", reason="the benchmark compares with PyTorch (Python 3.11)")


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_facade_pytorch_and_compiled_steps_agree(kind, monkeypatch):
    monkeypatch.setattr(facade_training, "np", np)
    facade, model = facade_training.eager_step(sourcegrad, kind)
    start = [p.detach().numpy().copy() for p in model.parameters()]
    steps = {"sourcegrad facade (nn + optim)": facade,
             "PyTorch eager": facade_training.eager_step(torch, kind)[0],
             "sourcegrad compiled step": facade_training.compiled_step(kind, start)}
    facade_training.check_agreement(steps, n=4)  # raises SystemExit("WRONG: ...") otherwise
