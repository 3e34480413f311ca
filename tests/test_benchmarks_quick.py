"""The benchmark harness works: it runs end to end and every gradient it times is right.

The harness runs once, in a subprocess (it pins thread counts through the environment before
numpy loads), in smoke mode: one call per cell, so no timing is asserted or meaningful here.
Peers (autograd, torch, jax) take part when installed.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import report
from benchmarks.check import mismatch
from benchmarks.run import WORKLOAD_NAMES
from benchmarks.workloads import BY_NAME, WORKLOADS

ROOT = Path(__file__).resolve().parent.parent
NAMES = [w.name for w in WORKLOADS]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    doc, raw = out / "performance.md", out / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--smoke", "--output", str(doc),
         "--json", str(raw)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = json.loads(raw.read_text())
    return {"stdout": proc.stdout, "doc": doc.read_text(), "results": results,
            "rows": {r["workload"]: r for r in results["rows"]}}


def test_the_cli_knows_every_workload():
    assert tuple(NAMES) == WORKLOAD_NAMES


def test_tables_are_printed_and_written(smoke):
    for text in (smoke["stdout"], smoke["doc"]):
        assert "### Microseconds per call" in text
        assert "### Ratio to the hand-written gradient" in text
        for name in NAMES:
            assert f"| {name} " in text
    assert report.START in smoke["doc"] and report.END in smoke["doc"]
    assert "CPU:" in smoke["doc"] and "numpy" in smoke["doc"]


@pytest.mark.parametrize("name", NAMES)
def test_every_timed_gradient_matched_the_hand_written_one(smoke, name):
    cells = smoke["rows"][name]["cells"]
    assert cells["forward"]["status"] == "ok"
    assert cells["hand"]["status"] == "ok"
    wrong = {k: c["note"] for k, c in cells.items() if c["status"] == "wrong"}
    assert not wrong, wrong
    for alt in smoke["rows"][name]["alternatives"]:
        assert alt["cell"]["status"] == "ok", alt
    for peer in smoke["results"]["peers"]:  # a peer's n/a here is a bug in the workload's code
        assert cells[peer]["status"] in ("ok", "none"), (peer, cells[peer]["note"])


@pytest.mark.parametrize("name", NAMES)
def test_sourcegrad_gradient(smoke, name):
    """sourcegrad's cell is a checked time, or the compiler's own diagnostic that it cannot
    transform the workload yet (reported as a skip). Any other failure is a bug."""
    cell = smoke["rows"][name]["cells"]["sourcegrad"]
    if cell["status"] == "n/a" and cell.get("error") == "TransformError":
        pytest.skip(f"sourcegrad cannot transform {name} yet: {report.short(cell['note'], 200)}")
    assert cell["status"] == "ok", cell["note"]
    assert smoke["rows"][name]["cells"]["transform"]["status"] == "ok"


@pytest.mark.parametrize("name", NAMES)
def test_hand_written_gradient_matches_central_differences(name):
    """The reference itself is checked: directional derivatives against central differences."""
    w = BY_NAME[name]
    rng = np.random.default_rng(1)
    inputs = w.make_inputs(rng)
    grads = w.hand(*inputs.values())
    grads = grads if len(w.wrt) > 1 else (grads,)
    for arg, g in zip(w.wrt, grads, strict=True):
        assert np.shape(g) == np.shape(inputs[arg])
        v = rng.standard_normal(np.shape(inputs[arg]))
        eps = 1e-6 * max(1.0, float(np.max(np.abs(inputs[arg]))))
        shifted = [dict(inputs, **{arg: inputs[arg] + s * eps * v}) for s in (1, -1)]
        fp, fm = (float(np.sum(w.forward(*s.values()))) for s in shifted)
        np.testing.assert_allclose((fp - fm) / (2 * eps), float(np.sum(g * v)), rtol=1e-5)


def test_a_wrong_gradient_is_caught():
    ref = (np.array([1.0, 2.0]), np.array(3.0))
    assert mismatch(("a", "b"), ref, ref) is None
    assert "differs" in mismatch(("a", "b"), (ref[0] * (1 + 1e-6), ref[1]), ref)
    assert "shape" in mismatch(("a", "b"), (ref[0][None], ref[1]), ref)
    assert "dtype" in mismatch(("a", "b"), (ref[0].astype(np.float32), ref[1]), ref)
    assert "differs" in mismatch(("a", "b"), (ref[0], np.array(np.nan)), ref)
    assert "returned 1" in mismatch(("a", "b"), ref[:1], ref)
