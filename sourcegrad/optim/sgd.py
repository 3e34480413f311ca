"""Stochastic gradient descent, with momentum, dampening, Nesterov momentum and weight decay."""
from __future__ import annotations

from ..tensor.grad_mode import no_grad
from .optimizer import Optimizer, check_positive, required


class SGD(Optimizer):
    """``p -= lr * d`` where ``d`` is the gradient (plus ``weight_decay * p``), or its momentum
    buffer ``b = momentum * b + (1 - dampening) * d`` (Nesterov: ``d + momentum * b``)."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None) -> None:
        if lr is not required:
            check_positive("learning rate", lr)
        check_positive("momentum value", momentum)
        check_positive("weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov,
                                  "maximize": maximize, "foreach": foreach,
                                  "differentiable": differentiable, "fused": fused})

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        with no_grad():
            for group in self.param_groups:
                momentum, lr = group["momentum"], group["lr"]
                for p in self._params_with_grad(group):
                    d = p._grad if not group["maximize"] else -p._grad
                    if group["weight_decay"]:
                        d = d.add(p, alpha=group["weight_decay"])
                    if momentum:
                        state = self.state[p]
                        buf = state.get("momentum_buffer")
                        if buf is None:
                            buf = state["momentum_buffer"] = d.clone()
                        else:
                            buf.mul_(momentum).add_(d, alpha=1 - group["dampening"])
                        d = d.add(buf, alpha=momentum) if group["nesterov"] else buf
                    p.add_(d, alpha=-lr)
        return loss
