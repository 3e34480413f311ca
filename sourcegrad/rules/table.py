"""The one table of derivative rules.

A rule is a small Python function whose body reads like the math::

    @defvjp(np.sin, math.sin)
    def sin(g, ans, x):
        return g * np.cos(x)

``g`` is the adjoint (cotangent) of the result, ``ans`` the result itself, and the remaining
parameters mirror the primitive's own signature, keyword names and defaults included. The body
returns one expression per positional input: a tuple when there are several, ``None`` where an
input has no gradient. Plain assignments before the ``return`` hold work the expressions share.

The same function serves two clients:

* the compiler parses it once and inlines it as a *template*: parameters become the names of the
  user's values, so ``y = np.sin(x)`` yields the adjoint statement ``dx = dy * np.cos(x)``;
* the Tensor facade calls :meth:`Rule.vjp` -- a real function, compiled from the same template,
  that returns the contribution for one input.

Broadcasting is never undone inside a rule: rules of broadcasting primitives are registered with
``broadcast=True`` and every contribution passes through the one ``unbroadcast`` helper.
"""
from __future__ import annotations

import ast
import inspect
import textwrap
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gast

from .. import runtime

#: primitive (a callable, or a gast operator node type) -> Rule
RULES: dict[Any, Rule] = {}
#: callables whose result never carries a gradient (shape queries, constructors, argmax, ...)
NONDIFF: dict[Any, str] = {}
#: those of them whose result *does* change with a differentiated argument (random draws with a
#: differentiated mean, ``np.arange(x)``): a differentiated value there is refused, not dropped
REFUSE_VARIED: set = set()
#: ndarray method name -> the numpy function with the same meaning (``x.sum(0)`` is ``np.sum(x, 0)``)
METHODS: dict[str, Any] = {}
#: ndarray attribute -> numpy function (``x.T`` is ``np.transpose(x)``); None: no gradient
ATTRIBUTES: dict[str, Any] = {}

#: parameters that never carry data to differentiate (axes, flags, dtypes, shapes, indices ...),
#: with the reason the support page shows. A rule may name more with ``static=``.
STATIC = {
    **dict.fromkeys(("axis", "axes", "axis1", "axis2", "axisa", "axisb", "axisc", "source",
                     "destination", "shift", "dim"), "an axis"),
    **dict.fromkeys(("keepdims", "copy", "subok", "sparse", "hermitian", "full_matrices",
                     "compute_uv", "upper", "returned", "include_initial", "return_sign",
                     "stable", "optimize", "endpoint", "retstep"), "a flag"),
    **dict.fromkeys(("dtype", "casting", "order", "like", "UPLO", "mode", "kind", "indexing",
                     "reflect_type", "reduction", "subscripts", "device"),
                    "a type or an option"),
    **dict.fromkeys(("shape", "newshape", "reps", "repeats", "pad_width", "indices_or_sections",
                     "ndmin", "minlength", "n", "k", "offset", "ddof", "ord", "num",
                     "new_shape"),
                    "a shape, a count or an integer option"),
    **dict.fromkeys(("indices", "index", "ignore_index", "target", "condition", "where"),
                    "integer or boolean indices"),
    "out": "an output buffer (refused: sourcegrad never writes into arrays in place)",
    "rcond": "a cut-off for small singular values", "rtol": "a cut-off for small singular values",
}

_GRADIENT_KINDS = ("expression", "zero", "static", "unsupported")

_lock = threading.Lock()
# Rules registered from here on are checked when registered (``Rule.check``). The built-in
# modules register before ``rules/__init__.py`` turns this on -- parsing ~200 templates would
# slow every import -- and a test checks each of them instead.
_CHECK = False


class RuleError(ValueError):
    """A rule function does not have the shape the table requires."""


