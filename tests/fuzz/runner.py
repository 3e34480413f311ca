"""Run many programs (optionally in worker processes), minimize failures, write reports."""
from __future__ import annotations

import collections
import multiprocessing
import pathlib
import warnings
from dataclasses import dataclass

from .generator import CATEGORIES, GenerationFailed, generate
from .minimize import fingerprint, minimize, statement_count
from .oracle import Outcome, check
from .program import Program

CLASSES = ["ok", "wrong", "crash", "refused", "kinky", "singular", "invalid"]
FAILURES = ("wrong", "crash", "refused")


def is_failure(outcome: Outcome) -> bool:
    """What the fuzzer reports: wrong, crash, and refusals the docs do not announce."""
    if outcome.cls == "refused":
        return not outcome.kind.startswith("documented")
    return outcome.cls in ("wrong", "crash")


@dataclass
class Record:
    seed: int
    category: str
    outcome: Outcome
    program: Program | None
    minimized: Program | None = None
    minimized_outcome: Outcome | None = None


def run_seed(seed: int, category: str | None = None) -> Record:
    warnings.simplefilter("ignore")
    try:
        program = generate(seed, category)
    except GenerationFailed as err:
        return Record(seed, category or "?", Outcome("invalid", "generator", str(err)), None)
    outcome = check(program)
    keep = program if outcome.cls in FAILURES or outcome.cls == "invalid" else None
    return Record(seed, program.category, outcome, keep)


def _run_seed_args(args):
    return run_seed(*args)


def _minimize_record(record: Record) -> Record:
    warnings.simplefilter("ignore")
    record.minimized, record.minimized_outcome = minimize(record.program, record.outcome)
    return record


# sourcegrad's cache keeps every differentiated function alive (its generated code refers
# to the function's module globals, and the cache is a WeakKeyDictionary of functions):
# long campaigns run in worker processes that are replaced every so many programs.
PROGRAMS_PER_WORKER = 500


def run_many(seeds, category=None, jobs: int = 1, progress=None) -> list[Record]:
    work = [(s, category) for s in seeds]
    if jobs <= 1 and len(work) <= PROGRAMS_PER_WORKER:
        records = []
        for i, item in enumerate(work):
            records.append(run_seed(*item))
            if progress:
                progress(i + 1, len(work))
        return records
    pool = multiprocessing.get_context("fork").Pool(
        max(1, jobs), maxtasksperchild=PROGRAMS_PER_WORKER // 4)
    records = []
    for i, record in enumerate(pool.imap(_run_seed_args, work, chunksize=4)):
        records.append(record)
        if progress:
            progress(i + 1, len(work))
    _finish(pool)
    return records


def _finish(pool) -> None:
    """close + join, not terminate: workers that exit normally remove their scratch files."""
    pool.close()
    pool.join()


def minimize_failures(records: list[Record], per_signature: int, jobs: int = 1) -> None:
    """Minimize the first ``per_signature`` failures of each distinct signature."""
    seen = collections.Counter()
    chosen = []
    for r in records:
        # a wrong gradient says nothing about its cause: take some from every category
        key = r.outcome.signature + (r.category if r.outcome.cls == "wrong" else "")
        if is_failure(r.outcome) and seen[key] < per_signature:
            seen[key] += 1
            chosen.append(r)
    if jobs <= 1:
        done = [_minimize_record(r) for r in chosen]
    else:
        pool = multiprocessing.get_context("fork").Pool(jobs)
        done = pool.map(_minimize_record, chosen, chunksize=1)
        _finish(pool)
    by_seed = {r.seed: r for r in done}
    for r in records:
        if r.seed in by_seed:
            r.minimized = by_seed[r.seed].minimized
            r.minimized_outcome = by_seed[r.seed].minimized_outcome


def summary_table(records: list[Record]) -> str:
    counts = collections.Counter((r.category, r.outcome.cls) for r in records)
    cats = [c for c in CATEGORIES if any(r.category == c for r in records)]
    width = max([len(c) for c in cats] + [8])
    lines = [f"{'category':{width}} " + " ".join(f"{c:>8}" for c in CLASSES + ["total"])]
    for cat in cats + ["total"]:
        row = [sum(v for (c, k), v in counts.items() if k == cls and cat in (c, "total"))
               for cls in CLASSES]
        lines.append(f"{cat:{width}} " + " ".join(f"{n:>8}" for n in row + [sum(row)]))
    return "\n".join(lines)


def signature_table(records: list[Record]) -> str:
    groups = collections.defaultdict(list)
    for r in records:
        if r.outcome.cls in FAILURES:
            groups[r.outcome.signature].append(r)
    lines = []
    for sig, rs in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        seeds = ", ".join(str(r.seed) for r in rs[:5])
        lines.append(f"{len(rs):6}  {sig[:110]}\n        seeds: {seeds}")
    return "\n".join(lines)


def fingerprint_table(records: list[Record]) -> str:
    """Minimized failures grouped by the constructs they use (see minimize.fingerprint)."""
    groups = collections.defaultdict(list)
    for r in records:
        if r.minimized is not None:
            key = f"{r.minimized_outcome.signature[:60]} | {fingerprint(r.minimized)}"
            groups[key].append(r)
    return "\n".join(f"{len(rs):4}  {key}\n        seeds: "
                     f"{', '.join(str(r.seed) for r in rs[:6])}"
                     for key, rs in sorted(groups.items()))


def notes_table(records: list[Record]) -> str:
    counts = collections.Counter(n for r in records for n in r.outcome.notes)
    return "\n".join(f"{v:6}  {k}" for k, v in counts.most_common())


def repro_text(record: Record) -> str:
    """A self-contained file: the (minimized) program, its arguments, what went wrong."""
    program = record.minimized or record.program
    outcome = record.minimized_outcome or record.outcome
    root = pathlib.Path(__file__).resolve().parents[2]
    header = [f"# sourcegrad fuzz finding: {outcome.cls} ({outcome.kind})",
              f"# seed {record.seed}, category {record.category}, "
              f"differentiated: {program.wrt}",
              f"# run it: PYTHONPATH={root} python <this file>"]
    if record.minimized is not None:
        header.append(f"# minimized from {statement_count(record.program)} to "
                      f"{statement_count(program)} statements")
    header += ["#"] + [f"# {line}" for line in outcome.detail.splitlines()]
    call = ", ".join(program.params)
    wrt = program.wrt_spec()
    footer = ["", "", "# the arguments", program.args_text(), "",
              'if __name__ == "__main__":',
              "    import sourcegrad",
              f"    print('value:', f({call}))",
              f"    print('sourcegrad:', sourcegrad.grad(f, wrt={wrt!r})({call}))"]
    return "\n".join(header) + "\n" + program.source() + "\n".join(footer) + "\n"


def write_reports(records: list[Record], out: pathlib.Path, text: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.txt").write_text(text)
    for r in records:
        if r.outcome.cls in FAILURES or (r.outcome.cls == "invalid" and r.program):
            (out / f"{r.outcome.cls}_{r.category}_{r.seed}.py").write_text(repro_text(r))


def report(records: list[Record], seconds: float) -> str:
    parts = [f"{len(records)} programs in {seconds:.0f} s", "", summary_table(records), "",
             "failure signatures (count, class:kind:message):", signature_table(records)]
    if any(r.minimized is not None for r in records):
        parts += ["", "minimized failures by signature | constructs used:",
                  fingerprint_table(records)]
    notes = notes_table(records)
    if notes:
        parts += ["", "second opinions (autograd):", notes]
    return "\n".join(parts) + "\n"

