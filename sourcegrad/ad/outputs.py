"""What a gradient function returns, for both modes: the gradients (one, or a tuple), after
the value for ``value_and_grad``, and the auxiliary data of ``has_aux=True``.

With ``has_aux`` the user's function returns a pair ``(value, aux)``: only ``value`` is
differentiated, ``aux`` (anything: arrays, dicts, numbers) is handed back as computed. The pair
is unpacked in the IR itself (``split_aux``), so activity, both modes and the optimizer see an
ordinary ``value, aux = result`` and no gradient flows from ``aux``.
"""
from __future__ import annotations

from .. import runtime
from ..ir.build import Builder
from ..ir.core import Const, Function, Op, Var


def split_aux(function: Function) -> None:
    """Make ``function`` (a front-end IR) yield ``[value, aux]`` from its returned pair."""
    out = function.body.yields[0]
    value, aux = Var("value"), Var("aux")
    stmts = function.body.stmts
    origin = stmts[-1].origin if stmts else None
    built = next((s for s in stmts if s.__class__ is Op and s.outs == [out]), None)
    if built is None or built.kind != "tuple" or len(built.args) != 2:  # (else: surely a pair)
        stmts.append(Op([], "call", runtime.check_pair, [out, Const(function.info.name)],
                        pure=False, origin=origin))
    stmts.append(Op([value, aux], "unpack", None, [out], origin=origin))
    function.body.yields = [value, aux]


def gradient_results(builder: Builder, primal: Function, gradients: list, *, single: bool,
                     with_value: bool):
    """The returned atom: ``g`` or ``(g1, g2)``; ``(value, ...)`` for value_and_grad;
    with aux, ``((value, aux), ...)`` for value_and_grad and ``(..., aux)`` for grad."""
    result = gradients[0] if single else builder.op("tuple", None, gradients, hint="gradients")
    value = primal.body.yields[0]
    aux = primal.body.yields[1] if len(primal.body.yields) > 1 else None
    if with_value:
        if aux is not None:
            value = builder.op("tuple", None, [value, aux], hint="value_and_aux")
        return builder.op("tuple", None, [value, result], hint="value_and_gradient")
    if aux is not None:
        return builder.op("tuple", None, [result, aux], hint="gradient_and_aux")
    return result


__all__ = ["gradient_results", "split_aux"]
