"""Every rule of the table through the compiler, the path users take.

For each case of ``rules_cases.py`` a small user function is written to a file --
``f(a0, a1, ...) = <g, primitive(...)>``, each float input of the call (positional or keyword,
each array of a sequence argument, each operand of a ``*args`` parameter) a parameter of its
own -- and ``sourcegrad.grad`` differentiates it with respect to each of those parameters
*alone*, against central finite differences of ``f`` itself. So the binding of calls to rule
parameters, the rule's template inlined at the call, broadcasting and the adjoints of sequence
arguments and tuple results are all on the path being checked.
"""
from __future__ import annotations

import importlib.util
import itertools
import warnings

import numpy as np
import pytest
from rules_cases import CASES
from test_rules_table import EPS, all_cases, run_case

import sourcegrad
from sourcegrad.rules import RULES

_modules = itertools.count()


def _is_float(x) -> bool:
    return isinstance(x, float) or (isinstance(x, np.ndarray) and x.dtype.kind == "f")


class Written:
    """The user function for one case: its parameters' values and which are float leaves."""

    def __init__(self, primitive, case, tmp_path):
        args, kwargs, ans, g = run_case(primitive, case)
        self.values, self.leaves, constants = [], [], {"PRIMITIVE": primitive}

        def operand(value):
            if _is_float(value):
                name = f"a{len(self.values)}"
                self.values.append(value)
                self.leaves.append(name)
                return name
            if isinstance(value, list):
                return "[" + ", ".join(operand(v) for v in value) + "]"
            name = f"C{len(constants)}"
            constants[name] = value
            return name

        call_args = [operand(a) for a in args]
        call_args += [f"{k}={operand(v)}" for k, v in kwargs.items()]
        if isinstance(ans, (tuple, list)):
            parts = []
            for k, gk in enumerate(g):
                if gk is not None:
                    constants[f"G{k}"] = gk
                    parts.append(f"np.sum(out[{k}] * G{k})")
            result = " + ".join(parts) or "0.0"
        else:
            constants["G"] = g
            result = "np.sum(out * G)"
        params = ", ".join(f"a{i}" for i in range(len(self.values)))
        text = (f"import numpy as np\n\n\ndef f({params}):\n"
                f"    out = PRIMITIVE({', '.join(call_args)})\n    return {result}\n")
        path = tmp_path / f"rule_case_{next(_modules)}.py"
        path.write_text(text)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.__dict__.update(constants)
        self.f, self.text = module.f, text

    def numeric(self, position):
        values = list(self.values)
        x0 = values[position]

        def at(x):
            values[position] = np.array(x) if isinstance(x0, np.ndarray) else x
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                return float(self.f(*values))

        if isinstance(x0, float):
            return (at(x0 + EPS) - at(x0 - EPS)) / (2 * EPS)
        grad = np.zeros(x0.shape)
        for index in np.ndindex(*x0.shape):
            step = np.zeros(x0.shape)
            step[index] = EPS
            grad[index] = (at(x0 + step) - at(x0 - step)) / (2 * EPS)
        return grad


@pytest.mark.parametrize("primitive, case", list(all_cases()))
def test_rule_through_the_compiler_matches_finite_differences(primitive, case, tmp_path):
    if case.sym:
        pytest.skip("symmetric-matrix inputs are checked along symmetric directions in "
                    "test_rules_table.py; a plain finite difference does not apply")
    written = Written(primitive, case, tmp_path)
    rule = RULES[primitive]
    assert written.leaves or not any(rule.differentiable(i) for i in range(len(rule.params)))
    for position, name in enumerate(written.leaves):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                analytic = sourcegrad.grad(written.f, wrt=name)(*written.values)
        except sourcegrad.TransformError as error:
            # an input the rule declares zero or static is fine to refuse; nothing else is
            assert "has no gradient for its parameter" in str(error), \
                f"{written.text}\n{error}"
            continue
        numeric = written.numeric(position)
        assert np.shape(analytic) == np.shape(written.values[position]), written.text
        np.testing.assert_allclose(analytic, numeric, rtol=case.rtol, atol=case.atol,
                                   err_msg=f"input {name} of\n{written.text}")


def test_every_case_is_reached():
    assert sum(len(cases) for cases in CASES.values()) > 300
