"""Pass 2a: desugar what Python writes compactly into statements the later passes know.

* ``[f(x) for x in xs if c]`` (and generator expressions, e.g. inside ``sum(...)``) becomes
  ``t = []`` plus a loop that appends, hoisted before the statement that used it;
* a call to a function defined inside the differentiated one (``def`` or a lambda bound to a
  name) is inlined: its parameters become fresh variables, its locals get fresh names, its
  final ``return`` an assignment -- so it may read the enclosing function's variables freely.
"""
from __future__ import annotations

import copy

import gast

from . import nodes
from .naming import Namer


class Desugar(nodes.Transformer):
    def __init__(self, info, namer: Namer, local_fns: dict, scope=None):
        self.info = info
        self.scope = scope
        self.namer = namer
        self.local_fns = local_fns  # name -> (params, body statements)
        self.hoisted: list = []
        self.depth = 0  # inlining depth, to refuse recursion

    # -- statements -----------------------------------------------------------------------------
    def block(self, stmts: list) -> list:
        out = []
        for stmt in stmts:
            if isinstance(stmt, gast.FunctionDef) or _is_lambda_def(stmt):
                continue  # inlined at each call
            for field in ("body", "orelse"):
                if isinstance(getattr(stmt, field, None), list):
                    setattr(stmt, field, self.block(getattr(stmt, field)))
            saved, self.hoisted = self.hoisted, []
            for field, value in gast.iter_fields(stmt):
                if field in ("body", "orelse"):
                    continue
                if isinstance(value, gast.AST):
                    setattr(stmt, field, self.visit(value))
            out.extend(self.hoisted)
            self.hoisted = saved
            out.append(stmt)
        return out

    def single_exit(self, name: str, body: list) -> list:
        """The nested function's body with its returns structured into one final return."""
        from .structure import Structurer
        shell = nodes.function(name, nodes.positional_args([]), copy.deepcopy(body))
        Structurer(self.scope, self.namer).function(shell)
        if not shell.body or not isinstance(shell.body[-1], gast.Return):
            raise self.info.error(body[-1], f"the nested function {name}() must return a value "
                                  "on every path to be inlined", "Add a final return.")
        return shell.body

    # -- expressions ----------------------------------------------------------------------------
    def visit_Lambda(self, node):
        return node  # a lambda value is left alone (it is never differentiated through)

    def visit_IfExp(self, node):
        """``a if c else b`` -> ``if c: t = a else: t = b`` (only the taken side runs)."""
        result = self.namer.fresh("chosen")
        saved, self.hoisted = self.hoisted, []
        test = self.visit(node.test)
        before_test, self.hoisted = self.hoisted, []
        body_value = self.visit(node.body)
        body, self.hoisted = self.hoisted, []
        else_value = self.visit(node.orelse)
        orelse, self.hoisted = self.hoisted, saved
        branch = gast.If(test=test, body=body + [nodes.assign(result, body_value)],
                         orelse=orelse + [nodes.assign(result, else_value)])
        for stmt in before_test + [branch]:
            _locate(stmt, node)
        self.hoisted.extend(before_test + [branch])
        return nodes.load(result)

    def visit_ListComp(self, node):
        return self.comprehension(node, node.elt)

    def visit_GeneratorExp(self, node):
        return self.comprehension(node, node.elt)

    def comprehension(self, node, elt):
        result = self.namer.fresh("items")
        append = gast.Expr(value=nodes.call(nodes.attr(nodes.load(result), "append"), elt))
        body = [append]
        for gen in reversed(node.generators):
            for cond in reversed(gen.ifs):
                body = [gast.If(test=cond, body=body, orelse=[])]
            body = [gast.For(target=gen.target, iter=gen.iter, body=body, orelse=[],
                             type_comment=None)]
        stmts = [nodes.assign(result, gast.List(elts=[], ctx=gast.Load()))] + body
        for stmt in stmts:
            _locate(stmt, node)
        self.hoisted.extend(self.block(stmts))
        return nodes.load(result)

    def visit_Call(self, node):
        self.generic_visit(node)
        if not (isinstance(node.func, gast.Name) and node.func.id in self.local_fns):
            return node
        name = node.func.id
        if self.depth > 20:
            raise self.info.error(node, f"the nested function {name}() calls itself",
                                  "Move it to module level: module-level functions may recurse.")
        params, body = self.local_fns[name]
        names = [p for p, _ in params]
        if any(isinstance(n, gast.Return) for s in body[:-1] for n in nodes.walk(s)) or \
                not isinstance(body[-1], gast.Return):
            body = self.single_exit(name, body)
        values = dict(zip(names, node.args))
        for kw in node.keywords:
            if kw.arg not in names or kw.arg in values:
                raise self.info.error(node, f"the call does not match the nested function "
                                      f"{name}({', '.join(names)})")
            values[kw.arg] = kw.value
        for p, default in params:
            if p not in values:
                if default is None:
                    raise self.info.error(node, f"the nested function {name}() is missing "
                                          f"the argument {p!r}")
                values[p] = copy.deepcopy(default)
        if len(node.args) > len(params) or any(isinstance(a, gast.Starred) for a in node.args):
            raise self.info.error(node, f"call the nested function {name}() with its "
                                  "parameters one by one")
        renames = {}
        bound = [n.id for s in body for n in nodes.walk(s)
                 if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)]
        for local in names + bound:
            renames.setdefault(local, self.namer.fresh(name + "_" + local))
        stmts = [nodes.assign(renames[p], values[p]) for p in names]
        inlined = [_rename(copy.deepcopy(s), renames) for s in body]
        result = self.namer.fresh(name + "_result")
        stmts += inlined[:-1] + [nodes.assign(result, inlined[-1].value)]
        for stmt in stmts:
            _locate(stmt, node)
        self.depth += 1
        self.hoisted.extend(self.block(stmts))
        self.depth -= 1
        return nodes.load(result)


