"""Running a numpy primitive on Tensors and recording it with its rule from the table.

:func:`record` is the one place where the facade meets the rule table: it computes the primitive
on the tensors' arrays, and -- when gradients are being recorded -- makes a graph node whose
backward is ``RULES[primitive].vjp(i)`` (:func:`attach`). It saves for backward only the inputs
whose *values* the rule reads (``ad/templates.value_params``, on the rule's IR); inputs whose
shape alone is needed (the ``x`` of ``unbroadcast(g, x)``) are not kept alive, and in-place changes
to them are harmless, as in PyTorch. Which argument binds which parameter of the rule is
``rules/binding.py``'s answer, the compiler's too.

Ops pass the result ``dtype`` PyTorch's promotion gives (:mod:`.dtypes`) and which operands to
``cast`` to it before computing, and mark results that are *views* of their first argument.

Tensors also implement numpy's dispatch protocols (``__array_ufunc__``, ``__array_function__``),
so ``np.cos(t)`` on a Tensor is recorded too. That is what makes ``create_graph=True`` work: a
rule's vjp, run on Tensors, records its own operations, so gradients are differentiable again.
"""
from __future__ import annotations

import numpy as np

from ..ad.templates import value_params
from ..rules import table
from ..rules.binding import BindError, bind
from . import dtypes, graph
from .grad_mode import is_grad_enabled
from .tensor import Tensor

#: PyTorch's grad_fn label of each primitive (ops may pass their own, e.g. SumBackward1)
NAMES = {
    np.add: "AddBackward0", np.subtract: "SubBackward0", np.multiply: "MulBackward0",
    np.true_divide: "DivBackward0", np.power: "PowBackward0", np.negative: "NegBackward0",
    np.exp: "ExpBackward0", np.log: "LogBackward0", np.sin: "SinBackward0",
    np.cos: "CosBackward0", np.tan: "TanBackward0", np.tanh: "TanhBackward0",
    np.sqrt: "SqrtBackward0", np.absolute: "AbsBackward0", np.square: "PowBackward0",
    np.reciprocal: "ReciprocalBackward0", np.log1p: "Log1PBackward0", np.expm1: "Expm1Backward0",
    np.sum: "SumBackward0", np.mean: "MeanBackward0", np.matmul: "MmBackward0",
    np.transpose: "PermuteBackward0", np.reshape: "ViewBackward0", np.squeeze: "SqueezeBackward0",
    np.expand_dims: "UnsqueezeBackward0", np.maximum: "MaximumBackward0",
    np.minimum: "MinimumBackward0", np.where: "WhereBackward0", np.clip: "ClampBackward1",
    np.max: "MaxBackward1", np.min: "MinBackward1", np.broadcast_to: "ExpandBackward0",
    np.asarray: "ToCopyBackward0", np.array: "CloneBackward0", np.swapaxes: "TransposeBackward0",
    np.concatenate: "CatBackward0", np.stack: "StackBackward0", np.prod: "ProdBackward0",
    np.var: "VarBackward0", np.std: "StdBackward0", np.arctan: "AtanBackward0",
    np.arcsin: "AsinBackward0", np.arccos: "AcosBackward0", np.sinh: "SinhBackward0",
    np.cosh: "CoshBackward0", np.log2: "Log2Backward0", np.log10: "Log10Backward0",
    np.arctan2: "Atan2Backward0", np.exp2: "Exp2Backward0", np.sinc: "SincBackward0",
    np.arcsinh: "AsinhBackward0", np.arccosh: "AcoshBackward0", np.arctanh: "AtanhBackward0",
    np.remainder: "RemainderBackward0", np.fmod: "FmodBackward0", np.flip: "FlipBackward0",
    np.roll: "RollBackward0", np.tril: "TrilBackward0", np.triu: "TriuBackward0",
    np.cumsum: "CumsumBackward0", np.cumprod: "CumprodBackward0", np.tile: "RepeatBackward0",
    np.fmax: "FmaxBackward0", np.fmin: "FminBackward0", np.logaddexp: "LogaddexpBackward0",
    np.hypot: "HypotBackward0", np.trace: "TraceBackward0", np.diagonal: "DiagonalBackward0",
}

