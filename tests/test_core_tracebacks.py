"""Errors at the user's line (issue 15).

An exception raised while a generated gradient runs keeps its type and message, and its
formatted traceback shows the generated line *and* the user's file, line and source line it
comes from: as a note on Python 3.11+, as one more traceback entry at the user's file and line
on Python 3.10 (``sourcegrad/tracebacks.py`` says why). A ``TransformError``'s traceback holds
no compiler frame, only the public function the user called.

The functions live in a file written here, so their file, line numbers and source text are
known exactly; every expectation is computed from that text.
"""
from __future__ import annotations

import importlib.util
import linecache
import pathlib
import sys
import traceback

import numpy as np
import pytest

import sourcegrad
from sourcegrad.extend import defvjp
from sourcegrad.tracebacks import note_user_lines, user_line_at

PACKAGE = pathlib.Path(sourcegrad.__file__).resolve().parent
NOTES = sys.version_info >= (3, 11)

MODULE = '''\
import numpy as np


def project(W, x):
    z = x @ W
    return np.sum(np.tanh(z))


def cell(W, h):
    return np.tanh(W @ h)


def unrolled(W, h):
    h = cell(W, h)
    h = cell(W, h)
    return np.sum(h)


def scale(x):
    return 2.0 * x


def scaled(x):
    y = scale(x)
    return np.sum(y * y)


def same_text_twice(x):
    x = np.tanh(x)
    x = np.tanh(x)
    return np.sum(x)


def uses_try(x):
    try:
        y = x * 2.0
    except ValueError:
        y = x
    return np.sum(y)
'''


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    path = tmp_path_factory.mktemp("user_lines") / "user_model.py"
    path.write_text(MODULE)
    spec = importlib.util.spec_from_file_location("user_model", path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def line_of(module, text: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th line of the user's file that is ``text``."""
    found = [n for n, line in enumerate(MODULE.splitlines(), 1) if line.strip() == text]
    return found[occurrence - 1]


def raised(call, *args):
    with pytest.raises(Exception) as info:
        call(*args)
    return info.value


def formatted(error) -> str:
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))


def generated_lines(error) -> list[str]:
    """The generated source lines the traceback passes through."""
    return [linecache.getline(f.filename, f.lineno).strip()
            for f in traceback.extract_tb(error.__traceback__)
            if f.filename.startswith("<sourcegrad-")]


def mismatch(module):
    """project() with W of 3 rows but x of 4 columns: x @ W fails in the forward sweep."""
    return raised(sourcegrad.grad(module.project), np.ones((3, 2)), np.ones((5, 4)))


# -- what every interpreter shows ------------------------------------------------------------

def test_the_error_keeps_its_type_and_message(module):
    error = mismatch(module)
    with pytest.raises(ValueError) as direct:
        np.ones((5, 4)) @ np.ones((3, 2))
    assert type(error) is ValueError
    assert str(error) == str(direct.value)
    assert error.args == direct.value.args


def test_the_traceback_shows_the_generated_line_and_the_users_line(module):
    error = mismatch(module)
    text = formatted(error)
    path, lineno = module.__file__, line_of(module, "z = x @ W")
    assert "z = x @ W" in generated_lines(error)
    assert path in text and str(lineno) in text
    assert text.count("z = x @ W") >= 2  # the generated line and the user's


# -- Python 3.11+: a note ----------------------------------------------------------------------

ONLY_310 = "the Python 3.10 mechanism (a frame at the user's line, for want of notes) runs on 3.10"


@pytest.mark.skipif(not NOTES, reason="notes (BaseException.add_note) are Python 3.11+")
def test_a_note_names_the_users_file_line_and_source(module):
    error = mismatch(module)
    lineno = line_of(module, "z = x @ W")
    assert error.__notes__ == [
        (f"in the gradient of project() at {module.__file__}:{lineno}: z = x @ W\n"
         "  forward sweep, generated line: z = x @ W")]
    text = formatted(error)
    assert text.endswith(error.__notes__[0] + "\n")
    assert f"{module.__file__}:{lineno}: z = x @ W" in text


@pytest.mark.skipif(not NOTES, reason="notes (BaseException.add_note) are Python 3.11+")
def test_an_error_in_the_backward_sweep_names_the_line_it_differentiates(module,
                                                                        restore_rules):
    @defvjp(module.scale)
    def scale_rule(g, ans, x):
        return g @ np.ones((7, 7))  # a wrong rule: the backward sweep fails

    error = raised(sourcegrad.grad(module.scaled), np.ones(3))
    lineno = line_of(module, "y = scale(x)")
    assert len(error.__notes__) == 1
    note = error.__notes__[0]
    assert note.startswith(f"in the gradient of scaled() at {module.__file__}:{lineno}: "
                           "y = scale(x)\n  backward sweep, generated line: ")
    assert "np.ones((7, 7))" in note
    assert note in formatted(error)


@pytest.mark.skipif(not NOTES, reason="notes (BaseException.add_note) are Python 3.11+")
def test_an_error_in_a_helper_names_the_call_and_the_helpers_line(module):
    # the first cell() maps h of length 4 to length 3; the second cannot multiply
    error = raised(sourcegrad.grad(module.unrolled), np.ones((3, 4)), np.ones(4))
    call, inner = line_of(module, "h = cell(W, h)", 2), line_of(module, "return np.tanh(W @ h)")
    assert [note.splitlines()[0] for note in error.__notes__] == [
        f"in the gradient of unrolled() at {module.__file__}:{call}: h = cell(W, h)",
        f"in the gradient of cell() at {module.__file__}:{inner}: return np.tanh(W @ h)"]


