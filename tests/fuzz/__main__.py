"""``python -m tests.fuzz --programs 10000 --seed 0 [--jobs N] [--out DIR] [--category NAME]``

Runs the programs for seeds ``seed .. seed + programs - 1``, prints the counts per class and
per category and the distinct failure signatures, minimizes the first failures of each
signature, and writes one reproducible file per failure into ``--out``.
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile
import time

from .generator import CATEGORIES
from .runner import minimize_failures, report, run_many, write_reports


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--programs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", type=pathlib.Path, default=None,
                        help="directory for the failing programs (default: a new temp dir)")
    parser.add_argument("--category", choices=sorted(CATEGORIES), default=None)
    parser.add_argument("--minimize-per-signature", type=int, default=2,
                        help="minimize this many failures of each distinct signature (0: none)")
    args = parser.parse_args(argv)
    out = args.out or pathlib.Path(tempfile.mkdtemp(prefix="sourcegrad_fuzz_"))
    start = time.monotonic()
    step = max(1, args.programs // 20)

    def progress(done, total):
        if done % step == 0 or done == total:
            print(f"  {done}/{total} programs, {time.monotonic() - start:.0f} s",
                  file=sys.stderr, flush=True)

    seeds = range(args.seed, args.seed + args.programs)
    records = run_many(seeds, args.category, args.jobs, progress)
    checked = time.monotonic() - start
    if args.minimize_per_signature > 0:
        minimize_failures(records, args.minimize_per_signature, args.jobs)
    text = report(records, checked)
    text += f"minimizing took {time.monotonic() - start - checked:.0f} s more\n"
    write_reports(records, out, text)
    print(text)
    print(f"failing programs written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
