"""The public way to teach sourcegrad new primitives, in the form the built-in rules use.

Register the reverse rule of any callable::

    import scipy.special
    from sourcegrad.extend import defvjp

    @defvjp(scipy.special.erf)
    def erf(g, ans, x):
        return g * 2 / np.sqrt(np.pi) * np.exp(-x * x)

``g`` is the adjoint of the result and ``ans`` the result; the remaining parameters mirror the
callable's own. Return one expression per positional input (``None`` for "no gradient").
Declare gradient-free callables with ``nondiff(fn)``. Both the compiler and the Tensor facade
pick the rule up at once.
"""
from .rules.table import RuleError, attribute, defvjp, method, nondiff

__all__ = ["RuleError", "attribute", "defvjp", "method", "nondiff"]