def _is_lambda_def(stmt) -> bool:
    return (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and
            isinstance(stmt.targets[0], gast.Name) and isinstance(stmt.value, gast.Lambda))


def _rename(node, renames: dict):
    for n in nodes.walk(node):
        if isinstance(n, gast.Name) and n.id in renames:
            n.id = renames[n.id]
    return node


def _locate(node, origin):
    for sub in nodes.walk(node):
        if "lineno" in getattr(sub, "_attributes", ()) and getattr(sub, "lineno", None) is None:
            gast.copy_location(sub, origin)


def local_functions(fn_node, info) -> dict:
    """Nested ``def``s and ``name = lambda ...`` in ``fn_node``, each bound exactly once."""
    found, counts = {}, {}
    for node in nodes.walk(fn_node):
        if isinstance(node, gast.Assign):
            for t in node.targets:
                if isinstance(t, gast.Name):
                    counts[t.id] = counts.get(t.id, 0) + 1
    for node in nodes.walk(fn_node):
        if node is fn_node:
            continue
        if isinstance(node, gast.FunctionDef):
            if node.decorator_list or node.args.vararg or node.args.kwarg or \
                    node.args.kwonlyargs:
                raise info.error(node, f"the nested function {node.name}() has decorators "
                                 "or variable arguments",
                                 "Move it to module level, or keep its parameters plain.")
            found[node.name] = (_parameters(node.args, node, info), node.body)
        elif _is_lambda_def(node) and counts.get(node.targets[0].id) == 1:
            lam = node.value
            ret = gast.copy_location(gast.Return(value=lam.body), lam.body)
            found[node.targets[0].id] = (_parameters(lam.args, lam, info), [ret])
    return found


def _parameters(args, node, info) -> list:
    """(name, default node or None) per parameter; defaults must be literals (they are
    evaluated where the call is inlined, which for a literal is the same value)."""
    names = [a.id for a in args.args]
    defaults = [None] * (len(names) - len(args.defaults)) + list(args.defaults)
    for default in defaults:
        if default is not None and not _literal(default):
            raise info.error(default, "a nested function's default must be a literal to be "
                             "inlined", "Move the function to module level.")
    return list(zip(names, defaults))


def _literal(node) -> bool:
    if isinstance(node, gast.Constant):
        return True
    if isinstance(node, gast.UnaryOp) and isinstance(node.operand, gast.Constant):
        return True
    if isinstance(node, gast.Tuple):
        return all(_literal(e) for e in node.elts)
    return False


def desugar(fn_node, info, namer: Namer, scope) -> None:
    local_fns = local_functions(fn_node, info)
    fn_node.body = Desugar(info, namer, local_fns, scope).block(fn_node.body)
