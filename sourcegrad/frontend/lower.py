"""Lowering: the desugared, structured gast function into structured SSA (``ir/core.py``).

The lowering walks the statements once, keeping an *environment* from each local name to the
atom it holds now. An assignment re-binds the name to a new value; an in-place write
(``y[i] = v``, ``y += v``, ``xs.append(v)``) makes a new value too and re-binds the name
(``ir/alias.py`` later checks that no other name could observe the write, which is when the two
meanings agree). At an ``if``, both branches start from the same environment and the names
they bind differently become the ``If``'s outputs; a loop carries every name its body assigns.

By now (``structure.py``) loops are counted ``for`` loops over ``range`` or ``while`` loops,
``break`` only ends a branch (what followed it moved into the other branch), ``continue`` is
gone and there is one ``return``, at the end.
"""
from __future__ import annotations

import gast

from ..ir.core import UNBOUND, Block, Const, Free, Function, If, Loop, Op, Origin, Var
from .expressions import ExpressionLowering, Static
from .resolve import MISSING

BREAK = "<break>"  # the environment's name for "this iteration breaks out of the loop"


class Lowering(ExpressionLowering):
    def __init__(self, fn, fn_node, info, scope, user_names, template=False):
        self.template = template  # a rule's template: free names are the rule module's objects
        self.fn = fn
        self.fn_node = fn_node
        self.info = info
        self.scope = scope
        self.user_names = set(user_names)
        self.locals = set(scope.locals)
        self.env: dict = {}
        self.kinds: dict = {}  # Var -> "list" | "tuple" | "dict" | "array" | "any"
        self.definitions: dict = {}  # Var -> the Op defining it
        self.deps: dict = {}  # global name -> the object it meant when lowered
        self.block = Block()
        self.origin = Origin(info, fn_node)
        self.at = None  # the expression being lowered
        self.terminated = False

    # -- the function -------------------------------------------------------------------------
    def function(self, name: str, param_kinds=None) -> Function:
        args = self.fn_node.args
        params = []
        param_kinds = param_kinds or {}
        for arg in args.posonlyargs + args.args + ([args.vararg] if args.vararg else []) + \
                args.kwonlyargs + ([args.kwarg] if args.kwarg else []):
            var = Var(arg.id, user=True)
            params.append(var)
            self.env[arg.id] = var
            # a parameter may hold anything (a list, an array) unless the caller says
            self.kinds[var] = param_kinds.get(arg.id, "any")
        if args.vararg:
            self.kinds[self.env[args.vararg.id]] = "tuple"
        if args.kwarg:
            self.kinds[self.env[args.kwarg.id]] = "dict"
        self.result = None
        self.body(self.fn_node.body)
        if self.result is None:
            raise self.info.error(self.fn_node, f"{self.info.name}() does not return a value",
                                  "End it with 'return <value>'.")
        self.block.yields = [self.result]
        return Function(name, params, self.block, signature=args, info=self.info)

    def depend(self, name, obj) -> None:
        """Record that the transform read global ``name`` as ``obj`` (a cached gradient is
        only valid while the name means that object)."""
        if not self.template and name not in self.scope.closure and \
                self.scope.globals.get(name, MISSING) is obj:
            self.deps.setdefault(name, obj)

    def emit(self, stmt) -> None:
        self.block.stmts.append(stmt)
        if stmt.__class__ is Op:
            for out in stmt.outs:
                self.definitions[out] = stmt

    # -- statements ---------------------------------------------------------------------------
    def body(self, stmts) -> None:
        for stmt in stmts:
            if self.terminated:
                return  # unreachable (structure.py leaves nothing after a jump)
            self.origin = Origin(self.info, stmt)
            method = getattr(self, "stmt_" + type(stmt).__name__, None)
            if method is None:
                raise self.info.error(stmt, f"{type(stmt).__name__} statements are not "
                                      "supported in differentiated code")
            method(stmt)

    def stmt_Assign(self, stmt) -> None:
        targets = stmt.targets
        if len(targets) == 1 and _parallel(targets[0], stmt.value):
            # a, b = b, a: every right-hand side is evaluated before any name is bound
            values = [self.expr(v, _name_of(t)) for t, v in zip(targets[0].elts,
                                                                stmt.value.elts)]
            for target, value in zip(targets[0].elts, values):
                self.assign(target, value)
            return
        hint = _name_of(targets[0]) if len(targets) == 1 else None
        value = self.expr(stmt.value, hint)
        for target in targets:
            self.assign(target, value)

    def stmt_AnnAssign(self, stmt) -> None:
        self.assign(stmt.target, self.expr(stmt.value, _name_of(stmt.target)))

    def assign(self, target, value) -> None:
        if isinstance(target, gast.Name):
            self.env[target.id] = value
        elif isinstance(target, (gast.Tuple, gast.List)):
            value = self.materialize(value)
            names = [_name_of(t) or "item" for t in target.elts]
            outs = [Var(n, user=n in self.user_names) for n in names]
            self.emit(Op(outs, "unpack", None, [value], origin=self.origin))
            for k, out in enumerate(outs):
                self.kinds[out] = self.element_kind(value, Const(k))
            for t, out in zip(target.elts, outs):
                self.assign(t, out)
        elif isinstance(target, gast.Subscript):
            self.store_item(target, self.materialize(value))
        else:
            raise self.info.error(target, "this assignment target is not supported")

    def materialize(self, value):
        return value.value() if isinstance(value, Static) else value

    def store_item(self, target, value) -> None:
        """``base[index] = value`` as ``base = setitem(base, index, value)``; for
        ``a[i][j] = v`` the changed ``a[i]`` is written back into ``a`` (which is what writing
        through the view ``a[i]`` does when ``i`` is a basic index)."""
        base = target.value
        if isinstance(base, gast.Subscript) and not _basic_index(base.slice):
            raise self.info.error(target, "writing into an item of a fancy-indexed array "
                                  "changes a copy, not the array",
                                  "Index once: a[i, j] = v.")
        index = self.index(target.slice)
        if isinstance(base, gast.Name):
            current = self.local_value(base)
            new = self.emit_op("setitem", None, [current, index, value], hint=base.id)
            self.kinds[new] = self.kind(current)
            self.env[base.id] = new
        elif isinstance(base, gast.Subscript):
            inner = self.atom(base)
            new = self.emit_op("setitem", None, [inner, index, value], hint=_name_of(base))
            self.store_item(base, new)
        else:
            raise self.info.error(target, "only items of local variables can be assigned",
                                  "Copy the value into a local variable first.")

    def local_value(self, name_node):
        name = name_node.id
        if name not in self.locals:
            raise self.info.error(name_node, f"this writes into {name!r}, which is not a local "
                                  "variable of the function (a global or a closure value)",
                                  f"Instead: make a local copy ({name}_local = {name}.copy()) "
                                  "and write into that.")
        value = self.env.get(name, UNBOUND)
        if value is UNBOUND:
            raise self.info.error(name_node, f"{name!r} is written into before it is assigned")
        return self.materialize(value)

    def stmt_AugAssign(self, stmt) -> None:
        target, op = stmt.target, type(stmt.op)
        if isinstance(target, gast.Name):
            current = self.local_value(target)
            value = self.atom(stmt.value)
            new = self.operator("augop", op, [current, value], target.id, stmt)
            self.env[target.id] = new
            return
        if isinstance(target, gast.Subscript):
            # x[i] += v is x.__setitem__(i, x[i] + v): numpy's buffered update, exactly
            item = self.atom(gast.Subscript(value=target.value, slice=target.slice,
                                            ctx=gast.Load()))
            value = self.atom(stmt.value)
            new = self.operator("binop", op, [item, value], _name_of(target) or "item", stmt)
            self.store_item(target, new)
            return
        raise self.info.error(target, "this augmented assignment target is not supported")

    def stmt_Expr(self, stmt) -> None:
        value = stmt.value
        if isinstance(value, gast.Constant):
            return  # a docstring
        if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) and \
                value.func.attr in ("append", "extend", "pop"):
            if self.list_update(value) is not None:
                return
        self.expr(value)

    def list_update(self, call):
        """``xs.append(v)``, ``xs.extend(vs)``, ``xs.pop()`` on a local list: a new list value
        bound to ``xs``; returns the popped item (or the new list). None: not a local list."""
        receiver = call.func.value
        if not (isinstance(receiver, gast.Name) and receiver.id in self.locals) and \
                not isinstance(receiver, gast.Subscript):
            return None
        current = self.atom(receiver)
        if self.kinds.get(current) not in ("list", "any", None):
            return None
        kind = call.func.attr
        args = [self.atom(a) for a in call.args]
        name = _name_of(receiver) or "items"
        if kind == "pop":
            if args:
                raise self.info.error(call, "xs.pop(i) is supported only for the last item",
                                      "Write xs.pop(), or index and slice the list.")
            item, new = Var("item"), Var(name, user=name in self.user_names)
            self.emit(Op([item, new], "pop", None, [current], origin=self.origin))
            result = item
        else:
            if len(args) != 1 or call.keywords:
                raise self.info.error(call, f"{kind}() takes one argument")
            new = self.emit_op(kind, None, [current, args[0]], hint=name)
            result = Const(None)
        self.kinds[new] = "list"
        if isinstance(receiver, gast.Name):
            self.env[receiver.id] = new
        else:
            self.store_item(receiver, new)
        return result

    def stmt_Pass(self, stmt) -> None:
        pass

    def stmt_Assert(self, stmt) -> None:
        test = self.atom(stmt.test, "cond")
        msg = Const(None) if stmt.msg is None else self.atom(stmt.msg, "message")
        self.emit(Op([], "assert", None, [test, msg], pure=False, origin=self.origin))

    def stmt_Return(self, stmt) -> None:
        self.result = Const(None) if stmt.value is None else self.atom(stmt.value, "result")
        self.terminated = True

    def stmt_Break(self, stmt) -> None:
        self.env[BREAK] = Const(True)
        self.terminated = True

    def stmt_Continue(self, stmt) -> None:
        self.terminated = True  # the rest of the body moved into the other branch

    # -- branches -----------------------------------------------------------------------------
    def stmt_If(self, stmt) -> None:
        cond = self.atom(stmt.test, "cond")
        self.branch(cond, stmt.body, stmt.orelse)

    def branch(self, cond, then_body, else_body) -> None:
        saved_env, saved_block, origin = self.env, self.block, self.origin
        results = []
        for stmts in (then_body, else_body):
            self.env, self.block, self.terminated = dict(saved_env), Block(), False
            self.body(stmts)
            results.append((self.block, self.env, self.terminated))
        (then, then_env, then_done), (orelse, else_env, else_done) = results
        self.env, self.block, self.origin = saved_env, saved_block, origin
        names = []
        for n in _ordered_keys(then_env, else_env):
            if _same(then_env.get(n, UNBOUND), else_env.get(n, UNBOUND)):
                if n in then_env:  # (both sides bound it to one value: no output needed)
                    self.env[n] = then_env[n]
            elif (static := _surviving_static(n, (then_env, then_done), (else_env, else_done))):
                self.env[n] = static  # (the other side returned: it never reaches the join)
            else:
                names.append(n)
        outs = []
        for name in names:
            sides = [self.branch_atom(env.get(name, UNBOUND), name) for env in (then_env,
                                                                               else_env)]
            then.yields.append(sides[0])
            orelse.yields.append(sides[1])
            out = Var(_hint(name), user=name in self.user_names)
            kinds = {self.kind(s) for s in sides if s is not UNBOUND}
            self.kinds[out] = kinds.pop() if len(kinds) == 1 else "any"
            outs.append(out)
            self.env[name] = out
        self.emit(If(cond, then, orelse, outs, origin=self.origin))
        self.terminated = then_done and else_done

    def branch_atom(self, value, name):
        if isinstance(value, Static):
            raise self.info.error(self.origin.node, f"{name!r} names a function on one path "
                                  "and something else on another",
                                  "Bind it once, before the branch.")
        return value

    def branch_value(self, first, then_node, else_node, hint) -> Var:
        """The value of ``first and rest`` (``else_node`` None) or ``first or rest``
        (``then_node`` None): ``rest`` evaluated only on its side of a branch."""
        saved_env, saved_block = self.env, self.block
        sides = []
        for node in (then_node, else_node):
            self.env, self.block = dict(saved_env), Block()
            value = first if node is None else self.atom(node)
            self.block.yields = [value]
            sides.append(self.block)
        self.env, self.block = saved_env, saved_block
        out = Var(hint)
        self.emit(If(first, sides[0], sides[1], [out], origin=self.origin))
        return out

    # -- loops --------------------------------------------------------------------------------
    def stmt_For(self, stmt) -> None:
        call = stmt.iter
        if not (isinstance(call, gast.Call) and self.resolve_static(call.func) is range and
                isinstance(stmt.target, gast.Name) and not call.keywords):
            raise self.info.error(stmt, "this loop is not supported",
                                  "Loop over range(...), an array, a list, enumerate or zip.")
        args = [self.atom(a) for a in call.args]
        bounds = {1: lambda a: [Const(0), a[0], Const(1)], 2: lambda a: a + [Const(1)],
                  3: lambda a: a}[len(args)](args)
        self.loop("range", stmt, bounds=bounds, target=stmt.target.id)

    def stmt_While(self, stmt) -> None:
        self.loop("while", stmt, test=stmt.test)

    def loop(self, kind, stmt, bounds=(), target=None, test=None) -> None:
        assigned = _assigned(stmt.body, self.locals)
        if target is not None and target not in assigned:
            assigned.insert(0, target)
        has_break = _breaks(stmt.body)
        params = [Var(_hint(n), user=n in self.user_names) for n in assigned]
        inits = [self.materialize(self.env.get(n, UNBOUND)) for n in assigned]
        for p, init in zip(params, inits):
            self.kinds[p] = self.kind(init) if init is not UNBOUND else "any"
        saved_env, saved_block, origin = self.env, self.block, self.origin
        loop_env = dict(saved_env)
        loop_env.update(zip(assigned, params))
        header = None
        if test is not None:
            self.env, self.block = dict(loop_env), Block()
            self.block.yields = [self.atom(test, "cond")]
            header = self.block
        index = Var(_hint(target), user=target in self.user_names) if target else None
        self.env, self.block, self.terminated = dict(loop_env), Block(), False
        if target is not None:
            self.env[target] = index
        if has_break:
            self.env[BREAK] = Const(False)
        self.body(stmt.body)
        body = self.block
        body.yields = [self.env.get(n, UNBOUND) for n in assigned]
        brk = self.env.get(BREAK) if has_break else None
        self.env, self.block, self.origin, self.terminated = saved_env, saved_block, origin, False
        outs = [Var(_hint(n), user=n in self.user_names) for n in assigned]
        for name, out, param, value in zip(assigned, outs, params, body.yields):
            if isinstance(value, Static):
                raise self.info.error(stmt, f"{name!r} is bound to a function inside the loop",
                                      "Bind it once, before the loop.")
            value_kind = self.kind(param)
            if value is not UNBOUND and self.kind(value) != value_kind:
                value_kind = "any"
            self.kinds[out] = value_kind
            self.env[name] = out
        self.emit(Loop(kind, params, inits, body, outs, bounds=bounds, index=index,
                       header=header, brk=None if isinstance(brk, Const) and not brk.value
                       else brk, origin=self.origin))