def _unwrap(value):
    if isinstance(value, Tensor):
        return value._data
    if type(value) in (list, tuple) and any(isinstance(v, Tensor) for v in value):
        return type(value)(_unwrap(v) for v in value)
    return value


def _float_inputs(values) -> bool:
    for v in values:
        if type(v) in (list, tuple):
            if _float_inputs(v):
                return True
            continue
        dt = getattr(v._data if isinstance(v, Tensor) else v, "dtype", None)
        if dt is not None and dt == np.float64:
            return True
    return False


def cast(raw, dtype: np.dtype):
    """An operand's value in ``dtype`` (numbers become 0-d arrays, wrapping as PyTorch does)."""
    if type(raw) is np.ndarray:
        return raw if raw.dtype == dtype else raw.astype(dtype)
    if isinstance(raw, (bool, int, float, np.generic)):
        return np.array(raw).astype(dtype)
    return raw


def wrap_value(value, args, dtype=None) -> Tensor:
    """The result of a primitive as a Tensor, in ``dtype`` when given.

    Without ``dtype`` (numpy functions called on Tensors) a float64 result of non-float64
    inputs becomes the default dtype (int / int -> float32, as PyTorch). A result that shares
    memory with an input without being declared a view is copied, so that writing into it can
    never change the input behind the graph's back.
    """
    if isinstance(value, Tensor):
        return value
    array = value if type(value) is np.ndarray else np.asarray(value)
    if dtype is not None:
        if array.dtype != dtype:
            array = array.astype(dtype)
    elif array.dtype == np.float64 and not _float_inputs(args):
        array = array.astype(dtypes.get_default_dtype().np)
    if array.base is not None:
        for a in args:
            if isinstance(a, Tensor) and np.may_share_memory(array, a._data):
                array = array.copy()
                break
    return Tensor._wrap(array)


def mark_view(out: Tensor, source: Tensor, step) -> None:
    """Make ``out`` a view of ``source``'s base, reached by ``source``'s path plus ``step``."""
    if not np.may_share_memory(out._data, source._data):
        return
    base = source._base if source._base is not None else source
    out._base = base
    out._view = source._view + (step,)
    out._vc = source._vc
    if is_grad_enabled():
        out._view_vc = out._vc[0]


def record(fn, args, kwargs=None, name=None, edges=None, dtype=None, cast_args=(), view=False):
    """``fn(*args, **kwargs)`` on the tensors' arrays, recorded with ``fn``'s rule if needed.

    ``edges`` are the argument positions that become ``next_functions`` (default: every
    Tensor argument), so ``x.pow(2)`` has one entry and ``x + 1`` two, as in PyTorch.
    ``dtype`` is the result's dtype; the arguments at ``cast_args`` are computed in it.
    ``view=True`` says the result is a view of ``args[0]`` (when numpy made one).
    """
    kwargs = kwargs or {}
    raw = [_unwrap(a) for a in args]
    for i in cast_args:
        raw[i] = cast(raw[i], dtype)
    value = fn(*raw, **{k: _unwrap(v) for k, v in kwargs.items()}) if kwargs else fn(*raw)
    if view:
        out = Tensor._wrap(value)
        mark_view(out, args[0], (fn, tuple(raw[1:]), kwargs))
    else:
        out = wrap_value(value, args, dtype)
    if not is_grad_enabled():
        return out
    return attach(out, fn, args, kwargs, name, edges)


def attach(out: Tensor, fn, args, kwargs=None, name=None, edges=None) -> Tensor:
    """Give ``out`` (the value of ``fn(*args)``) a graph node with ``fn``'s rule, if needed."""
    node = _node(fn, args, kwargs or {}, name, edges, (out,))
    if node is not None:
        out._grad_fn = node
    return out


