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


class Desugar(gast.NodeTransformer):
    def __init__(self, info, namer: Namer, local_fns: dict):
        self.info = info
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

    # -- expressions ----------------------------------------------------------------------------
    def visit_Lambda(self, node):
        return node  # a lambda value is left alone (it is never differentiated through)

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
        if any(isinstance(n, gast.Return) for s in body[:-1] for n in gast.walk(s)) or \
                not isinstance(body[-1], gast.Return):
            raise self.info.error(node, f"the nested function {name}() can only be inlined "
                                  "when its one return statement comes last",
                                  "Move it to module level, where any function can be called.")
        if len(node.args) > len(params) or node.keywords:
            raise self.info.error(node, f"call the nested function {name}() with positional "
                                  "arguments only")
        renames = {}
        bound = [n.id for s in body for n in gast.walk(s)
                 if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)]
        for local in list(params) + bound:
            renames.setdefault(local, self.namer.fresh(name + "_" + local))
        stmts = [nodes.assign(renames[p], a) for p, a in zip(params, node.args)]
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
    for n in gast.walk(node):
        if isinstance(n, gast.Name) and n.id in renames:
            n.id = renames[n.id]
    return node


def _locate(node, origin):
    for sub in gast.walk(node):
        if "lineno" in getattr(sub, "_attributes", ()) and getattr(sub, "lineno", None) is None:
            gast.copy_location(sub, origin)


def local_functions(fn_node, info) -> dict:
    """Nested ``def``s and ``name = lambda ...`` in ``fn_node``, each bound exactly once."""
    found, counts = {}, {}
    for node in gast.walk(fn_node):
        if isinstance(node, gast.Assign):
            for t in node.targets:
                if isinstance(t, gast.Name):
                    counts[t.id] = counts.get(t.id, 0) + 1
    for node in gast.walk(fn_node):
        if node is fn_node:
            continue
        if isinstance(node, gast.FunctionDef):
            if node.decorator_list or node.args.vararg or node.args.kwarg or \
                    node.args.kwonlyargs or node.args.defaults:
                raise info.error(node, f"the nested function {node.name}() has decorators, "
                                 "defaults or variable arguments",
                                 "Move it to module level, or keep its parameters plain.")
            found[node.name] = ([a.id for a in node.args.args], node.body)
        elif _is_lambda_def(node) and counts.get(node.targets[0].id) == 1:
            lam = node.value
            ret = gast.copy_location(gast.Return(value=lam.body), lam.body)
            found[node.targets[0].id] = ([a.id for a in lam.args.args], [ret])
    return found


def desugar(fn_node, info, namer: Namer) -> None:
    local_fns = local_functions(fn_node, info)
    fn_node.body = Desugar(info, namer, local_fns).block(fn_node.body)