def lower(fn, fn_node, info, scope, user_names, name: str, template=False, param_kinds=None):
    """``fn_node`` (after desugar and structure) as an IR Function, and the globals it
    resolved now (name -> object), which a cached gradient depends on. ``param_kinds``: what
    is known of the parameters (name -> "array", "list", ...; "any" otherwise)."""
    lowering = Lowering(fn, fn_node, info, scope, user_names, template)
    function = lowering.function(name, param_kinds)
    function.kinds = lowering.kinds
    return function, lowering.deps


# -- helpers ------------------------------------------------------------------------------------

def _parallel(target, value) -> bool:
    return isinstance(target, (gast.Tuple, gast.List)) and \
        isinstance(value, (gast.Tuple, gast.List)) and len(target.elts) == len(value.elts) and \
        not any(isinstance(e, gast.Starred) for e in value.elts + target.elts)


def _name_of(node):
    if isinstance(node, gast.Name):
        return node.id
    if isinstance(node, gast.Subscript):
        return _name_of(node.value)
    return None


def _hint(name: str | None) -> str:
    if name is None:
        return "i"
    return "broke" if name == BREAK else name


def _surviving_static(name, *sides):
    """The function ``name`` holds after a branch where only one side binds it (the other
    returned, or never bound it: a use there fails in Python too)."""
    bound = [env[name] for env, done in sides if not done and name in env]
    if len(bound) == 1 and isinstance(bound[0], Static):
        return bound[0]
    return None


