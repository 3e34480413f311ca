"""Turning benchmark results into markdown: the tables, the machine, and docs/performance.md.

Results are plain dicts (they also go to JSON): ``rows`` is a list of
``{"workload", "title", "cells": {column key: cell}, "alternatives": [...]}`` where a cell is
``{"status": "ok" | "wrong" | "n/a" | "none", "seconds": float | None, "note": str}``.
"""
from __future__ import annotations

import os
import platform
import re
from pathlib import Path

import numpy as np

# column key -> header of the time table; the order is the table's order
TIME_COLUMNS = {
    "forward": "forward",
    "hand": "hand-written",
    "sourcegrad": "sourcegrad",
    "transform": "sg transform (ms)",
    "autograd": "autograd",
    "torch": "torch eager",
    "jax": "jax jit",
    "jax_first": "jax first call (ms)",
    "memory": "peak mem sg/hand",
}
RATIO_COLUMNS = ("forward", "sourcegrad", "autograd", "torch", "jax")
MS_COLUMNS = ("transform", "jax_first")
PEER_COLUMNS = {"autograd": ("autograd",), "torch": ("torch",), "jax": ("jax", "jax_first")}

START = "<!-- benchmark results: start (written by python -m benchmarks.run) -->"
END = "<!-- benchmark results: end -->"


def _cell_text(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_LOCATION = re.compile(r"^(\w+: )(?:\S+:\d+:\d+: )?(?:in [\w.<>]+\(\): )?")


def short(reason: str, limit: int = 80) -> str:
    """The first line of a reason without its source location, cut to fit a table cell."""
    line = next((ln.strip() for ln in str(reason).splitlines() if ln.strip()), "")
    line = _LOCATION.sub(r"\1", line)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def fmt_us(seconds: float) -> str:
    us = seconds * 1e6
    if us >= 100:
        return f"{us:,.0f}"
    if us >= 10:
        return f"{us:.1f}"
    return f"{us:.2f}"


def fmt_ms(seconds: float) -> str:
    ms = seconds * 1e3
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:.1f}" if ms >= 1 else f"{ms:.2f}"


