"""The ``Optimizer`` base class: parameter groups, per-parameter state, ``zero_grad``,
``state_dict``/``load_state_dict`` and PyTorch's printed form.

A subclass implements ``step()`` with in-place Tensor operations on the parameters under
``no_grad``; those write straight into memory (see ``sourcegrad/tensor/views.py``), which is all
an optimizer needs -- no graph is recorded.
"""
from __future__ import annotations

import copy
from collections import defaultdict

from ..tensor.creation import tensor
from ..tensor.grad_mode import no_grad
from ..tensor.tensor import Tensor


class _RequiredParameter:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Holds ``param_groups`` (dicts of parameters and settings) and ``state`` (per parameter)."""

    def __init__(self, params, defaults: dict) -> None:
        self.defaults = defaults
        self.state: dict = defaultdict(dict)
        self.param_groups: list = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients (``None``), or set them to zero in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    p._grad = p._grad.detach()
                    p._grad.zero_()

    def step(self, closure=None):
        """One update of every parameter that has a gradient (``_update``, per algorithm);
        returns the closure's loss when one is given."""
        loss = self._closure_loss(closure)
        with no_grad():
            for group in self.param_groups:
                for p in self._params_with_grad(group):
                    self._update(p, group)
        return loss

    def _update(self, p, group) -> None:
        raise NotImplementedError

    def _closure_loss(self, closure):
        if closure is None:
            return None
        from ..tensor.grad_mode import enable_grad
        with enable_grad():
            return closure()

    def _params_with_grad(self, group):
        return [p for p in group["params"] if p._grad is not None]

    # -- saving and loading -------------------------------------------------------------------
    def state_dict(self) -> dict:
        index = {}
        groups = []
        for group in self.param_groups:
            saved = {k: v for k, v in group.items() if k != "params"}
            saved["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                saved["params"].append(index[id(p)])
            groups.append(saved)
        state = {index[id(p)]: s for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = copy.deepcopy(state_dict)
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        params = {}
        for mine, saved in zip(self.param_groups, groups):
            if len(mine["params"]) != len(saved["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't "
                                 "match the size of optimizer's group")
            params.update(zip(saved["params"], mine["params"]))
            mine.update({k: v for k, v in saved.items() if k != "params"})
        self.state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            self.state[params[key]] = value

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines + [")"])

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state) -> None:
        self.__dict__.update(state)


def check_positive(name: str, value, strictly: bool = False) -> None:
    """PyTorch's checks of hyperparameters (``Invalid learning rate: -1``)."""
    if value < 0 or (strictly and value == 0):
        raise ValueError(f"Invalid {name}: {value}")


def step_count(state: dict) -> int:
    """Advance and return the step counter kept in ``state['step']`` (a tensor, as PyTorch)."""
    if "step" not in state:
        state["step"] = tensor(0.0)
    with no_grad():
        state["step"].add_(1)
    return int(state["step"].item())
