"""The example and the documentation run: examples/linear_regression.py fits its data, and the
python code blocks of README.md and docs/index.md execute as written.

Each runs in a subprocess with the same interpreter and the same sourcegrad as the tests, from a
real file (sourcegrad reads function source, which ``python -c`` would not have).
"""
from __future__ import annotations

import itertools
import os
import pathlib
import re
import subprocess
import sys

import pytest

import sourcegrad

REPO = pathlib.Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "linear_regression.py"


def run_python(path: pathlib.Path, cwd: pathlib.Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    package_root = str(pathlib.Path(sourcegrad.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, str(path)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def example_run() -> subprocess.CompletedProcess:
    return run_python(EXAMPLE, REPO)


def test_example_exits_cleanly(example_run):
    assert example_run.returncode == 0, example_run.stderr
    assert example_run.stderr == ""


def test_example_loss_goes_down(example_run):
    losses = [float(v) for v in re.findall(r"^step\s+\d+\s+loss\s+(\S+)$", example_run.stdout,
                                           flags=re.MULTILINE)]
    assert len(losses) >= 5
    assert all(b <= a for a, b in itertools.pairwise(losses)), losses
    assert losses[-1] < losses[0] / 1000


def test_example_recovers_the_true_parameters(example_run):
    out = example_run.stdout

    def numbers(label):
        match = re.search(rf"^fitted {label}: \[([^\]]*)\]\s+true {label}: \[([^\]]*)\]", out,
                          flags=re.MULTILINE)
        assert match, out
        return [[float(v) for v in group.split()] for group in match.groups()]

    for label in ("W", "b"):
        fitted, true = numbers(label)
        assert len(fitted) == len(true) > 0
        assert max(abs(f - t) for f, t in zip(fitted, true)) < 0.01, (label, fitted, true)
    error = float(re.search(r"max parameter error: (\S+)", out).group(1))
    assert error < 0.01


def test_example_prints_the_generated_source(example_run):
    out = example_run.stdout
    assert "def grad_loss_gradient(W, b, x, y):" in out
    assert "# grad of: return np.mean((x @ W + b - y) ** 2)" in out


def python_blocks(markdown: pathlib.Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", markdown.read_text(),
                      flags=re.MULTILINE | re.DOTALL)


def test_readme_quickstart_runs(tmp_path):
    blocks = python_blocks(REPO / "README.md")
    assert blocks, "README.md has no python code block"
    script = tmp_path / "quickstart.py"
    script.write_text(blocks[0])
    result = run_python(script, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "def grad_f(x):" in result.stdout  # it printed sourcegrad.source(df)


@pytest.mark.parametrize("page", ["README.md", "docs/index.md"])
def test_every_python_block_of_the_page_runs(page, tmp_path):
    blocks = python_blocks(REPO / page)
    assert blocks, f"{page} has no python code block"
    script = tmp_path / "page.py"
    script.write_text("\n\n".join(blocks))  # later blocks may use names from earlier ones
    result = run_python(script, tmp_path)
    assert result.returncode == 0, result.stderr
