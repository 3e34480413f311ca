"""The rule table and the modules that fill it (importing this package registers every rule).

Rules live by kind: ``elementwise`` and ``binary`` (ufuncs and operators), ``reductions``,
``shapes``, ``sequences`` (sequence inputs and tuple outputs: their conventions are documented
there), ``products``, ``linalg``, ``special`` (scipy.special, when scipy imports) and
``no_gradient`` (the explicit list of gradient-free callables, ndarray methods and attributes);
``nn``, ``nn_functional`` and ``tensor_ops`` hold primitives of the Tensor facade.
``coverage`` answers which numpy functions are known but have no rule.
"""
# importing the rule modules registers their rules (language and nn: the compiler's and the
# Tensor facade's own primitives)
from . import (  # noqa: F401
    binary,
    elementwise,
    language,
    linalg,
    nn,
    nn_functional,
    no_gradient,
    products,
    reductions,
    sequences,
    shapes,
    special,
    tensor_ops,
)
from . import table as _table
from .coverage import known_unsupported, unsupported_message
from .table import (
    ATTRIBUTES,
    METHODS,
    NONDIFF,
    RULES,
    Rule,
    RuleError,
    attribute,
    defvjp,
    is_nondiff,
    lookup,
    method,
    nondiff,
    refuses_varied,
)

__all__ = ["ATTRIBUTES", "METHODS", "NONDIFF", "RULES", "Rule", "RuleError", "attribute",
           "defvjp", "is_nondiff", "known_unsupported", "lookup", "method", "nondiff",
           "refuses_varied", "unsupported_message"]

_table._CHECK = True  # user rules are checked when registered
