"""The differential fuzzer's fixed CI budget: random numpy programs (tests/fuzz/), each
gradient checked against central finite differences (with a kink check) and autograd, the
value of value_and_grad against f's, the arguments against copies.

For every category, the programs of seeds 0 .. budget/8 - 1 (deterministic) must give no wrong
gradient and no crash, and every refusal must be a construct the docs list as unsupported on
the line it names. This test fails while sourcegrad has the bugs it finds: it is not marked
xfail on purpose. ``--fuzz-programs N`` changes the budget; ``python -m tests.fuzz --programs
10000`` is the full campaign (see tests/fuzz/README.md).
"""
from __future__ import annotations

import collections
import warnings

import pytest
from fuzz import CATEGORIES, GenerationFailed, generate
from fuzz.oracle import check
from fuzz.runner import is_failure

SHOWN = 12  # failures listed in full in the assertion message


def _run(category: str, count: int):
    failures, invalid = [], []
    for seed in range(count):
        try:
            program = generate(seed, category)
        except GenerationFailed as err:
            invalid.append(f"seed {seed}: {err}")
            continue
        outcome = check(program)
        if is_failure(outcome):  # wrong, crash, or a refusal the docs do not announce
            failures.append((program, outcome))
        elif outcome.cls == "invalid":
            invalid.append(f"seed {seed}: {outcome.detail.splitlines()[-1]}")
    return failures, invalid


def _describe(program, outcome) -> str:
    return (f"--- seed {program.seed}: {outcome.cls} ({outcome.kind}), "
            f"d/d{program.wrt}\n{program.body}{program.args_text()}\n{outcome.detail}\n")


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_random_programs_differentiate_correctly(category, fuzz_programs):
    count = max(1, fuzz_programs // len(CATEGORIES))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        failures, invalid = _run(category, count)
    # the generator must write programs f can run: otherwise it tests nothing
    assert len(invalid) <= max(1, count // 50), "generator bugs:\n" + "\n".join(invalid)
    kinds = collections.Counter(f"{o.cls} ({o.kind})" for _, o in failures)
    summary = ", ".join(f"{kind}: {n}" for kind, n in sorted(kinds.items()))
    assert len(failures) == 0, (
        f"{len(failures)} of {count} {category} programs fail ({summary}); "
        f"reproduce one with `python -m tests.fuzz --category {category} --seed S "
        f"--programs 1`\n" + "".join(_describe(p, o) for p, o in failures[:SHOWN]))
