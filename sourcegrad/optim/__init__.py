"""``sourcegrad.optim``: optimizers and learning-rate schedules, as ``torch.optim``.

Each optimizer is a short ``step()`` of in-place Tensor operations under ``no_grad`` (the
update PyTorch's single-tensor implementation makes, in its order). See ``docs/nn-and-optim.md``.
"""
from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import Adagrad, RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