def fmt_bytes(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"


def cell(c: dict | None, key: str) -> str:
    if c is None or c["status"] == "none":
        return "—"
    if c["status"] == "n/a":
        return _cell_text(f"n/a ({short(c['note'])})")
    if c["status"] == "wrong":
        return _cell_text(f"WRONG ({short(c['note'])})")
    if key == "memory":
        return f"{c['ratio']:.2f} ({fmt_bytes(c['sourcegrad'])} / {fmt_bytes(c['hand'])})"
    if key in MS_COLUMNS:
        return fmt_ms(c["seconds"])
    return fmt_us(c["seconds"])


def shown_columns(results: dict, keys) -> list[str]:
    """Columns to show: peers only when installed, memory only when some row measured it."""
    installed = set(results["peers"])
    out = []
    for key in keys:
        peer = next((p for p, cols in PEER_COLUMNS.items() if key in cols), None)
        if peer is not None and peer not in installed:
            continue
        if key == "memory" and not any("memory" in r["cells"] for r in results["rows"]):
            continue
        out.append(key)
    return out


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def time_table(results: dict) -> str:
    keys = shown_columns(results, TIME_COLUMNS)
    rows = [[f"{r['workload']} {r['title']}"] + [cell(r["cells"].get(k), k) for k in keys]
            for r in results["rows"]]
    return _table(["workload (µs per call)"] + [TIME_COLUMNS[k] for k in keys], rows)


def ratio_table(results: dict) -> str:
    keys = shown_columns(results, RATIO_COLUMNS)
    rows = []
    for r in results["rows"]:
        hand = r["cells"].get("hand", {})
        row = [r["workload"]]
        for k in keys:
            c = r["cells"].get(k)
            if c and c["status"] == "ok" and hand.get("status") == "ok":
                row.append(f"{c['seconds'] / hand['seconds']:.2f}")
            else:
                row.append({"n/a": "n/a", "wrong": "WRONG"}.get(c["status"], "—") if c else "—")
        rows.append(row)
    return _table(["workload (time / hand-written)"] + [TIME_COLUMNS[k] for k in keys], rows)


def alternatives_table(results: dict) -> str | None:
    rows = []
    for r in results["rows"]:
        hand = r["cells"].get("hand", {})
        for alt in r.get("alternatives", []):
            c = alt["cell"]
            ratio = (f"{c['seconds'] / hand['seconds']:.2f}"
                     if c["status"] == "ok" and hand.get("status") == "ok" else "—")
            rows.append([r["workload"], _cell_text(alt["name"]), cell(c, "alt"), ratio])
    if not rows:
        return None
    return _table(["workload", "alternative gradient", "µs per call", "time / hand-written"],
                  rows)


def notes(results: dict) -> list[str]:
    """Full reasons of every n/a and WRONG cell, which the tables shorten."""
    out = []
    for r in results["rows"]:
        for key, c in r["cells"].items():
            if c["status"] in ("n/a", "wrong"):
                reason = " ".join(ln.strip() for ln in str(c["note"]).splitlines() if ln.strip())
                out.append(f"- {r['workload']}, {TIME_COLUMNS.get(key, key)}: "
                           f"{'WRONG: ' if c['status'] == 'wrong' else ''}{reason}")
    return out


# -- the machine -------------------------------------------------------------------------------

def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _lib_name(filepath: str) -> str:
    """The library file with its folder, which tells whose copy it is (numpy.libs, scipy.libs)."""
    path = Path(filepath)
    return f"{path.parent.name}/{path.name}"


def blas_info() -> str:
    """The BLAS numpy runs on: at run time if threadpoolctl is installed, else as built."""
    try:
        import threadpoolctl
    except ImportError:
        threadpoolctl = None
    if threadpoolctl is not None:
        infos = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
        if infos:
            return "; ".join(
                f"{i.get('internal_api')} {i.get('version')}, kernel {i.get('architecture')}, "
                f"{i.get('num_threads')} thread(s) ({_lib_name(i.get('filepath', ''))})"
                for i in infos)
    blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    return (f"{blas.get('name', 'unknown')} {blas.get('version', '')} "
            "(as built; install threadpoolctl for the kernel in use)")


def machine_info(peers: dict) -> dict:
    env = {v: os.environ.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                          "MKL_NUM_THREADS", "OPENBLAS_CORETYPE",
                                          "OPENBLAS_L2_SIZE", "XLA_FLAGS")}
    return {
        "cpu": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas_info(),
        "peers": {k: v["versions"] for k, v in peers.items()},
        "env": env,
    }


def machine_markdown(m: dict) -> str:
    peers = ", ".join(f"{d} {v}" for vs in m["peers"].values() for d, v in vs.items())
    env = ", ".join(f"{k}={v}" for k, v in m["env"].items() if v is not None)
    unset = [k for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if m["env"].get(k) is None]
    return "\n".join([
        f"- CPU: {m['cpu']} ({m['logical_cpus']} logical CPUs; every system runs on one thread)",
        f"- {m['platform']}, Python {m['python']}, numpy {m['numpy']}",
        f"- BLAS: {m['blas']}",
        f"- peers: {peers or 'none installed'}",
        f"- environment: {env}" + (f" ({' and '.join(unset)} unset)" if unset else ""),
    ])


def results_markdown(results: dict) -> str:
    parts = [
        (f"Run of {results['date']} in {results['mode']} mode "
         f"({results['repeats']} timed repeats per cell, median; {results['elapsed']:.0f} s)."),
        "",
        machine_markdown(results["machine"]),
        (f"- load average (1 min) {results['load'][0]:.2f} before the run, "
         f"{results['load'][1]:.2f} after: other work on the machine shows up as noise"),
        "",
        "### Microseconds per call",
        "",
        time_table(results),
        "",
        "### Ratio to the hand-written gradient",
        "",
        ratio_table(results),
    ]
    alt = alternatives_table(results)
    if alt:
        parts += ["", "### Other hand-written gradients", "", alt]
    n = notes(results)
    if n:
        parts += ["", "### Cells without a time", ""] + n
    return "\n".join(parts)


def write_markdown(path: Path, body: str, template: str) -> None:
    """Put ``body`` between the result markers of ``path`` (created from ``template``)."""
    text = path.read_text() if path.exists() else template
    if START not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n{START}\n{END}\n"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    text = pattern.sub(lambda _: f"{START}\n{body}\n{END}", text, count=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
