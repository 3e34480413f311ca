"""The learning-with-examples progression (examples/pytorch_progression/) prints PyTorch's numbers.

Each script is run in-process with ``import sourcegrad as torch`` and its output compared with
what PyTorch 2.13.0 printed for the same script (``GOLDEN``): every word equal, every number
within 1e-4 (relative) -- float32 sums are added in a different order, so a last printed digit
may differ. ``test_golden_is_what_pytorch_prints`` re-runs the scripts with real PyTorch.
"""
from __future__ import annotations

import contextlib
import io
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent / "examples" / "pytorch_progression"
SCRIPTS = sorted(p.name for p in ROOT.glob("[0-9]_*.py"))
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")

GOLDEN = {
    '1_tensors.py': (
        '99 769.737\n'
        '199 512.04\n'
        '299 341.619\n'
        'Result: y = 0.02789 + 0.29654 x + -0.00481 x^2 + -0.01365 x^3\n'
    ),
    '2_autograd.py': (
        '99 769.737\n'
        '199 512.04\n'
        '299 341.619\n'
        'Result: y = 0.02789 + 0.29654 x + -0.00481 x^2 + -0.01365 x^3\n'
        'grad_fn of the last loss: SumBackward0\n'
    ),
    '3_custom_function.py': (
        '99 209.958\n'
        '199 144.66\n'
        '299 100.702\n'
        'Result: y = -0.00000 + -1.54712 * P3(-0.00000 + 0.24979 x)\n'
        'node of P3: LegendreP3Backward\n'
    ),
    '4_nn.py': (
        'Sequential(\n'
        '  (0): Linear(in_features=3, out_features=1, bias=True)\n'
        '  (1): Flatten(start_dim=0, end_dim=1)\n'
        ')\n'
        '99 769.737\n'
        '199 512.04\n'
        '299 341.619\n'
        'Result: y = 0.02789 + 0.29654 x + -0.00481 x^2 + -0.01365 x^3\n'
    ),
    '5_optim.py': (
        '99 1466.59\n'
        '199 872.742\n'
        '299 654.537\n'
        'Result: y = -0.13168 + 0.08892 x + 0.03582 x^2 + 0.01638 x^3\n'
    ),
    '6_custom_module.py': (
        "['a', 'b', 'c', 'd']\n"
        '99 769.737\n'
        '199 512.04\n'
        '299 341.619\n'
        'Result: y = 0.02789 + 0.29654 x + -0.00481 x^2 + -0.01365 x^3\n'
    ),
    '7_dynamic_net.py': (
        '199 1365.83\n'
        '399 1029.79\n'
        '599 925.088\n'
        'Result: y = 0.04195 + -0.06804 x + 0.00449 x^2 + 0.04410 x^3 + -0.00166 x^4 ? + -0.00166 x^5 ?\n'
    ),
}


def run(name: str, library: str = "sourcegrad") -> str:
    source = (ROOT / name).read_text()
    if library == "torch":
        source = source.replace("import sourcegrad as torch", "import torch")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, str(ROOT / name), "exec"), {"__name__": "__main__"})  # noqa: S102
    return out.getvalue()


def same_text(ours: str, theirs: str, rtol: float = 1e-4, atol: float = 1e-4) -> None:
    """Equal words; numbers equal within tolerance (so -0.00000 and 0.00000 agree)."""
    assert NUMBER.sub("#", ours) == NUMBER.sub("#", theirs), (ours, theirs)
    for a, b in zip(NUMBER.findall(ours), NUMBER.findall(theirs)):
        assert abs(float(a) - float(b)) <= atol + rtol * abs(float(b)), (a, b, ours, theirs)


def test_every_script_has_a_golden_output():
    assert SCRIPTS == sorted(GOLDEN)
    assert len(SCRIPTS) == 7


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_prints_what_pytorch_prints(name):
    same_text(run(name), GOLDEN[name])


@pytest.mark.parametrize("name", SCRIPTS)
def test_golden_is_what_pytorch_prints(name):
    torch = pytest.importorskip("torch", reason="re-deriving the golden output needs PyTorch (3.11)")
    torch.set_num_threads(1)  # the machine is shared; one thread gives the same numbers
    same_text(run(name, "torch"), GOLDEN[name], rtol=0, atol=0)