def record_multi(fn, args, kwargs=None, name=None, edges=None) -> tuple:
    """``fn`` with several results (``np.linalg.eigh``), as Tensors sharing one node."""
    kwargs = kwargs or {}
    value = fn(*[_unwrap(a) for a in args], **kwargs)
    outs = tuple(wrap_value(v, args) for v in value)
    if is_grad_enabled():
        node = _node(fn, args, kwargs, name, edges, outs)
        for k, out in enumerate(outs):
            if node is not None and out._data.dtype.kind in "fc":
                out._grad_fn, out._output_nr = node, k
    return outs


def _node(fn, args, kwargs, name, edges, outs):
    """The node recording ``outs = fn(*args, **kwargs)``, or None when nothing is tracked.

    Which argument is which parameter of the rule, and whether the rule gives it a gradient,
    is the binding's answer (``rules/binding.py``), the same the compiler gets."""
    tracked = [i for i, a in enumerate(args) if _requires_grad(a)]
    if not tracked:
        if any(_requires_grad(v) for v in kwargs.values()):
            raise TypeError(f"{_name(fn)}: tensors that require grad must be passed positionally")
        return None
    rule = table.lookup(fn)
    if rule is None:
        if table.is_nondiff(fn):
            return None
        raise TypeError(
            f"no gradient rule for {_name(fn)}; register one with "
            f"sourcegrad.extend.defvjp({_name(fn)}) (see sourcegrad/extend.py)"
        )
    try:
        binding = bind(rule, len(args), list(kwargs))
    except BindError as exc:
        raise TypeError(str(exc)) from None
    param_of = {inp.ref[1]: inp.param for inp in binding.inputs() if inp.ref[0] == "arg"}
    diff = []
    for i in tracked:
        how, reason = binding.gradient_kind(param_of[i])
        if how == "expression":
            diff.append(i)
        elif how != "zero":
            raise TypeError(f"{_name(fn)}: no gradient flows to its argument "
                            f"{param_of[i]!r} ({reason}), which requires grad")
    if not diff:
        return None
    if edges is None:
        edges = [i for i, a in enumerate(args) if isinstance(a, Tensor) or _is_sequence(a)]
    literals = _literals(binding, args, kwargs)
    needed = set().union(*(value_params(rule, rule.params.index(param_of[i]), literals)
                           for i in diff))
    slots = []
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            slots.append(graph.SavedTensor(a) if param_of[i] in needed else graph.shape_only(a))
        elif _is_sequence(a):
            slots.append([graph.SavedTensor(t) if isinstance(t, Tensor) else t for t in a])
        else:
            slots.append(a)
    items_of = {inp.ref[1]: inp.index for inp in binding.inputs() if inp.ref[0] == "arg"}
    next_functions, positions, meta = [], [], []
    default_dtype = outs[0]._data.dtype
    for i in edges:
        items = list(enumerate(args[i])) if _is_sequence(args[i]) else [(items_of[i], args[i])]
        for k, a in items:
            if i in diff and isinstance(a, Tensor) and a.requires_grad:
                next_functions.append((a._edge(), a._output_nr))
            else:
                next_functions.append((None, 0))
            positions.append((rule.params.index(param_of[i]), k))
            raw = a._data if isinstance(a, Tensor) else a
            if type(raw) is np.ndarray:
                meta.append((raw.shape, raw.dtype))
            else:
                meta.append((np.shape(raw), getattr(raw, "dtype", default_dtype)))
    label = name or NAMES.get(fn) or f"{_name(fn).capitalize()}Backward0"
    if len(outs) > 1:
        ans = tuple(graph.SavedTensor(o, label) for o in outs)
        return graph.node_class(label, graph.MultiRuleNode)(rule, next_functions, positions,
                                                            slots, dict(kwargs), ans, meta)
    ans = graph.SavedTensor(outs[0], label) if "ans" in needed else graph.shape_only(outs[0])
    return graph.node_class(label)(rule, next_functions, positions, slots, dict(kwargs), ans,
                                   meta)