def _same(a, b) -> bool:
    if a is b:
        return True
    return (isinstance(a, (Const, Free)) and a == b)


def _ordered_keys(*envs) -> list:
    seen, out = set(), []
    for env in envs:
        for key in env:
            if key not in seen:
                seen.add(key)
                out.append(key)
    return out


def _assigned(stmts, locals_) -> list:
    """Local names a block may re-bind, in first-assignment order: assignment targets, in-place
    write targets and list-update receivers, in nested blocks too; ``<break>`` excluded."""
    found = []

    def add(name):
        if name in locals_ and name not in found:
            found.append(name)

    for stmt in stmts:
        for node in gast.walk(stmt):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                add(node.id)
            elif isinstance(node, gast.Subscript) and isinstance(node.ctx, gast.Store):
                base = node
                while isinstance(base, gast.Subscript):
                    base = base.value
                if isinstance(base, gast.Name):
                    add(base.id)
            elif isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) and \
                    node.func.attr in ("append", "extend", "pop"):
                base = node.func.value
                while isinstance(base, gast.Subscript):
                    base = base.value
                if isinstance(base, gast.Name):
                    add(base.id)
            elif isinstance(node, gast.AugAssign) and isinstance(node.target, gast.Name):
                add(node.target.id)
    return found


def _breaks(stmts) -> bool:
    """Whether the block breaks out of its own loop (not of a nested one)."""
    for stmt in stmts:
        if isinstance(stmt, gast.Break):
            return True
        if isinstance(stmt, gast.If) and (_breaks(stmt.body) or _breaks(stmt.orelse)):
            return True
    return False


def _basic_index(node) -> bool:
    """An index that makes numpy return a view: integers, slices, None, Ellipsis -- as written
    (a name could hold an index array)."""
    if isinstance(node, gast.Tuple):
        return all(_basic_index(e) for e in node.elts)
    if isinstance(node, gast.Slice):
        return True
    if isinstance(node, gast.Constant):
        return node.value is None or node.value is Ellipsis or type(node.value) is int
    if isinstance(node, gast.UnaryOp) and isinstance(node.operand, gast.Constant):
        return type(node.operand.value) is int
    return False


__all__ = ["BREAK", "MISSING", "Lowering", "lower"]
