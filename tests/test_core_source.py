"""``sourcegrad.source``: the generated code is valid Python, tied to the user's lines, and is
what actually runs -- so tracebacks, ``linecache`` and ``inspect.getsource`` show it.
"""
from __future__ import annotations

import inspect
import linecache
import re
import traceback

import numpy as np
import pytest
from test_core_corpus_numpy import CASES as NUMPY_CASES
from test_core_corpus_syntax import CASES as SYNTAX_CASES
from test_core_corpus_syntax import case_id

import sourcegrad
from sourcegrad.ir.avals import signature_key

CORPUS = SYNTAX_CASES + NUMPY_CASES


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("case", CORPUS, ids=case_id)
def test_source_is_valid_python_tied_to_the_users_lines(case):
    df = sourcegrad.grad(case.fn, wrt=case.wrt)
    text = sourcegrad.source(df)
    compile(text, "<generated>", "exec")
    user_source = _squash(inspect.getsource(case.fn))
    comments = re.findall(r"^\s*# grad of: (.*)$", text, flags=re.MULTILINE)
    assert comments, "no '# grad of:' comment in\n" + text
    for line in comments:
        assert _squash(line) in user_source, f"'# grad of: {line}' is not a line of the user's"


@pytest.mark.parametrize("case", CORPUS, ids=case_id)
def test_source_is_the_code_that_runs(case):
    df = sourcegrad.grad(case.fn, wrt=case.wrt)
    text = sourcegrad.source(df)
    lines = linecache.getlines(df.__code__.co_filename)
    assert "".join(lines).rstrip("\n") == text.rstrip("\n")
    assert inspect.getsource(df) in text
    # a call runs the code specialized to its arguments: source(df, *args) is that code
    args, kwargs = case.args, dict(case.kwargs)
    df(*args, **kwargs)
    bound = inspect.signature(df).bind(*args, **kwargs)
    bound.apply_defaults()
    specialized = df.__sourcegrad_specializations__.table[
        tuple(signature_key(a) for a in bound.arguments.values())]
    text = sourcegrad.source(df, *args, **kwargs)
    assert "".join(linecache.getlines(specialized.__code__.co_filename)).rstrip("\n") == \
        text.rstrip("\n")
    assert inspect.getsource(specialized) in text
    # The generated code needs only the runtime helpers (and the user's own world): nothing
    # it is bound to comes from the compiler.
    for name, cell in zip(specialized.__code__.co_freevars, specialized.__closure__ or ()):
        value = cell.cell_contents
        if getattr(value, "__sourcegrad_generated__", False):  # its Python-floats version
            assert value.__code__.co_filename == specialized.__code__.co_filename, name
            continue
        module = getattr(value, "__module__", "") or getattr(value, "__name__", "")
        assert module.startswith(("sourcegrad.runtime", "numpy", "math")), (name, module)


def tanh_layer(x, W):
    h = np.tanh(x @ W)
    return np.sum(h * h)


def test_source_names_the_function_and_the_sweeps():
    text = sourcegrad.source(sourcegrad.grad(tanh_layer, wrt="W"))
    assert "tanh_layer()" in text and __file__ in text
    assert "# forward sweep" in text and "# backward sweep" in text
    assert "# grad of: h = np.tanh(x @ W)" in text
    assert "def grad_tanh_layer(x, W):" in text
    assert text.index("# forward sweep") < text.index("# backward sweep")


def test_value_and_grad_source_is_named_after_it():
    text = sourcegrad.source(sourcegrad.value_and_grad(tanh_layer))
    assert "def value_and_grad_tanh_layer(x, W):" in text
    compile(text, "<generated>", "exec")


def test_gradient_function_metadata():
    df = sourcegrad.grad(tanh_layer)
    assert df.__name__ == "grad_tanh_layer"
    assert df.__module__ == tanh_layer.__module__
    assert "tanh_layer" in df.__doc__


def test_traceback_shows_the_generated_line():
    df = sourcegrad.grad(tanh_layer)
    args = np.ones(3), np.ones((4, 2))  # shapes that do not multiply
    with pytest.raises(ValueError) as info:
        df(*args)
    frames = traceback.extract_tb(info.value.__traceback__)
    generated = [f for f in frames if f.filename.startswith("<sourcegrad-")]
    assert generated, [f.filename for f in frames]
    assert "x @ W" in generated[-1].line
    assert generated[-1].line in sourcegrad.source(df, *args)
    assert "x @ W" in "".join(traceback.format_exception(info.value))


def test_inspect_getsource_of_the_gradient():
    df = sourcegrad.grad(tanh_layer)
    text = inspect.getsource(df)
    assert text.lstrip().startswith("def grad_tanh_layer(x, W):")
    assert "specialize" in text and "return" in text
    df(np.ones((2, 3)), np.ones((3, 4)))
    specialized = next(iter(df.__sourcegrad_specializations__.table.values()))
    text = inspect.getsource(specialized)
    assert text.lstrip().startswith("def grad_tanh_layer(x, W):")
    assert "np.tanh" in text and "return" in text


def test_source_of_a_function_not_made_by_sourcegrad():
    with pytest.raises(TypeError, match="sourcegrad"):
        sourcegrad.source(tanh_layer)


def test_verbose_prints_the_source_after_each_pass(capsys):
    sourcegrad.grad(tanh_layer, wrt=1, verbose=True)
    out = capsys.readouterr().out
    assert out.count("# ---- after") >= 3
    assert "def grad_tanh_layer" in out


def test_generated_names_never_shadow_the_users():
    def busy(x, dx, sin, result, grad_busy, np_):
        s = np.sin(x) * dx + sin
        return np.sum(s * result) + grad_busy + np_

    args = (np.array([0.2, 0.4]), np.array([1.5, -2.0]), 0.5, 3.0, 1.0, 2.0)
    for wrt in (0, 1, 2, 3):
        g = sourcegrad.grad(busy, wrt=wrt)(*args)
        assert np.all(np.isfinite(g))
    gx = sourcegrad.grad(busy)(*args)
    np.testing.assert_allclose(gx, np.cos(args[0]) * args[1] * args[3], rtol=1e-12)
    gdx = sourcegrad.grad(busy, wrt="dx")(*args)
    np.testing.assert_allclose(gdx, np.sin(args[0]) * args[3], rtol=1e-12)
