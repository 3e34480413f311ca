"""Greedy minimization of a failing program, on its syntax tree.

Edits, tried in order until none keeps the failure: inline a name bound once to another
name, delete a statement (anywhere, helpers and constants included), replace a compound statement by one of its bodies, replace an
expression by one of its operands (or by 1.0), drop a keyword argument, differentiate fewer
parameters, drop parameters nothing reads. An edit is kept when the program still fails with
the same signature (class, kind and, for crashes and refusals, the normalized message);
any other outcome, ``invalid`` included, rejects it.
"""
from __future__ import annotations

import ast
import collections
import copy
import time

from .oracle import Outcome, check
from .program import Program


def _statement_lists(tree: ast.Module):
    """Every (owner, field) holding a list of statements, outermost first."""
    for node in ast.walk(tree):
        for name in ("body", "orelse"):
            value = getattr(node, name, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                yield node, name


def _located(tree, path):
    """The node at ``path`` (a list of (field, index)) in a copy of the tree."""
    node = tree
    for name, index in path:
        node = getattr(node, name)
        if index is not None:
            node = node[index]
    return node


def _paths(tree):
    """Paths to every node, in preorder, so a copy can be edited at the same place."""
    out = []

    def visit(node, path):
        out.append((node, path))
        for name, value in ast.iter_fields(node):
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        visit(item, path + [(name, i)])
            elif isinstance(value, ast.AST):
                visit(value, path + [(name, None)])
    visit(tree, [])
    return out


def _statement_edits(tree):
    for owner, name in list(_statement_lists(tree)):
        body = getattr(owner, name)
        for i in reversed(range(len(body))):
            if isinstance(body[i], ast.FunctionDef) and body[i].name == "f":
                continue
            yield ("delete", owner, name, i)
    for node, path in _paths(tree):
        if isinstance(node, (ast.If, ast.For, ast.While)):
            yield ("unwrap", path, "body")
            if node.orelse:
                yield ("unwrap", path, "orelse")


def _alias_edits(tree):
    """``a = b`` (a bound only there): use ``b`` wherever ``a`` is read, drop the line."""
    stores = collections.Counter(n.id for n in ast.walk(tree)
                                 if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    for node, path in _paths(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Name) \
                and stores[node.targets[0].id] == 1:
            yield ("inline", path, node.targets[0].id, node.value.id)


def _apply_statement_edit(tree, edit):
    new = copy.deepcopy(tree)
    if edit[0] == "inline":
        _, path, alias, name = edit
        parent = _located(new, path[:-1])
        field, index = path[-1]
        del getattr(parent, field)[index]
        if not getattr(parent, field):
            getattr(parent, field).append(ast.Pass())
        for n in ast.walk(new):
            if isinstance(n, ast.Name) and n.id == alias and isinstance(n.ctx, ast.Load):
                n.id = name
        return new
    if edit[0] == "delete":
        _, owner, name, i = edit
        # find the same owner in the copy by position among statement lists
        owners = list(_statement_lists(tree))
        k = next(j for j, (o, n) in enumerate(owners) if o is owner and n == name)
        new_owner, _ = list(_statement_lists(new))[k]
        body = getattr(new_owner, name)
        del body[i]
        if not body:
            if name == "orelse":
                setattr(new_owner, name, [])
            else:
                body.append(ast.Pass())
        return new
    _, path, which = edit
    parent_path, (field, index) = path[:-1], path[-1]
    parent = _located(new, parent_path)
    node = getattr(parent, field)[index]
    getattr(parent, field)[index:index + 1] = getattr(node, which) or [ast.Pass()]
    return new


def _expression_edits(tree):
    for node, path in _paths(tree):
        if not isinstance(node, ast.expr) or isinstance(node, (ast.Name, ast.Constant)):
            continue
        if getattr(node, "ctx", None) is not None and not isinstance(node.ctx, ast.Load):
            continue
        if not path or path[-1][0] in ("func", "targets", "target"):
            continue
        for c in _operands(node):
            yield path, c
        yield path, ast.Constant(1.0)
    for node, path in _paths(tree):
        if isinstance(node, ast.Call) and node.keywords:
            for i in range(len(node.keywords)):
                yield path + [("keywords", i)], None


def _operands(node: ast.expr) -> list[ast.expr]:
    """What an expression may be replaced by: its operands (never a call's function, an
    attribute's owner or a conditional's test, which would leave odd code behind)."""
    if isinstance(node, ast.Call):
        parts = list(node.args) + [k.value for k in node.keywords]
    elif isinstance(node, ast.IfExp):
        parts = [node.body, node.orelse]
    elif isinstance(node, ast.Attribute):
        parts = []
    elif isinstance(node, ast.Compare):
        parts = [node.left] + list(node.comparators)
    else:
        parts = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]
    return [p for p in parts if not isinstance(p, (ast.Constant, ast.Starred))]


def _apply_expression_edit(tree, edit):
    path, replacement = edit
    new = copy.deepcopy(tree)
    parent = _located(new, path[:-1])
    field, index = path[-1]
    if replacement is None:  # drop a keyword argument
        del getattr(parent, field)[index]
        return new
    if index is None:
        setattr(parent, field, copy.deepcopy(replacement))
    else:
        getattr(parent, field)[index] = copy.deepcopy(replacement)
    return new


def _unused_parameters(program: Program, tree) -> list[str]:
    f = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "f")
    read = {n.id for n in ast.walk(f) if isinstance(n, ast.Name)}
    return [p for p in program.params if p not in read and p not in program.wrt]


