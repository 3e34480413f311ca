"""Golden tests: the generated source of four small functions, word for word.

Readability of the generated code is a feature, so a change to it is a change to review. The
expected text lives in ``tests/golden/<name>.py``; when a change is intended, run
``python -m pytest tests/test_core_golden.py --update-golden`` and read the diff before
committing it. The header's absolute path is written relative to the repository so the files
do not depend on where the clone lives; line numbers are the ones in this file (the four
functions come first, so editing the tests below them changes nothing).
"""
import math
import pathlib

import numpy as np
import pytest

import sourcegrad


def sin_of_product(x, y):
    z = x * y
    return np.sum(np.sin(z))


def least_squares(W, b, x, y):
    r = x @ W + b - y
    return np.mean(r ** 2)


def swap_then_math(a, b):
    a, b = b, a * 2.0
    c = math.sin(a) * b
    c += a ** 2
    return c


def scalar_loop(x):  # a loop on a number: the float variant is forward mode
    for _ in range(3):
        x = np.sin(x) * x + 0.5 * x
    return x


# ---- the tests (below the functions: their line numbers are part of the golden text) -------

# The golden files start with this line (not part of the generated text): generated code may
# read np and math from the user's module globals, which a linter cannot see (F821); whether a
# given file does depends on the optimizer, hence RUF100 (no "unused noqa" either way).
LINT_HEADER = "# ruff: noqa: F821, RUF100\n"
HERE = pathlib.Path(__file__).resolve()
GOLDEN = HERE.parent / "golden"
REPO = HERE.parent.parent

CASES = {
    "sin_of_product": lambda: sourcegrad.grad(sin_of_product),
    "least_squares": lambda: sourcegrad.grad(least_squares, wrt=("W", "b")),
    "swap_then_math": lambda: sourcegrad.value_and_grad(swap_then_math, wrt=(0, 1)),
    "scalar_loop": lambda: sourcegrad.grad(scalar_loop),
}


def generated(name: str) -> str:
    text = sourcegrad.source(CASES[name]())
    for spelling in {__file__, str(HERE)}:
        text = text.replace(spelling, HERE.relative_to(REPO).as_posix())
    return text


@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_source_matches_golden_file(name, update_golden):
    path = GOLDEN / f"{name}.py"
    actual = generated(name)
    if update_golden:
        path.parent.mkdir(exist_ok=True)
        path.write_text(LINT_HEADER + actual)
    assert path.exists(), f"{path} is missing: run pytest with --update-golden to create it"
    stored = path.read_text()
    assert stored.startswith(LINT_HEADER)
    expected = stored[len(LINT_HEADER):]
    assert actual == expected, (
        f"the generated source of {name} changed; if that is intended, run "
        f"'python -m pytest {HERE.relative_to(REPO).as_posix()} --update-golden' and review "
        "the diff of tests/golden/")


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_files_are_valid_python(name):
    compile((GOLDEN / f"{name}.py").read_text(), f"{name}.py", "exec")
