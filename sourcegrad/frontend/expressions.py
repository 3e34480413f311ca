"""Lowering of expressions: every operation becomes one ``Op`` whose operands are atoms.

``np.tanh(x @ W + b)`` becomes three ops (``matmul``, ``add``, ``tanh``). Callees are resolved
now, once: a name or a dotted path through modules (``np.linalg.norm``) to the object it means,
which picks the rule; methods of values (``x.sum(axis=0)``) map to the numpy function they
mean. Every call of a rule's primitive is *bound* to the rule's parameters here
(``rules/binding.py``). Values that are not locals -- global arrays, ``np.pi`` -- stay names
read at run time (``Free``), as in the user's code.
"""
from __future__ import annotations

import functools
import inspect
import types

import gast

from ..ir.core import UNBOUND, Const, Free, Op, Origin, Ref, Var
from ..rules import ATTRIBUTES, METHODS, is_nondiff, lookup
from ..rules.binding import BindError, bind
from .resolve import MISSING

# readable names for the values operators compute
OP_NAMES = {
    gast.Add: "add", gast.Sub: "sub", gast.Mult: "mul", gast.Div: "div", gast.Pow: "pow",
    gast.MatMult: "matmul", gast.FloorDiv: "floordiv", gast.Mod: "mod", gast.USub: "neg",
    gast.UAdd: "pos", gast.Not: "not_", gast.Invert: "inv", gast.LShift: "lshift",
    gast.RShift: "rshift", gast.BitAnd: "bitand", gast.BitOr: "bitor", gast.BitXor: "bitxor",
}
# methods of lists and dicts: the compiler's own operations, not numpy's
CONTAINER_METHODS = {"append", "extend", "pop", "copy", "index", "count", "get", "keys",
                     "values", "items"}
# callees known to have no effects beyond their result (dead calls may be dropped)
_IMPURE_MODULES = ("numpy.random", "random", "time", "builtins.print")


class Static:
    """A local name bound to something known now: a callable (``act = np.tanh``), or a
    ``functools.partial`` of one with bound operands. Calls through it are resolved like
    direct calls; used as a value it is built at run time (``value()``)."""

    def __init__(self, obj, args=(), kwargs=(), value=None):
        self.obj = obj
        self.args = list(args)
        self.kwargs = list(kwargs)
        self.value = value  # a function making the run-time value, on demand


