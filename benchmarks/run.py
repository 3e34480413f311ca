"""Benchmark sourcegrad against hand-written numpy gradients, autograd, PyTorch and JAX.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.run   # full, for the doc
    python -m benchmarks.run --quick                                          # under a minute

Every system runs on one thread and in float64. Each gradient is checked against the
hand-written one before it is timed: a mismatch is reported as WRONG, never as a time, and a
system that cannot handle a workload gets an "n/a (reason)" cell. Times are medians over
repeats, each repeat running a call as many times as fills the mode's minimum time; the
systems are timed in turn, round-robin, so drift of the machine hits them alike. The tables
are printed and written to docs/performance.md (between its result markers) with the machine
and the versions.

This module imports no numpy at import time: the thread counts are pinned through environment
variables, which only work if they are set before numpy, torch or jax is loaded.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
TEMPLATE = "# Performance\n\nWritten by `python -m benchmarks.run`; see benchmarks/run.py.\n"
WORKLOAD_NAMES = ("W1", "W1m", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "W9", "W10", "W11",
                  "W12", "W13", "W14", "W15", "W16", "W17", "W18", "W19")


def pin_threads() -> None:
    """One thread for numpy's BLAS, OpenMP, MKL and XLA (torch is set after its import)."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    flags = os.environ.get("XLA_FLAGS", "")
    for flag in ("--xla_cpu_multi_thread_eigen=false", "intra_op_parallelism_threads=1"):
        if flag not in flags:
            flags = f"{flags} {flag}".strip()
    os.environ["XLA_FLAGS"] = flags
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    if "numpy" in sys.modules:
        print("warning: numpy was imported before the thread counts were pinned; "
              "run this as python -m benchmarks.run", file=sys.stderr)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    m = p.add_mutually_exclusive_group()
    m.add_argument("--quick", action="store_true", help="fewer, shorter repeats (< 1 minute)")
    m.add_argument("--smoke", action="store_true",
                   help="one call per cell, for tests; writes no doc unless --output is given")
    p.add_argument("--workloads", help=f"comma-separated subset of {','.join(WORKLOAD_NAMES)}")
    p.add_argument("--peers", default="autograd,torch,jax",
                   help="comma-separated peers to try (those not installed are left out)")
    p.add_argument("--output", type=Path, help=f"markdown file to update (default {DOC})")
    p.add_argument("--no-write", action="store_true", help="only print the tables")
    p.add_argument("--json", type=Path, help="also write the raw results as JSON")
    p.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    args = p.parse_args(argv)
    args.names = [n.strip() for n in args.workloads.split(",")] if args.workloads else None
    unknown = [n for n in args.names or () if n not in WORKLOAD_NAMES]
    if unknown:
        p.error(f"unknown workload(s) {', '.join(unknown)}; known: {', '.join(WORKLOAD_NAMES)}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    pin_threads()
    from benchmarks import harness, report  # numpy loads here, after the pinning

    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    peers = tuple(n.strip() for n in args.peers.split(",") if n.strip())
    results = harness.run(args.names, mode, peers, args.seed)

    body = report.results_markdown(results)
    print(body)
    output = args.output or (None if args.smoke else DOC)
    if output is not None and not args.no_write:
        report.write_markdown(output, body, TEMPLATE)
        print(f"\nwritten to {output}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    if __package__ in (None, ""):  # run as a script: python benchmarks/run.py
        sys.path.insert(0, str(ROOT))
    sys.exit(main())
