"""Every public name of the facade is compared with PyTorch somewhere.

The differential modules register their cases by the public name each covers; this test lists
the facade's names (the torch namespace, Tensor's methods and operators, ``nn``, ``nn.functional``,
``nn.init``, ``nn.utils``, ``optim``, ``optim.lr_scheduler``, ``utils.data``, ``autograd``,
``autograd.functional``, ``linalg``) and fails on any without a case -- so a new name cannot be
added without being compared. The few names not compared are listed with the reason.
"""
from __future__ import annotations

import importlib

import pytest

import sourcegrad

pytest.importorskip("torch", reason="the differential tests need PyTorch (Python 3.11)")

MODULES = ["test_tensor_vs_torch_ops", "test_tensor_vs_torch_shapes",
           "test_tensor_vs_torch_methods", "test_tensor_vs_torch_nn",
           "test_tensor_vs_torch_training", "test_tensor_vs_torch_autograd"]

#: public names compared elsewhere or not comparable, and why
NOT_HERE = {
    "Node": "the graph's node base class; node names and next_functions are compared by the "
            "grad_fn checks of every case",
    "function": "sourcegrad's compiled-function node (no PyTorch twin): test_tensor_ops.py",
    "register_hook-node": "",
    "FunctionCtx": "the ctx of autograd.Function, exercised by its cases",
    "GradcheckError": "raised by the failing gradcheck case (compared by exception type)",
    "detect_anomaly": "accepted as a no-op (sourcegrad's errors name the operation anyway)",
    "set_detect_anomaly": "accepted as a no-op",
    "functional": "autograd.functional: each function has cases",
    "lr_scheduler": "each scheduler has cases",
    "LRScheduler": "the base class of the schedulers, each of which has cases",
}


def _registries():
    cases, methods = {}, set()
    for name in MODULES:
        module = importlib.import_module(name)
        for key, found in module.REGISTRY.cases.items():
            cases.setdefault(key, []).extend(found)
        methods |= module.REGISTRY.method_forms
    return cases, methods


CASES, METHOD_FORMS = _registries()


def _missing(names, prefix=""):
    return sorted(n for n in names if f"{prefix}{n}" not in CASES and n not in NOT_HERE)


def test_every_torch_namespace_name_is_compared():
    from sourcegrad.tensor import __all__ as public
    assert _missing(public) == []


def test_every_tensor_method_and_operator_is_compared():
    names = {n for n in dir(sourcegrad.Tensor) if not n.startswith("_")}
    names |= {n for n in vars(sourcegrad.Tensor) if n.startswith("__") and n.endswith("__")
              and n not in {"__init__", "__module__", "__doc__", "__slots__", "__weakref__",
                            "__array_priority__", "__array_ufunc__", "__array_function__",
                            "__sourcegrad_function__", "__reduce_ex__", "__deepcopy__",
                            "__array__", "__int__", "__complex__", "__str__", "__setattr__"}}
    missing = [n for n in sorted(names) if n not in CASES and n not in METHOD_FORMS
               and n not in NOT_HERE]
    assert missing == []


@pytest.mark.parametrize("namespace, prefix", [
    (sourcegrad.nn.functional, "F."), (sourcegrad.nn.init, "init."),
    (sourcegrad.autograd, "autograd."), (sourcegrad.autograd.functional, "autograd.functional."),
    (sourcegrad.utils.data, "data."), (sourcegrad.linalg, "linalg."),
])
def test_every_function_of_each_namespace_is_compared(namespace, prefix):
    assert _missing(namespace.__all__, prefix) == []


def test_every_module_optimizer_and_schedule_is_compared():
    assert _missing(n for n in sourcegrad.nn.__all__ if n not in ("functional", "init",
                                                                   "utils")) == []
    assert _missing(n for n in sourcegrad.optim.__all__) == []
    schedules = [n for n in vars(sourcegrad.optim.lr_scheduler) if n[0].isupper()
                 and not n.startswith("_")]
    assert _missing(schedules, "lr_scheduler.") == []
    utils = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
             "vector_to_parameters"]
    assert _missing(utils, "utils.") == []


def test_the_comparisons_cover_hundreds_of_cases():
    assert sum(len(v) for v in CASES.values()) > 1000