class ExpressionLowering:
    """The expression half of :class:`~sourcegrad.frontend.lower.Lowering`."""

    # -- atoms ------------------------------------------------------------------------------
    def atom(self, node, hint: str | None = None):
        """Lower ``node``; a Static used as a value is built at run time."""
        value = self.expr(node, hint)
        if isinstance(value, Static):
            return value.value()
        return value

    def expr(self, node, hint: str | None = None):
        method = getattr(self, "expr_" + type(node).__name__, None)
        saved, self.at = self.at, node  # (the operations it emits point at it in errors)
        try:
            if method is None:
                return self.opaque(node, hint)
            return method(node, hint)
        finally:
            self.at = saved

    def emit_op(self, kind, prim, args, kwargs=(), hint=None, **extra) -> Var:
        out = Var(hint or kind, user=bool(hint) and hint in self.user_names)
        origin = self.origin
        if self.at is not None and self.at is not origin.node:
            origin = Origin(origin.info, origin.node, origin.role, self.at)
        self.emit(Op([out], kind, prim, args, kwargs, origin=origin, **extra))
        return out

    def expr_Constant(self, node, hint):
        if isinstance(node.value, complex):
            raise self.info.error(node, "complex numbers are not supported: sourcegrad "
                                  "differentiates real-valued code",
                                  "Write the real and imaginary parts as separate arrays.")
        return Const(node.value)

    def expr_Name(self, node, hint):
        name = node.id
        if name in self.env:
            return self.env[name]
        if name in self.locals:
            return UNBOUND
        obj = self.scope.lookup(name)
        if self.template:
            return self.known(obj, name, node)
        if obj is not MISSING:
            self.depend(name, obj)
        return Free(name)

    def known(self, obj, hint, node):
        """In a rule's template, names mean objects of the rule's module, bound now."""
        if obj is MISSING:
            raise self.info.error(node, f"the name {hint!r} is not defined")
        if obj is None or type(obj) in (bool, int, float, str):
            return Const(obj)
        return Ref(obj, hint)

    def expr_Attribute(self, node, hint):
        obj = self.resolve_static(node)
        if obj is not MISSING:
            if self.template:
                return self.known(obj, node.attr, node)
            return Free(_dotted(node))  # np.pi, a module's function used as a value
        base = self.atom(node.value)
        primitive = ATTRIBUTES.get(node.attr, MISSING)
        if primitive is not MISSING and primitive is not None:
            return self.call_primitive(primitive, [base], [], hint or node.attr, node,
                                       method=node.attr, attribute=True)
        return self.emit_op("getattr", node.attr, [base], hint=hint or node.attr)

    def expr_BinOp(self, node, hint):
        left = self.atom(node.left)
        right = self.atom(node.right)
        op = type(node.op)
        return self.operator("binop", op, [left, right], hint or OP_NAMES.get(op, "value"),
                             node)

    def expr_UnaryOp(self, node, hint):
        operand = self.atom(node.operand)
        if isinstance(node.operand, gast.Constant) and isinstance(node.op, gast.USub) and \
                isinstance(operand, Const) and type(operand.value) in (int, float):
            return Const(-operand.value)  # -1.0 is a literal, not an operation
        op = type(node.op)
        return self.operator("unary", op, [operand], hint or OP_NAMES.get(op, "value"), node)

    def operator(self, kind, op, args, hint, node) -> Var:
        kinds = [self.kind(a) for a in args]
        sequence = next((k for k in kinds if k in ("list", "tuple")), None)
        if kind == "binop" and sequence is not None:
            return self.sequence_arithmetic(op, args, kinds, sequence, hint)
        rule = lookup(op)
        binding = None
        if rule is not None:
            binding = bind(rule, len(args), ())
        out = self.emit_op(kind, op, args, hint=hint, binding=binding)
        if kind == "binop" and may_join_sequences(op, args, kinds):
            self.kinds[out] = "any"  # (numbers and arrays make an array; this may be a list)
        return out

    def sequence_arithmetic(self, op, args, kinds, sequence, hint) -> Var:
        """``[v] + xs`` and ``[v] * 2``: a new list of the operands' items, built as
        ``list(...)`` and ``extend`` so that each item's gradient flows back to it (it is not
        a sum). A repetition count known only at run time gets no rule: refused where a
        gradient would flow through it."""
        if op is gast.Add:
            parts = list(args)
        elif op is gast.Mult and any(a.__class__ is Const and type(a.value) is int
                                     for a in args):
            count = next(a.value for a in args if a.__class__ is Const)
            parts = [next(a for a, k in zip(args, kinds) if k in ("list", "tuple"))] * \
                max(count, 0)
        else:
            out = self.emit_op("binop", op, args, hint=hint)
            self.kinds[out] = sequence
            return out
        name = hint or "items"
        if parts:
            out = self.emit_op("call", list, parts[:1], hint=name)
        else:
            out = self.emit_op("list", None, [], hint=name)
        self.kinds[out] = "list"
        for part in parts[1:]:
            out = self.emit_op("extend", None, [out, part], hint=name)
            self.kinds[out] = "list"
        if sequence == "tuple" and kinds[0] == "tuple" or sequence == "tuple" and \
                op is gast.Mult:
            out = self.emit_op("call", tuple, [out], hint=name)
            self.kinds[out] = "tuple"
        return out

    def expr_Compare(self, node, hint):
        operands = [self.atom(node.left)] + [self.atom(c) for c in node.comparators]
        return self.emit_op("compare", tuple(type(o) for o in node.ops), operands,
                            hint=hint or "cond")

    def expr_BoolOp(self, node, hint):
        """``a and b`` evaluates ``b`` only when ``a`` is true: a branch, as in Python."""
        first = self.atom(node.values[0])
        rest = node.values[1:]
        if not rest:
            return first
        rest_node = rest[0] if len(rest) == 1 else gast.BoolOp(op=node.op, values=rest)
        is_and = isinstance(node.op, gast.And)
        return self.branch_value(first, rest_node if is_and else None,
                                 None if is_and else rest_node, hint or "value")

    def expr_Subscript(self, node, hint):
        value = self.atom(node.value)
        index = self.index(node.slice)
        out = self.emit_op("getitem", None, [value, index], hint=hint or _item_hint(node.value))
        self.kinds[out] = self.element_kind(value, index)
        return out

    def kind(self, atom):
        """What is known of a value's kind: "list", "tuple", "dict", "any" (it may be a
        container), or None -- a number or an array (a literal, arithmetic, a rule's result)."""
        if atom.__class__ is Var:
            return self.kinds.get(atom)
        if atom.__class__ is Const:
            return "tuple" if isinstance(atom.value, tuple) else None
        return None if atom is UNBOUND else "any"

    def element_kind(self, container, index):
        """The kind of ``container[index]``: known for a literal's element, "any" for other
        containers' elements (they may be containers too), None (an array) otherwise."""
        kind = self.kinds.get(container)
        if kind not in ("list", "tuple", "dict"):
            return "any" if kind == "any" else None
        op = self.definitions.get(container)
        if op is not None and index.__class__ is Const:
            if op.kind in ("tuple", "list") and type(index.value) is int and \
                    -len(op.args) <= index.value < len(op.args):
                return self.kinds.get(op.args[index.value])
            if op.kind == "dict" and index.value in op.prim:
                return self.kinds.get(op.args[op.prim.index(index.value)])
        if index.__class__ is Var and self.definitions.get(index) is not None and \
                self.definitions[index].kind == "slice":
            return kind
        return "any"

    def index(self, node):
        if isinstance(node, gast.Slice):
            parts = [Const(None) if p is None else self.atom(p)
                     for p in (node.lower, node.upper, node.step)]
            return self.emit_op("slice", None, parts, hint="slice")
        if isinstance(node, gast.Tuple):
            return self.emit_op("tuple", None, [self.index(e) for e in node.elts],
                                hint="index")
        return self.atom(node)

    def expr_Tuple(self, node, hint):
        return self.sequence("tuple", node, hint)

    def expr_List(self, node, hint):
        return self.sequence("list", node, hint)

    def sequence(self, kind, node, hint):
        if any(isinstance(e, gast.Starred) for e in node.elts):
            raise self.info.error(node, f"a starred item inside a {kind} literal is not "
                                  "supported", f"Build the {kind} with + or list(...).")
        elts = [self.atom(e) for e in node.elts]
        out = self.emit_op(kind, None, elts, hint=hint or ("items" if kind == "list" else kind))
        self.kinds[out] = kind
        return out

    def expr_Dict(self, node, hint):
        if any(k is None for k in node.keys) or \
                not all(isinstance(k, gast.Constant) for k in node.keys):
            return self.opaque(node, hint)
        values = [self.atom(v) for v in node.values]
        out = self.emit_op("dict", tuple(k.value for k in node.keys), values,
                           hint=hint or "table")
        self.kinds[out] = "dict"
        return out

    def opaque(self, node, hint):
        """Expressions kept whole (f-strings, lambdas, sets, dict and set comprehensions):
        evaluated as written, never differentiated through."""
        names = sorted({n.id for n in gast.walk(node) if isinstance(n, gast.Name) and
                        isinstance(n.ctx, gast.Load)})
        bound = {n.id for n in gast.walk(node) if isinstance(n, gast.Name) and
                 isinstance(n.ctx, (gast.Store, gast.Param))}
        names = [n for n in names if n not in bound and (n in self.env or n in self.locals)]
        args = [self.expr_Name(gast.Name(n, gast.Load(), None, None), None) for n in names]
        return self.emit_op("opaque", (node, tuple(names)), args, hint=hint or "value",
                            pure=False)

    # -- calls ------------------------------------------------------------------------------
    def expr_Call(self, node, hint):
        callee = self.callee(node.func)
        args, kwargs = self.call_operands(node)
        if isinstance(callee, Static):
            if callee.obj is functools.partial:
                return self.partial(args, kwargs, node)
            args = callee.args + args
            kwargs = callee.kwargs + kwargs
            return self.call_object(callee.obj, args, kwargs, hint, node)
        if isinstance(callee, tuple):  # a method of a value
            receiver, name = callee
            return self.call_method(receiver, name, args, kwargs, hint, node)
        # a callable that is a run-time value (a local holding a function, fns[i], ...)
        return self.emit_op("call", None, args, kwargs, hint=hint or "value", fn=callee,
                            pure=False)

    def call_operands(self, node):
        args = []
        for a in node.args:
            if isinstance(a, gast.Starred):
                args.extend(self.spread(a))
            else:
                args.append(self.atom(a))
        kwargs = [(kw.arg, self.atom(kw.value)) for kw in node.keywords]
        return args, kwargs

    def spread(self, starred):
        """``f(*xs)`` where ``xs`` is a tuple or list literal built in this function."""
        value = self.atom(starred.value)
        op = self.definitions.get(value)
        if op is not None and op.kind in ("tuple", "list"):
            return list(op.args)
        raise self.info.error(starred, "f(*args) is supported only for a tuple or list built "
                              "in the function", "Pass the arguments one by one.")

    def callee(self, func):
        """What a call calls: a Static (known now), (receiver atom, method name), or an atom."""
        if isinstance(func, gast.Name):
            if func.id in self.env:
                value = self.env[func.id]
                return value if isinstance(value, Static) else value
            if func.id in self.locals:
                return UNBOUND
            obj = self.scope.lookup(func.id)
            if obj is MISSING:
                raise self.info.error(func, f"the name {func.id!r} is not defined")
            self.depend(func.id, obj)
            if self.template or func.id in self.scope.generated:
                return Static(obj, value=lambda: Ref(obj, func.id))
            return Static(obj, value=lambda: Free(func.id))
        if isinstance(func, gast.Attribute):
            obj = self.resolve_static(func)
            if obj is not MISSING:
                if self.template:
                    return Static(obj, value=lambda: Ref(obj, func.attr))
                path = _dotted(func)
                return Static(obj, value=lambda: Free(path))
            return (self.atom(func.value), func.attr)
        return self.atom(func)

    def resolve_static(self, node):
        """The object a dotted path through modules and classes denotes now, or MISSING."""
        if isinstance(node, gast.Name):
            if node.id in self.env or node.id in self.locals:
                return MISSING
            obj = self.scope.lookup(node.id)
            if obj is not MISSING:
                self.depend(node.id, obj)
            return obj
        if isinstance(node, gast.Attribute):
            base = self.resolve_static(node.value)
            if base is MISSING or not isinstance(base, (types.ModuleType, type)):
                return MISSING
            return getattr(base, node.attr, MISSING)
        return MISSING

    def partial(self, args, kwargs, node):
        if not args:
            raise self.info.error(node, "functools.partial() needs a function")
        target = args[0]
        known = self.static_of(target)
        if known is None:
            raise self.info.error(node, "functools.partial of a function only known at run "
                                  "time is not supported", "Pass a function defined at module "
                                  "level (or a numpy function) as the first argument.")

        def value():
            return self.emit_op("call", functools.partial, [target] + args[1:], kwargs,
                                hint="partial", fn=Free("functools.partial")
                                if self.scope.lookup("functools") is functools else None)
        return Static(known.obj, known.args + args[1:], known.kwargs + kwargs, value=value)

    def lookup_path(self, path: str):
        """The object a dotted path of free names denotes now, or MISSING."""
        first, *rest = path.split(".")
        if first in self.env or first in self.locals:
            return MISSING
        obj = self.scope.lookup(first)
        for part in rest:
            if obj is MISSING:
                return MISSING
            obj = getattr(obj, part, MISSING)
        return obj

    def static_of(self, atom):
        if isinstance(atom, Static):
            return atom
        if isinstance(atom, Free):
            obj = self.lookup_path(atom.path)
            if obj is not MISSING and callable(obj):
                if isinstance(obj, functools.partial):
                    return Static(obj.func,
                                  [Free(f"{atom.path}.args[{i}]") for i in range(len(obj.args))],
                                  [(k, Free(f"{atom.path}.keywords[{k!r}]"))
                                   for k in obj.keywords])
                return Static(obj)
        return None

    def call_object(self, obj, args, kwargs, hint, node):
        if isinstance(obj, functools.partial):
            inner = self.static_of(Free(_dotted(node.func))) if isinstance(
                node.func, (gast.Name, gast.Attribute)) else None
            if inner is None:
                raise self.info.error(node, "cannot see through this functools.partial")
            return self.call_object(inner.obj, inner.args + args, inner.kwargs + kwargs,
                                    hint, node)
        if getattr(obj, "__sourcegrad_generated__", False) or hasattr(obj, "__sourcegrad_of__"):
            return self.emit_op("call", obj, args, kwargs, hint=hint or "value",
                                fn=self.callee_text(node), pure=False)
        if lookup(obj) is not None or is_nondiff(obj):
            return self.call_primitive(obj, args, kwargs, hint or _call_hint(node), node)
        if inspect.isfunction(obj) and not self.template and not _library(obj):
            out = self.emit_op("user", obj, args, kwargs, hint=hint or obj.__name__,
                               fn=self.callee_text(node), pure=False)
            self.kinds[out] = "any"  # (a helper may return a tuple)
            return out
        if obj is list or obj is tuple or obj is dict:
            out = self.emit_op("call", obj, args, kwargs, hint=hint or obj.__name__,
                               fn=self.callee_text(node))
            self.kinds[out] = obj.__name__
            return out
        return self.emit_op("call", obj, args, kwargs, hint=hint or _call_hint(node),
                            fn=self.callee_text(node), pure=_pure(obj))

    def call_primitive(self, primitive, args, kwargs, hint, node, method=None,
                       attribute=False) -> Var:
        rule = lookup(primitive)
        binding = None
        if rule is not None:
            try:
                binding = bind(rule, len(args), [k for k, _ in kwargs])
            except BindError as exc:
                raise self.info.error(node, str(exc), "Call it the way numpy documents it, or "
                                      "register a rule that accepts these arguments with "
                                      "sourcegrad.extend.defvjp.") from None
        fn = None if method else self.callee_text(node.func if isinstance(node, gast.Call)
                                                  else node)
        out = self.emit_op("call", primitive, args, kwargs, hint=hint, binding=binding,
                           method=method, fn=fn, pure=_pure(primitive))
        if attribute:
            self.definitions[out].method = "." + method  # an attribute: printed x.T, not x.T()
        if rule is not None:
            given = dict(kwargs)

            def literal(ref):
                atom = args[ref[1]] if ref[0] == "arg" else given[ref[1]]
                if isinstance(atom, Const):
                    return atom.value
                raise LookupError(ref)

            if rule.returns == "same":
                kind = self.kinds.get(args[0]) if args else None
            else:
                kind = rule.returns_kind(binding.literals(literal))
                kind = "tuple" if kind == "sequence" else kind or "any"
            self.kinds[out] = kind
        return out

    def call_method(self, receiver, name, args, kwargs, hint, node):
        kind = self.kinds.get(receiver)
        if kind in ("list", "tuple", "dict") or (name in CONTAINER_METHODS and
                                                 name not in METHODS):
            out = self.emit_op("call", None, [receiver] + args, kwargs, hint=hint or name,
                               method=name, pure=name not in ("append", "extend", "pop"))
            # (xs.copy() is a container like xs; d.get(k), d.items() may hold anything)
            if name not in ("index", "count"):
                self.kinds[out] = kind if name == "copy" and kind else "any"
            return out
        primitive = METHODS.get(name, MISSING)
        if primitive is MISSING:
            return self.emit_op("call", None, [receiver] + args, kwargs, hint=hint or name,
                                method=name, pure=False)
        return self.call_primitive(primitive, [receiver] + args, kwargs, hint or name, node,
                                   method=name)

    def callee_text(self, func) -> str | None:
        """How the user's code spells the callee, when it is a dotted name (printed as is)."""
        if isinstance(func, gast.Call):
            func = func.func
        if self.template or (isinstance(func, gast.Name) and func.id in self.scope.generated):
            return None  # the code generator binds a name to the object
        if isinstance(func, (gast.Name, gast.Attribute)):
            try:
                text = _dotted(func)
            except ValueError:
                return None
            # a local name (a partial, a nested function) is gone from the generated code
            return None if text.split(".")[0] in self.scope.locals else text
        return None


