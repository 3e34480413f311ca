"""Rules for the Python-level primitives the compiler itself introduces or relies on."""
from ..runtime import unbroadcast
from ..runtime_flow import sequence as _sequence
from ..runtime_flow import sum_adjoint
from .table import defvjp


@defvjp(_sequence, returns="same")
def sequence(g, ans, items):
    return g


@defvjp(sum)
def builtin_sum(g, ans, iterable, start=0):
    return sum_adjoint(g, iterable), unbroadcast(g, start)
