"""The one binding of a call to a rule's parameters.

``np.clip(x, -1.0, a_max=hi)`` binds ``a`` to operand 0, ``a_min`` to operand 1, ``a_max`` to
the keyword ``a_max``, and leaves ``out``, ``min`` and ``max`` at their defaults. A ``*args``
parameter binds each of its operands separately (``np.meshgrid(x, y)``: ``xi`` holds operands
0 and 1), so every operand is an input of its own, with its own gradient.

Activity analysis, the reverse and forward transforms and the Tensor facade all ask this module
which operand is which parameter and what the rule says about it, so they always agree. A
binding refers to operands by *where they are in the call* (``("arg", 0)``, ``("kw", "a_max")``),
never by value, so passes that replace operands never invalidate it.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass

from .table import Rule

_VAR_POSITIONAL = inspect.Parameter.VAR_POSITIONAL
_VAR_KEYWORD = inspect.Parameter.VAR_KEYWORD


UNKNOWN = type("Unknown", (), {"__repr__": lambda self: "<unknown>"})()


class BindError(TypeError):
    """The call does not match the rule's signature."""


@dataclass(frozen=True)
class Input:
    """One operand of a call, seen from the rule: the parameter it binds, its index among a
    ``*args`` parameter's operands (else None), and where it is in the call."""

    param: str
    index: int | None
    ref: tuple  # ("arg", position) or ("kw", name)


class Binding:
    """Where each of ``rule``'s parameters gets its value in one call."""

    __slots__ = ("defaults", "rule", "slots")

    def __init__(self, rule: Rule, slots: dict, defaults: dict):
        self.rule = rule
        self.slots = slots  # param -> ref, or a list of refs for *args, or a dict for **kwargs
        self.defaults = defaults  # param -> default value, for parameters the call leaves out

    def inputs(self) -> list[Input]:
        """Every operand of the call, in parameter order."""
        out = []
        for param, slot in self.slots.items():
            if isinstance(slot, list):
                out.extend(Input(param, k, ref) for k, ref in enumerate(slot))
            elif isinstance(slot, dict):
                out.extend(Input(param, None, ref) for ref in slot.values())
            else:
                out.append(Input(param, None, slot))
        return out

    def gradient_kind(self, param: str) -> tuple[str, str]:
        return self.rule.gradient_kind(param)

    def is_variadic(self, param: str) -> bool:
        return self.rule.signature.parameters[param].kind is _VAR_POSITIONAL

    def literals(self, operand) -> dict:
        """Parameter -> value for every parameter whose value is known now: left at its
        default, or given as a literal (``operand(ref)`` returns the literal or raises
        LookupError)."""
        known = dict(self.defaults)
        for param, slot in self.slots.items():
            if isinstance(slot, list):
                # a *args parameter: its count is always known, its values when literal
                values = []
                for ref in slot:
                    try:
                        values.append(operand(ref))
                    except LookupError:
                        values.append(UNKNOWN)
                known[param] = tuple(values)
            elif not isinstance(slot, dict):
                try:
                    known[param] = operand(slot)
                except LookupError:
                    pass
        return known

    def __repr__(self) -> str:
        return f"Binding({self.rule.name}, {self.slots})"


class _Ref:
    __slots__ = ("ref",)

    def __init__(self, ref):
        self.ref = ref


def bind(rule: Rule, n_args: int, keywords) -> Binding:
    """Bind a call with ``n_args`` positional operands and the keyword names ``keywords``.

    Raises BindError when the call cannot be a call of the rule's primitive (too many
    arguments, an unknown keyword, a missing required parameter).
    """
    sig = rule.signature
    fast = _positional_fast_path(rule, n_args, keywords)
    if fast is not None:
        return fast
    try:
        bound = sig.bind(*[_Ref(("arg", i)) for i in range(n_args)],
                         **{k: _Ref(("kw", k)) for k in keywords})
    except TypeError as exc:
        raise BindError(f"the call does not match {rule.name}{sig}: {exc}") from None
    slots, defaults = {}, {}
    for name, param in sig.parameters.items():
        if name in bound.arguments:
            value = bound.arguments[name]
            if param.kind is _VAR_POSITIONAL:
                slots[name] = [v.ref for v in value]
            elif param.kind is _VAR_KEYWORD:
                slots[name] = {k: v.ref for k, v in value.items()}
            else:
                slots[name] = value.ref
        elif param.kind is _VAR_POSITIONAL:
            slots[name] = []
        elif param.kind is not _VAR_KEYWORD:
            defaults[name] = param.default
    return Binding(rule, slots, defaults)


def _positional_fast_path(rule: Rule, n_args: int, keywords) -> Binding | None:
    """The common call -- positional operands only, plain parameters -- without
    ``inspect.Signature.bind`` (which dominates transform time otherwise)."""
    if keywords:
        return None
    plain = rule.__dict__.get("_plain_params")
    if plain is None:
        params = rule.signature.parameters.values()
        plain = rule.__dict__["_plain_params"] = tuple(
            (p.name, p.default) for p in params
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)) \
            if all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params) else ()
    if not plain or n_args > len(plain) or any(
            default is inspect.Parameter.empty for _, default in plain[n_args:]):
        return None
    slots = {name: ("arg", i) for i, (name, _) in enumerate(plain[:n_args])}
    defaults = dict(plain[n_args:])
    return Binding(rule, slots, defaults)


def bind_values(rule: Rule, args, kwargs) -> dict:
    """Parameter -> value for a call with these values (the Tensor facade's view): ``*args``
    parameters get a tuple, defaults are filled in."""
    binding = bind(rule, len(args), list(kwargs))

    def operand(ref):
        return args[ref[1]] if ref[0] == "arg" else kwargs[ref[1]]

    values = dict(binding.defaults)
    for param, slot in binding.slots.items():
        if isinstance(slot, dict):
            values[param] = {k: operand(r) for k, r in slot.items()}
        elif isinstance(slot, list):
            values[param] = tuple(operand(r) for r in slot)
        else:
            values[param] = operand(slot)
    return values