def may_join_sequences(op, args, kinds) -> bool:
    """Whether ``a + b`` or ``a * n`` may join or repeat lists or tuples when it runs, given
    the operands' kinds (``ExpressionLowering.kind``): ``+`` only joins two sequences (a list
    plus an array is arithmetic), ``*`` repeats a sequence by an integer."""
    maybe = [k in ("list", "tuple", "any") for k in kinds]
    if op is gast.Add:
        return all(maybe)
    if op is gast.Mult:
        for i, other in ((0, args[1]), (1, args[0])):
            integer = (other.__class__ is Const and type(other.value) is int) or \
                (other.__class__ is Var and kinds[1 - i] != "array")
            if maybe[i] and integer:
                return True
    return False


#: packages whose Python functions are primitives (they need a rule), not code to transform
LIBRARIES = ("numpy", "scipy", "math", "cmath", "builtins", "functools", "itertools",
             "operator", "sourcegrad", "autograd", "jax", "torch", "pandas")


def _library(fn) -> bool:
    module = (getattr(fn, "__module__", None) or "").split(".")[0]
    return module in LIBRARIES


def _dotted(node) -> str:
    if isinstance(node, gast.Name):
        return node.id
    if isinstance(node, gast.Attribute):
        return _dotted(node.value) + "." + node.attr
    raise ValueError(node)


def _call_hint(node) -> str:
    func = node.func if isinstance(node, gast.Call) else node
    if isinstance(func, gast.Attribute):
        return func.attr
    if isinstance(func, gast.Name):
        return func.id
    return "value"


def _item_hint(node) -> str:
    if isinstance(node, gast.Name):
        return node.id + "_item"
    return "item"


def _pure(obj) -> bool:
    module = getattr(obj, "__module__", None) or ""
    if obj is print or obj is input:
        return False
    return not any(module.startswith(m) for m in _IMPURE_MODULES) and \
        not (getattr(obj, "__self__", None) is not None and
             type(getattr(obj, "__self__", None)).__module__.startswith("numpy.random"))