@dataclass
class Rule:
    """One primitive's reverse rule, parsed lazily from its template function."""

    name: str
    template: Callable
    broadcast: bool = False
    notes: str = ""
    #: parameters whose gradient is zero almost everywhere (copysign's sign source), with why
    zero: dict = field(default_factory=dict)
    #: differentiable parameters this rule does not differentiate (refused when active), with why
    unsupported: dict = field(default_factory=dict)
    #: parameters that never carry data, beyond the conventional names in ``STATIC``
    static: dict = field(default_factory=dict)
    #: what the primitive returns: "array", "sequence" (a tuple or list of arrays, ``g`` is a
    #: tuple of adjoints), "same" (the kind of its first argument), or a function of the call's
    #: literal arguments giving one of those (None: not known before run time)
    returns: Any = "array"
    _parsed: tuple | None = field(default=None, repr=False)
    _vjps: dict = field(default_factory=dict, repr=False)

    # -- the template view (for the compiler) ------------------------------------------------
    @property
    def signature(self) -> inspect.Signature:
        """The primitive's signature as the rule sees it (without ``g`` and ``ans``)."""
        cached = self.__dict__.get("_signature")
        if cached is None:
            sig = inspect.signature(self.template)
            cached = self.__dict__["_signature"] = sig.replace(
                parameters=list(sig.parameters.values())[2:])
        return cached

    @property
    def params(self) -> tuple[str, ...]:
        cached = self.__dict__.get("_params")
        if cached is None:
            cached = self.__dict__["_params"] = tuple(self.signature.parameters)
        return cached

    def parts(self) -> tuple[gast.FunctionDef, list, list]:
        """(function node, prelude statements, one output expression or None per input)."""
        if self._parsed is None:
            with _lock:
                if self._parsed is None:
                    self._parsed = _parse_template(self.template)
        return self._parsed

    @property
    def prelude(self) -> list:
        return self.parts()[1]

    @property
    def outputs(self) -> list:
        return self.parts()[2]

    def differentiable(self, position: int) -> bool:
        outs = self.outputs
        return position < len(outs) and outs[position] is not None

    def gradient_kind(self, param: str) -> tuple[str, str]:
        """How the rule treats ``param``: ("expression", "") when it returns a gradient for it,
        else ("zero" | "static" | "unsupported", the reason)."""
        position = self.params.index(param)
        if self.differentiable(position):
            return "expression", ""
        if param in self.zero:
            return "zero", self.zero[param]
        if param in self.unsupported:
            return "unsupported", self.unsupported[param]
        if param in self.static:
            return "static", self.static[param]
        if param in STATIC:
            return "static", STATIC[param]
        return "unsupported", "the rule gives no gradient for it"

    def check(self) -> None:
        """Raise RuleError unless every parameter has a gradient expression or a stated reason
        (zero, static or unsupported) -- so a missing gradient is an error when the rule is
        registered, never a silent zero."""
        outputs = self.outputs
        params = self.params
        if len(outputs) > len(params):
            raise RuleError(f"rule {self.name!r} returns {len(outputs)} gradients for "
                            f"{len(params)} inputs {params}")
        declared = set(self.zero) | set(self.unsupported) | set(self.static)
        for name in declared:
            if name not in params:
                raise RuleError(f"rule {self.name!r} declares {name!r}, which is not one of its "
                                f"parameters {params}")
        for i, name in enumerate(params):
            has = i < len(outputs) and outputs[i] is not None
            if has and name in declared:
                raise RuleError(f"rule {self.name!r} returns a gradient for {name!r} and also "
                                "declares it without one")
            if not has and name not in declared and name not in STATIC:
                raise RuleError(
                    f"rule {self.name!r} returns no gradient for its parameter {name!r}. Return "
                    f"an expression for it, or declare why it has none: zero={{{name!r}: "
                    f"'why'}} (its gradient is zero almost everywhere), "
                    f"unsupported={{{name!r}: 'why'}} (sourcegrad refuses to differentiate it), "
                    f"or static={{{name!r}: 'what it is'}} (it never carries data).")

    def returns_kind(self, literals: dict) -> str | None:
        """"array" or "sequence" for a call whose literal arguments are ``literals`` (parameter
        name -> value); None when that depends on a value only known at run time."""
        if isinstance(self.returns, str):
            return None if self.returns == "same" else self.returns
        return self.returns(literals)

    def globals(self) -> dict:
        return self.template.__globals__

    # -- the runtime view (for the Tensor facade) --------------------------------------------
    def vjp(self, position: int) -> Callable:
        """A function ``(g, ans, *args, **kwargs) -> contribution to input ``position``."""
        fn = self._vjps.get(position)
        if fn is None:
            fn = self._vjps[position] = _compile_vjp(self, position)
        return fn

    def math(self) -> str:
        """One line of math per input, as the docs table shows it."""
        names = self.params
        lines = []
        for i, out in enumerate(self.outputs):
            if out is not None:
                lines.append(f"d{names[i]} = {ast.unparse(gast.gast_to_ast(out))}")
        return "; ".join(lines)


def defvjp(*primitives: Any, broadcast: bool = False, notes: str = "", zero=None,
           unsupported=None, static=None, returns: Any = "array") -> Callable:
    """Register the decorated template as the reverse rule of every primitive given.

    ``primitives`` are callables (``np.sin``, ``math.sin``, ``scipy.special.erf``) or gast
    operator node types (``gast.Mult``). ``broadcast=True`` says the inputs broadcast against
    each other, so each contribution is summed back to its input's shape.

    Every parameter needs a gradient expression or a reason it has none: ``zero`` (its gradient
    is zero almost everywhere), ``unsupported`` (differentiable, but not by this rule: a
    differentiated value there is refused) or ``static`` (it never carries data; the usual
    names -- ``axis``, ``dtype``, ``keepdims``, ... -- are known). Each maps a parameter name
    to the reason. ``returns="sequence"`` marks primitives that return a tuple or list of
    arrays (or a function of the call's literal arguments that says which).
    """

    def register(template: Callable) -> Callable:
        _check_template_signature(template)
        rule = Rule(template.__name__, template, broadcast=broadcast, notes=notes,
                    zero=dict(zero or {}), unsupported=dict(unsupported or {}),
                    static=dict(static or {}), returns=returns)
        if _CHECK:
            rule.check()
        for primitive in primitives:
            RULES[primitive] = rule
            NONDIFF.pop(primitive, None)
            REFUSE_VARIED.discard(primitive)
        template.rule = rule
        return template

    return register