@pytest.mark.skipif(not NOTES, reason="notes (BaseException.add_note) are Python 3.11+")
def test_gradients_without_a_dispatcher_are_noted_too(module):
    error = raised(sourcegrad.grad(module.project, optimize=False), np.ones((3, 2)),
                   np.ones((5, 4)))
    assert len(error.__notes__) == 1
    assert f"{module.__file__}:{line_of(module, 'z = x @ W')}: " in error.__notes__[0]


@pytest.mark.skipif(not NOTES, reason="notes (BaseException.add_note) are Python 3.11+")
def test_noting_again_adds_nothing(module):
    error = mismatch(module)
    notes = list(error.__notes__)
    note_user_lines(error)  # (as a dispatcher further out would)
    assert error.__notes__ == notes


# -- Python 3.10: one more traceback entry, at the user's line ---------------------------------

@pytest.mark.skipif(NOTES, reason=ONLY_310)
def test_on_310_a_frame_at_the_users_line_follows_the_generated_one(module):
    error = mismatch(module)
    lineno = line_of(module, "z = x @ W")
    frames = traceback.extract_tb(error.__traceback__)
    assert frames[-2].filename.startswith("<sourcegrad-") and frames[-2].line == "z = x @ W"
    user = frames[-1]
    assert (user.filename, user.lineno, user.line) == (module.__file__, lineno, "z = x @ W")
    assert user.name == "project (forward sweep of its gradient)"
    assert (f'  File "{module.__file__}", line {lineno}, in project (forward sweep of its '
            'gradient)\n    z = x @ W\n') in formatted(error)
    assert not hasattr(error, "__notes__")


@pytest.mark.skipif(NOTES, reason=ONLY_310)
def test_on_310_an_error_in_the_backward_sweep_names_the_line_it_differentiates(
        module, restore_rules):
    @defvjp(module.scale)
    def scale_rule(g, ans, x):
        return g @ np.ones((7, 7))

    error = raised(sourcegrad.grad(module.scaled), np.ones(3))
    lineno = line_of(module, "y = scale(x)")
    assert (f'  File "{module.__file__}", line {lineno}, in scaled (backward sweep of its '
            'gradient)\n    y = scale(x)\n') in formatted(error)


@pytest.mark.skipif(NOTES, reason=ONLY_310)
def test_on_310_an_error_in_a_helper_names_the_call_and_the_helpers_line(module):
    error = raised(sourcegrad.grad(module.unrolled), np.ones((3, 4)), np.ones(4))
    user = [(f.lineno, f.name) for f in traceback.extract_tb(error.__traceback__)
            if f.filename == module.__file__]
    assert user == [
        (line_of(module, "h = cell(W, h)", 2), "unrolled (forward sweep of its gradient)"),
        (line_of(module, "return np.tanh(W @ h)"), "cell (forward sweep of its gradient)")]


# -- the line map ------------------------------------------------------------------------------

def test_statements_with_the_same_text_keep_their_own_lines(module):
    """One comment covers both ``x = np.tanh(x)`` lines (the backward sweep reads both
    results, so both stay two statements); the map still tells them apart."""
    df = sourcegrad.grad(module.same_text_twice)
    df(np.ones(3))
    first, second = (line_of(module, "x = np.tanh(x)", n) for n in (1, 2))
    for filename in {df.__code__.co_filename, *_specialized_files(df)}:
        told = {user_line_at(filename, n) for n in range(1, len(linecache.getlines(filename)) + 1)}
        forward = {line.lineno for line in told if line is not None and line.role == ""}
        assert {first, second} <= forward, filename


def _specialized_files(df) -> set[str]:
    specializations = df.__sourcegrad_specializations__
    return {fn.__code__.co_filename for fn in specializations.table.values()}


def test_generated_argument_checks_have_no_user_line(module):
    error = raised(sourcegrad.grad(module.project), "not numbers", np.ones(3))
    assert isinstance(error, TypeError)
    assert not getattr(error, "__notes__", [])
    assert module.__file__ not in formatted(error)


# -- TransformError: the user's call and the diagnostic, no compiler frames ---------------------

def compiler_frames(error) -> list[traceback.FrameSummary]:
    return [f for f in traceback.extract_tb(error.__traceback__)
            if pathlib.Path(f.filename).resolve().is_relative_to(PACKAGE)]


@pytest.mark.parametrize("make", [
    lambda f: sourcegrad.grad(f),
    lambda f: sourcegrad.value_and_grad(f, wrt="x"),
    lambda f: sourcegrad.grad(wrt=0)(f),  # the decorator form
], ids=["grad", "value_and_grad", "decorator"])
def test_a_transform_error_shows_only_the_public_entry_point(module, make):
    with pytest.raises(sourcegrad.TransformError) as info:
        make(module.uses_try)
    error = info.value
    inside = compiler_frames(error)
    assert [(pathlib.Path(f.filename).name, f.name) for f in inside] in (
        [("api.py", "grad")], [("api.py", "value_and_grad")])
    text = formatted(error)
    assert "During handling" not in text and "direct cause" not in text
    assert __file__ in text  # the user's own call


def test_a_transform_errors_message_is_unchanged(module):
    with pytest.raises(sourcegrad.TransformError) as info:
        sourcegrad.grad(module.uses_try)
    error = info.value
    lineno = line_of(module, "try:")
    assert str(error) == (f"{module.__file__}:{lineno}:5: in uses_try(): try/except is not "
                          "supported in differentiated code\n    try:\n    ^\n"
                          "Instead: move the try/except into the caller.")
    assert formatted(error).endswith(
        f"sourcegrad.errors.TransformError: {error}\n")
