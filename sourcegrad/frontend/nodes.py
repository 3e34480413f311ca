"""What every pass uses on gast trees: small node constructors (one place for gast's field
lists), copies and structural keys, the fast walks, and the ``Transformer`` base class.

Passes walk and rebuild trees many times per transform, so these are written for speed: see
"What a transform costs" in docs/architecture.md."""
from __future__ import annotations

from typing import ClassVar

import gast

COMMENT_PREFIX = "\x00#"  # marks a string statement that code generation turns into a comment


# Contexts carry no data and passes replace them rather than change them: one of each serves
# every node built here.
LOAD, STORE = gast.Load(), gast.Store()


def _node(cls, fields: dict):
    """A node with the given fields, without gast's generic constructor (these run thousands
    of times per transform)."""
    node = cls.__new__(cls)
    node.__dict__.update(fields)
    return node


def load(name: str) -> gast.Name:
    return _node(gast.Name, {"id": name, "ctx": LOAD, "annotation": None, "type_comment": None})


def store(name: str) -> gast.Name:
    return _node(gast.Name, {"id": name, "ctx": STORE, "annotation": None,
                             "type_comment": None})


def const(value) -> gast.Constant:
    return _node(gast.Constant, {"value": value, "kind": None})


def assign(target: str | gast.expr, value: gast.expr, origin=None) -> gast.Assign:
    node = _node(gast.Assign, {"targets": [store(target) if isinstance(target, str) else target],
                               "value": value, "type_comment": None})
    if origin is not None:
        node.sg_origin = origin
    return node


def call(func: gast.expr | str, *args: gast.expr, **keywords: gast.expr) -> gast.Call:
    if isinstance(func, str):
        func = load(func)
    return _node(gast.Call, {"func": func, "args": list(args), "keywords": [
        gast.keyword(arg=k, value=v) for k, v in keywords.items()]})


def attr(value: gast.expr, name: str) -> gast.Attribute:
    return _node(gast.Attribute, {"value": value, "attr": name, "ctx": LOAD})


def binop(left: gast.expr, op: gast.operator, right: gast.expr) -> gast.BinOp:
    return gast.BinOp(left=left, op=op, right=right)


def tuple_(elts, ctx=None) -> gast.Tuple:
    return _node(gast.Tuple, {"elts": list(elts), "ctx": ctx or LOAD})


def comment(text: str) -> gast.Expr:
    """A statement that code generation prints as ``# text``."""
    return gast.Expr(value=const(COMMENT_PREFIX + " " + text))


def function(name: str, args: gast.arguments, body: list) -> gast.FunctionDef:
    return gast.FunctionDef(name=name, args=args, body=body, decorator_list=[], returns=None,
                            type_comment=None, type_params=[])


def positional_args(names) -> gast.arguments:
    return gast.arguments(args=[gast.Name(n, gast.Param(), None, None) for n in names],
                          posonlyargs=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                          kwarg=None, defaults=[])


def clone(node):
    """A deep copy of a tree that keeps the annotations passes hang on nodes (sg_*).

    Much faster than ``copy.deepcopy``: trees are acyclic, so no memo is needed. Contexts and
    operators (``Load()``, ``Add()``) are shared, not copied: passes replace them, never change
    them.
    """
    cls = node.__class__
    if cls is list:
        return [clone(n) for n in node]
    if not isinstance(node, gast.AST):
        return node
    new = cls.__new__(cls)
    # annotations (sg_origin, ...) are shared, not copied: they name the user's nodes
    copied = node.__dict__.copy()
    names = _child_fields.get(cls)
    if names is None:
        names = _fields_of(cls)
    AST = gast.AST
    for field in names:
        value = copied.get(field)
        if value.__class__ is list:
            copied[field] = [clone(v) if isinstance(v, AST) else v for v in value]
        elif isinstance(value, AST):
            copied[field] = clone(value)
    new.__dict__.update(copied)
    return new


