"""RMSprop and Adagrad: steps scaled by running (or accumulated) squared gradients."""
from __future__ import annotations

from ..tensor.creation import full_like, zeros_like
from ..tensor.grad_mode import no_grad
from .optimizer import Optimizer, check_positive, step_count


class RMSprop(Optimizer):
    """``v = alpha v + (1 - alpha) g**2``; ``p -= lr * g / (sqrt(v) + eps)`` (centered: the
    variance ``v - mean(g)**2``; with momentum through a buffer)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False) -> None:
        for name, value in (("learning rate", lr), ("epsilon value", eps),
                            ("momentum value", momentum), ("weight_decay value", weight_decay),
                            ("alpha value", alpha)):
            check_positive(name, value)
        super().__init__(params, {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                                  "centered": centered, "weight_decay": weight_decay,
                                  "capturable": capturable, "foreach": foreach,
                                  "maximize": maximize, "differentiable": differentiable})

    def _update(self, p, group) -> None:
        alpha, eps, momentum = group["alpha"], group["eps"], group["momentum"]
        grad = p._grad if not group["maximize"] else -p._grad
        state = self.state[p]
        if "square_avg" not in state:
            state["square_avg"] = zeros_like(p)
            if momentum > 0:
                state["momentum_buffer"] = zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = zeros_like(p)
        step_count(state)
        if group["weight_decay"]:
            grad = grad.add(p, alpha=group["weight_decay"])
        square_avg = state["square_avg"]
        square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg.lerp_(grad, 1 - alpha)
            avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
        else:
            avg = square_avg.sqrt()
        avg = avg.add_(eps)
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf.mul_(momentum).addcdiv_(grad, avg)
            p.add_(buf, alpha=-group["lr"])
        else:
            p.addcdiv_(grad, avg, value=-group["lr"])


class Adagrad(Optimizer):
    """``s += g**2``; ``p -= lr_t * g / (sqrt(s) + eps)`` with ``lr_t = lr / (1 + (t-1) lr_decay)``."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False,
                 fused=None) -> None:
        for name, value in (("learning rate", lr), ("lr_decay value", lr_decay),
                            ("weight_decay value", weight_decay),
                            ("initial_accumulator_value value", initial_accumulator_value),
                            ("epsilon value", eps)):
            check_positive(name, value)
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "eps": eps,
                                  "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value,
                                  "foreach": foreach, "maximize": maximize,
                                  "differentiable": differentiable, "fused": fused})
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["sum"] = full_like(p, group["initial_accumulator_value"])

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        with no_grad():
            for group in self.param_groups:
                for p in self._params_with_grad(group):
                    grad = p._grad if not group["maximize"] else -p._grad
                    state = self.state[p]
                    t = step_count(state)
                    if group["weight_decay"]:
                        grad = grad.add(p, alpha=group["weight_decay"])
                    clr = group["lr"] / (1 + (t - 1) * group["lr_decay"])
                    state["sum"].addcmul_(grad, grad, value=1)
                    std = state["sum"].sqrt().add_(group["eps"])
                    p.addcdiv_(grad, std, value=-clr)
        return loss
