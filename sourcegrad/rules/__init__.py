"""The rule table and the modules that fill it (importing this package registers every rule)."""
from . import arrays, binary, elementwise, no_gradient  # noqa: F401  (registration side effects)
from .table import (ATTRIBUTES, METHODS, NONDIFF, RULES, Rule, RuleError, attribute, defvjp,
                    is_nondiff, lookup, method, nondiff)

__all__ = ["ATTRIBUTES", "METHODS", "NONDIFF", "RULES", "Rule", "RuleError", "attribute",
           "defvjp", "is_nondiff", "lookup", "method", "nondiff"]