def structure(node):
    """A hashable value equal for equal trees (what ``gast.dump`` compares, without building
    the string)."""
    cls = node.__class__
    if cls is list:
        return tuple(structure(n) for n in node)
    if not isinstance(node, gast.AST):
        return repr(node)  # 1, 1.0 and True differ, as in the printed code
    fields = node.__dict__
    return (cls.__name__,) + tuple(structure(fields.get(f)) for f in cls._fields)


def dotted(node, unknown: str = "...") -> str:
    """``np.linalg.inv`` for a Name/Attribute chain (``unknown`` for anything else)."""
    if isinstance(node, gast.Name):
        return node.id
    if isinstance(node, gast.Attribute):
        return dotted(node.value, unknown) + "." + node.attr
    return unknown


def names_in(node) -> set[str]:
    return {n.id for n in name_nodes(node)}


# fields that never hold a node anyone looks for: contexts and operators are leaves nobody
# matches (passes read ``n.ctx`` off the Name), the rest are strings or flags
_LEAF_FIELDS = frozenset(("ctx", "op", "ops", "id", "attr", "arg", "type_comment", "kind",
                          "level", "module", "conversion", "is_async", "simple"))
_child_fields: dict[type, tuple[str, ...]] = {}


def _fields_of(cls) -> tuple[str, ...]:
    fields = tuple(f for f in cls._fields if f not in _LEAF_FIELDS and
                   not (cls is gast.Constant and f == "value"))
    _child_fields[cls] = fields
    return fields


def statements(stmts):
    """Every statement, nested ones included (statements only nest in statements)."""
    for stmt in stmts:
        yield stmt
        kind = stmt.__class__
        if kind is gast.If or kind is gast.For or kind is gast.While:
            yield from statements(stmt.body)
            yield from statements(stmt.orelse)


def walk(node, stop: frozenset = frozenset()):
    """Every node of a tree except contexts and operators (``Load()``, ``Add()``), like
    ``gast.walk`` but several times faster: passes walk a lot. A node whose class is in
    ``stop`` is yielded, but its subtree is not entered."""
    todo = [node]
    pop, push, AST, known = todo.pop, todo.append, gast.AST, _child_fields.get
    Name, Constant = gast.Name, gast.Constant
    while todo:
        current = pop()
        yield current
        cls = current.__class__
        if (cls is Name and current.annotation is None) or cls is Constant or cls in stop:
            continue  # the most common leaves, and subtrees left alone
        fields = current.__dict__
        names = known(cls)
        if names is None:
            names = _fields_of(cls)
        for field in names:
            value = fields.get(field)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, AST):
                        push(item)
            elif isinstance(value, AST):
                push(value)


def name_nodes(node, stop: frozenset = frozenset()) -> list:
    """The ``Name`` nodes of a tree, in ``walk`` order (the query most passes make).

    A node whose class is in ``stop`` is listed too, and its subtree is not entered.
    """
    Name = gast.Name
    if not stop:
        return [n for n in walk(node) if n.__class__ is Name]
    return [n for n in walk(node, stop) if n.__class__ is Name or n.__class__ in stop]


class Transformer(gast.NodeTransformer):
    """``gast.NodeTransformer`` with a faster dispatch (a method cache per class) and generic
    visit (child field lists, no generators; contexts and operators are not visited).

    Same contract: ``visit_<Node>`` returns the replacement; children are visited in place.
    """

    _methods: ClassVar[dict] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._methods = {}

    def visit(self, node):
        kind = node.__class__
        method = self._methods.get(kind)
        if method is None:
            method = getattr(type(self), "visit_" + kind.__name__, None) or \
                type(self).generic_visit
            self._methods[kind] = method
        return method(self, node)

    def generic_visit(self, node):
        fields = node.__dict__
        names = _child_fields.get(node.__class__)
        if names is None:
            names = _fields_of(node.__class__)
        AST = gast.AST
        for field in names:
            value = fields.get(field)
            if value.__class__ is list:
                new = []
                for item in value:
                    if isinstance(item, AST):
                        item = self.visit(item)
                        if item is None:
                            continue
                    new.append(item)
                value[:] = new
            elif isinstance(value, AST):
                fields[field] = self.visit(value)
        return node
