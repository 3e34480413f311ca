"""Activation modules: each calls its ``nn.functional`` counterpart with its settings."""
from __future__ import annotations

from . import functional as F
from .module import Module


class _Activation(Module):
    """An activation with keyword settings that ``extra_repr`` prints in PyTorch's form."""

    _function = None
    _settings: tuple = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()
        values = dict(zip((name for name, _ in self._settings), args))
        values.update(kwargs)
        for name, default in self._settings:
            setattr(self, name, values.get(name, default))

    def forward(self, input):
        return type(self)._function(input, *(getattr(self, n) for n, _ in self._settings))

    def extra_repr(self) -> str:
        return ", ".join(f"{n}={getattr(self, n)!r}" for n, _ in self._settings
                         if n != "inplace" or getattr(self, n))


def _activation(name, function, settings=()):
    return type(name, (_Activation,), {"_function": staticmethod(function),
                                       "_settings": tuple(settings),
                                       "__doc__": f"Module form of ``F.{function.__name__}``."})


ReLU = _activation("ReLU", lambda x, inplace=False: x.relu_() if inplace else F.relu(x),
                   [("inplace", False)])
ReLU6 = _activation("ReLU6", F.relu6, [("inplace", False)])
Tanh = _activation("Tanh", F.tanh)
Sigmoid = _activation("Sigmoid", F.sigmoid)
GELU = _activation("GELU", F.gelu, [("approximate", "none")])
SiLU = _activation("SiLU", F.silu, [("inplace", False)])
ELU = _activation("ELU", F.elu, [("alpha", 1.0), ("inplace", False)])
SELU = _activation("SELU", F.selu, [("inplace", False)])
CELU = _activation("CELU", F.celu, [("alpha", 1.0), ("inplace", False)])
LeakyReLU = _activation("LeakyReLU", F.leaky_relu, [("negative_slope", 0.01),
                                                    ("inplace", False)])
Softplus = _activation("Softplus", F.softplus, [("beta", 1.0), ("threshold", 20.0)])
LogSigmoid = _activation("LogSigmoid", F.logsigmoid)
Hardtanh = _activation("Hardtanh", F.hardtanh, [("min_val", -1.0), ("max_val", 1.0),
                                                ("inplace", False)])
Softsign = _activation("Softsign", F.softsign)
Softmax = _activation("Softmax", F.softmax, [("dim", None)])
LogSoftmax = _activation("LogSoftmax", F.log_softmax, [("dim", None)])
Softmin = _activation("Softmin", F.softmin, [("dim", None)])