def _with_params(program: Program, tree, keep: list[str], wrt) -> Program:
    new = copy.deepcopy(tree)
    f = next(n for n in new.body if isinstance(n, ast.FunctionDef) and n.name == "f")
    f.args.args = [a for a in f.args.args if a.arg in keep]
    args = [v for p, v in zip(program.params, program.args) if p in keep]
    return program.with_body(ast.unparse(new) + "\n", params=keep, args=args, wrt=wrt)


def statement_count(program: Program) -> int:
    return sum(isinstance(n, ast.stmt) for n in ast.walk(ast.parse(program.body)))


def minimize(program: Program, outcome: Outcome, *, seconds: float = 40.0,
             max_checks: int = 400) -> tuple[Program, Outcome]:
    """The smallest program found that fails like ``program`` does, and its outcome."""
    target = outcome.signature
    deadline = time.monotonic() + seconds
    checks = [0]
    best, best_outcome = program, outcome

    def fails_the_same(candidate: Program):
        checks[0] += 1
        result = check(candidate, autograd_opinion=False)
        return result if result.signature == target else None

    def budget_left():
        return checks[0] < max_checks and time.monotonic() < deadline

    changed = True
    while changed and budget_left():
        changed = False
        tree = ast.parse(best.body)
        # fewer parameters differentiated, then parameters nothing reads
        if len(best.wrt) > 1:
            for name in best.wrt:
                candidate = best.with_body(best.body, wrt=(name,))
                result = fails_the_same(candidate)
                if result:
                    best, best_outcome, changed = candidate, result, True
                    break
            if changed:
                continue
        unused = _unused_parameters(best, tree)
        if unused:
            candidate = _with_params(best, tree, [p for p in best.params if p not in unused],
                                     best.wrt)
            result = fails_the_same(candidate)
            if result:
                best, best_outcome, changed = candidate, result, True
                continue
        # one pass over the edits; after a kept edit the same position is tried again on
        # the new tree (deletions run back to front, so earlier positions are unchanged)
        position = 0
        while budget_left():
            tree = ast.parse(best.body)
            edits = [(_apply_statement_edit, e) for e in _alias_edits(tree)] + \
                    [(_apply_statement_edit, e) for e in _statement_edits(tree)] + \
                    [(_apply_expression_edit, e) for e in _expression_edits(tree)]
            if position >= len(edits):
                break
            apply, edit = edits[position]
            try:
                text = ast.unparse(ast.fix_missing_locations(apply(tree, edit))) + "\n"
            except Exception:
                text = best.body
            result = None if text == best.body else fails_the_same(best.with_body(text))
            if result:
                best, best_outcome, changed = best.with_body(text), result, True
            else:
                position += 1
    return best, best_outcome


def fingerprint(program: Program) -> str:
    """The constructs a (minimized) program uses: the numpy/math calls, the kinds of writes,
    containers and control flow. Minimized failures with the same fingerprint most likely
    share a cause, so reports group them by it."""
    tree = ast.parse(program.body)
    helpers = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)} - {"f"}
    features = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name.startswith(("np.", "math.", "functools.")) or name in ("sum", "logsumexp"):
                features.add(name)
            elif name in helpers:
                features.add("helper()")
            elif isinstance(node.func, ast.Attribute):
                features.add(f".{node.func.attr}()")
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Subscript):
                    kind = "fancy" if isinstance(t.slice, (ast.List, ast.Name)) else \
                        "slice" if isinstance(t.slice, ast.Slice) else "index"
                    op = "+=" if isinstance(node, ast.AugAssign) else "="
                    features.add(f"y[{kind}] {op}")
                elif isinstance(t, ast.Tuple):
                    features.add("unpacking")
                elif isinstance(node, ast.AugAssign):
                    features.add("augmented")
        elif isinstance(node, (ast.For, ast.While, ast.If, ast.IfExp, ast.Lambda, ast.ListComp,
                               ast.Dict, ast.Return)):
            name = type(node).__name__
            if not (name == "Return" and node is tree.body[-1].body[-1]):
                features.add(name if name != "Return" else "early return")
        elif isinstance(node, ast.Tuple) and isinstance(node.ctx, ast.Load):
            if any(isinstance(e, ast.Tuple) for e in node.elts):
                features.add("nested tuple")
        elif isinstance(node, ast.FunctionDef) and node.name != "f" and node not in tree.body:
            features.add("nested def")
    return " ".join(sorted(features)) or "(plain)"