def nondiff(*callables: Any, reason: str = "no gradient", refuse_varied: bool = False) -> None:
    """Declare callables whose results carry no gradient (they may still be used freely).

    By default the derivative is taken to be zero (integer, boolean, piecewise-constant
    results). ``refuse_varied=True`` says the result does depend smoothly on its inputs but
    sourcegrad has no rule for it: a differentiated value reaching it is refused."""
    for fn in callables:
        NONDIFF[fn] = reason
        if refuse_varied:
            REFUSE_VARIED.add(fn)
        else:
            REFUSE_VARIED.discard(fn)


def method(name: str, primitive: Any) -> None:
    """``x.name(...)`` on an ndarray means ``primitive(x, ...)``."""
    METHODS[name] = primitive


def attribute(name: str, primitive: Any | None) -> None:
    """``x.name`` on an ndarray means ``primitive(x)``; ``None`` marks a gradient-free attribute."""
    ATTRIBUTES[name] = primitive


def lookup(primitive: Any) -> Rule | None:
    try:
        return RULES.get(primitive)
    except TypeError:  # unhashable callables have no rule
        return None


def is_nondiff(primitive: Any) -> bool:
    try:
        return primitive in NONDIFF
    except TypeError:
        return False


def refuses_varied(primitive: Any) -> bool:
    try:
        return primitive in REFUSE_VARIED
    except TypeError:
        return False


# -- parsing ----------------------------------------------------------------------------------

def _check_template_signature(template: Callable) -> None:
    params = list(inspect.signature(template).parameters)
    if params[:2] != ["g", "ans"]:
        raise RuleError(
            f"rule {template.__name__!r} must start with the parameters (g, ans, ...), "
            f"got {tuple(params)}"
        )


def _parse_template(template: Callable):
    source = textwrap.dedent(inspect.getsource(template))
    node = gast.parse(source).body[0]
    if not isinstance(node, gast.FunctionDef):
        raise RuleError(f"rule {template.__name__!r} must be a def, not a lambda")
    node.decorator_list = []
    *prelude, last = node.body
    for stmt in prelude:
        if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant):
            continue  # docstring
        if not (isinstance(stmt, gast.Assign) and all(isinstance(t, gast.Name) for t in stmt.targets)):
            raise RuleError(
                f"rule {template.__name__!r}: only 'name = expression' may precede the return"
            )
    prelude = [s for s in prelude if isinstance(s, gast.Assign)]
    if not isinstance(last, gast.Return) or last.value is None:
        raise RuleError(f"rule {template.__name__!r} must end with 'return <expression(s)>'")
    value = last.value
    outputs = list(value.elts) if isinstance(value, gast.Tuple) else [value]
    outputs = [None if _is_none(o) else o for o in outputs]
    n_params = len(inspect.signature(template).parameters) - 2
    if len(outputs) > n_params:
        raise RuleError(f"rule {template.__name__!r} returns more gradients than it has inputs")
    return node, prelude, outputs


def _is_none(node) -> bool:
    return isinstance(node, gast.Constant) and node.value is None


def _compile_vjp(rule: Rule, position: int) -> Callable:
    """Compile the template into a function that returns the contribution for one input."""
    fn_node, prelude, outputs = rule.parts()
    if position >= len(outputs) or outputs[position] is None:
        raise RuleError(f"{rule.name} has no gradient with respect to input {position}")
    expr = outputs[position]
    target = rule.params[position]
    if rule.broadcast:
        expr = gast.Call(
            func=gast.Name("_sg_unbroadcast", gast.Load(), None, None),
            args=[expr, gast.Name(target, gast.Load(), None, None)],
            keywords=[],
        )
    name = f"vjp_{rule.name}_{target}"
    new = gast.FunctionDef(
        name=name, args=fn_node.args, body=list(prelude) + [gast.Return(value=expr)],
        decorator_list=[], returns=None, type_comment=None, type_params=[],
    )
    module = gast.gast_to_ast(gast.Module(body=[new], type_ignores=[]))
    ast.fix_missing_locations(module)
    namespace = dict(rule.globals())
    namespace["_sg_unbroadcast"] = runtime.unbroadcast
    # compiling our own rule template (not user input) into the facade's runtime function
    exec(compile(module, f"<sourcegrad rule {rule.name}>", "exec"), namespace)  # noqa: S102
    return namespace[name]
