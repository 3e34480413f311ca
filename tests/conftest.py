"""Shared pytest set-up for the whole suite.

* ``--update-golden`` rewrites the expected generated sources in ``tests/golden/`` (use it only
  when a change to the generated text is intended, then read the diff).
* ``restore_rules`` snapshots the rule table so a test may register rules with
  ``sourcegrad.extend`` without leaking them (or gradients compiled with them) into other tests.
* ``write_function`` turns generated program text into a function defined in a real file
  (sourcegrad reads source), for the hypothesis tests that write programs.
* ``--fuzz-programs N`` sets how many random programs ``tests/test_fuzz.py`` checks (spread
  over its categories); ``python -m tests.fuzz`` runs larger campaigns.
"""
from __future__ import annotations

import importlib.util
import itertools
import pathlib

import pytest

GOLDEN_DIR = pathlib.Path(__file__).parent / "golden"
FUZZ_PROGRAMS = 640  # the CI budget of tests/test_fuzz.py: about 30 s on one core
_modules = itertools.count()


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/*.py from the current generated source")
    parser.addoption("--fuzz-programs", type=int, default=FUZZ_PROGRAMS,
                     help="random programs tests/test_fuzz.py checks, over all categories "
                          f"(default {FUZZ_PROGRAMS})")


@pytest.fixture
def fuzz_programs(request) -> int:
    return int(request.config.getoption("--fuzz-programs"))


@pytest.fixture
def update_golden(request) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def restore_rules():
    """Undo every rule registration a test makes (RULES, NONDIFF, METHODS, ATTRIBUTES), and
    forget gradients compiled with the test's rules."""
    import sourcegrad
    from sourcegrad import rules

    tables = (rules.RULES, rules.NONDIFF, rules.METHODS, rules.ATTRIBUTES)
    saved = [dict(t) for t in tables]
    try:
        yield
    finally:
        for table, copy in zip(tables, saved):
            table.clear()
            table.update(copy)
        sourcegrad.clear_cache()


@pytest.fixture
def write_function(tmp_path):
    """``write_function(text)``: the function ``f`` that ``text`` defines, loaded from a file
    of its own (numpy imported as ``np``)."""
    def load(text, name="f"):
        path = tmp_path / f"written_program_{next(_modules)}.py"
        path.write_text("import numpy as np\n\n\n" + text)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return getattr(module, name)
    return load