def _literals(binding, args, kwargs) -> tuple:
    """The call's mode arguments (strings, None, booleans): the rule's code for them is
    settled now, and may read fewer values (``order="C"`` reads no array's layout)."""
    values = dict(binding.defaults)
    for inp in binding.inputs():
        values[inp.param] = args[inp.ref[1]] if inp.ref[0] == "arg" else kwargs[inp.ref[1]]
    return tuple(sorted((k, v) for k, v in values.items()
                        if v is None or type(v) in (str, bool)))


def relabel(out: Tensor, name: str) -> Tensor:
    """Name ``out``'s node as PyTorch names a fused operation that is composed here
    (``addcmul`` is a multiplication then an addition: its last node is ``AddcmulBackward0``)."""
    node = out._grad_fn
    if node is not None:
        node.__class__ = graph.node_class(name, type(node).__bases__[0])
    return out


def record_constant(fn, args, name, edges=(0,), dtype=None, cast_args=(), operation=None):
    """``fn`` on the tensors' arrays, recorded as PyTorch records it although it has no gradient:
    a zero gradient (``sign``, ``floor``: the table's "piecewise constant"), or, with
    ``operation``, a node whose backward raises (``floor_divide``)."""
    raw = [_unwrap(a) for a in args]
    for i in cast_args:
        raw[i] = cast(raw[i], dtype)
    out = wrap_value(fn(*raw), args, dtype)
    if not is_grad_enabled() or not any(_requires_grad(args[i]) for i in edges) or \
            out._data.dtype.kind not in "fc":
        return out
    next_functions = [(args[i]._edge(), args[i]._output_nr) if _requires_grad(args[i])
                      else (None, 0) for i in edges]
    if operation is not None:
        out._grad_fn = graph.node_class(name, graph.NotImplementedNode)(next_functions, operation)
    else:
        meta = [(args[i]._data.shape, args[i]._data.dtype) for i in edges]
        out._grad_fn = graph.node_class(name, graph.ZeroGradNode)(next_functions, meta)
    return out


def _is_sequence(value) -> bool:
    return type(value) in (list, tuple) and any(isinstance(v, Tensor) for v in value)


def _requires_grad(value) -> bool:
    if isinstance(value, Tensor):
        return value.requires_grad
    return _is_sequence(value) and any(isinstance(v, Tensor) and v.requires_grad for v in value)


def _name(fn) -> str:
    module = getattr(fn, "__module__", None) or ""
    short = getattr(fn, "__name__", repr(fn))
    return f"np.{short}" if module.startswith("numpy") or isinstance(fn, np.ufunc) else short


# -- numpy's dispatch protocols -------------------------------------------------------------------

#: ufunc -> the facade op with PyTorch's promotion (filled by .methods: ``np.add(1.0, t)``)
UFUNC_OPS: dict = {}


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if kwargs.get("out") is not None:
        return NotImplemented
    if method == "__call__":
        op = UFUNC_OPS.get(ufunc)
        if op is not None and not kwargs:
            return op(*inputs)
        return record(ufunc, inputs, kwargs)
    if method == "outer" and len(inputs) == 2:
        a, b = inputs
        a = np.reshape(a, tuple(np.shape(a)) + (1,) * np.ndim(b))
        return record(ufunc, (a, b), kwargs)
    return NotImplemented


HANDLED = {
    np.shape: lambda a: tuple(np.shape(_unwrap(a))),
    np.ndim: lambda a: np.ndim(_unwrap(a)),
    np.size: lambda a, axis=None: np.size(_unwrap(a), axis),
    np.result_type: lambda *a: np.result_type(*[_unwrap(v) for v in a]),
}


def array_function(self, func, types, args, kwargs):
    handler = HANDLED.get(func)
    if handler is not None:
        return handler(*args, **kwargs)
    return record(func, args, kwargs)
