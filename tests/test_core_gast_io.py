"""The fast path into gast gives what the slow, exact one gives: ``parse.to_gast`` copies an
``ast`` tree into gast directly; it must build the very tree ``gast.ast_to_gast`` builds
(fields, contexts, locations), on real files."""
from __future__ import annotations

import ast
import inspect
import pathlib
import sys

import gast
import pytest

import sourcegrad
from sourcegrad.frontend import parse


def same_tree(ours, reference, path="tree"):
    assert type(ours) is type(reference), path
    if isinstance(ours, list):
        assert len(ours) == len(reference), path
        for i, (a, b) in enumerate(zip(ours, reference)):
            same_tree(a, b, f"{path}[{i}]")
    elif isinstance(ours, gast.AST):
        assert set(vars(ours)) == set(vars(reference)), path
        for key in vars(ours):
            same_tree(vars(ours)[key], vars(reference)[key], f"{path}.{key}")
    else:
        assert ours == reference, path


SOURCES = sorted(pathlib.Path(sourcegrad.__file__).parent.rglob("*.py")) + \
    sorted(pathlib.Path(__file__).parent.glob("*.py")) + \
    [pathlib.Path(inspect.getfile(m)) for m in (ast, inspect, pathlib)]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_to_gast_builds_what_gast_builds(path):
    text = path.read_text()
    same_tree(parse.to_gast(ast.parse(text)), gast.ast_to_gast(ast.parse(text)))


@pytest.mark.skipif(sys.version_info < (3, 12), reason="type parameters are Python 3.12+")
def test_to_gast_hands_type_parameters_to_gast():
    text = "def f[T](x: T) -> T:\n    return x\n"
    same_tree(parse.to_gast(ast.parse(text)), gast.ast_to_gast(ast.parse(text)))
