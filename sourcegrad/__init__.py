"""sourcegrad: source-transformation automatic differentiation for Python and NumPy.

``grad(f)`` reads ``f``'s source and writes its adjoint as new, readable Python
(``source(grad(f))`` shows it), compiled to run as fast as a hand-written numpy gradient.
"""
from . import extend, testing
from .api import clear_cache, grad, source, value_and_grad
from .errors import TransformError
from .markers import stop_gradient
from .tensor import *
from .tensor import __all__ as _tensor_all

__version__ = "0.1.0"
__all__ = ["TransformError", "clear_cache", "extend", "grad", "source", "testing",
           "stop_gradient", "value_and_grad"]
__all__ += list(_tensor_all)
