"""Measuring: check every gradient, time it, and collect the results as plain data.

Importing this module imports numpy: pin the thread counts first (``run.py`` does).
"""
from __future__ import annotations

import copy
import datetime
import functools
import gc
import os
import statistics
import sys
import time
import timeit
import tracemalloc

import numpy as np

from benchmarks import report, systems
from benchmarks.check import mismatch, mutated
from benchmarks.workloads import BY_NAME, WORKLOADS, Workload

MODES = {  # seconds each timed repeat lasts at least, repeats, first-call samples
    "full": {"min_time": 0.2, "repeats": 9, "first_calls": 5},
    "quick": {"min_time": 0.02, "repeats": 5, "first_calls": 3},
    "smoke": {"min_time": 0.0, "repeats": 1, "first_calls": 1},
}


def ok(seconds, **extra):
    return {"status": "ok", "seconds": seconds, "note": "", **extra}


def na(reason, error=None):
    return {"status": "n/a", "seconds": None, "note": reason, "error": error}


def wrong(reason):
    return {"status": "wrong", "seconds": None, "note": reason}


def failed(exc: BaseException) -> dict:
    """An n/a cell for a system that raised: the exception's type and message."""
    text = str(exc).strip()
    name = type(exc).__name__
    return na(f"{name}: {text}" if text else name, error=name)


# -- timing ------------------------------------------------------------------------------------

def calls_per_repeat(call, min_time: float) -> int:
    """How many calls fill ``min_time`` (timeit's autorange, aiming straight at the target)."""
    number = 1
    while min_time > 0:
        t = timeit.Timer(call).timeit(number)
        if t >= min_time:
            break
        number = min(number * 10, max(number + 1, int(number * 1.2 * min_time / max(t, 1e-9))))
    return number


def time_round_robin(calls: dict, mode: dict) -> dict:
    """Median seconds per call of each callable, repeats taken in turn across all of them."""
    numbers = {k: calls_per_repeat(c, mode["min_time"]) for k, c in calls.items()}
    samples = {k: [] for k in calls}
    for _ in range(mode["repeats"]):
        for k, c in calls.items():
            samples[k].append(timeit.Timer(c).timeit(numbers[k]) / numbers[k])
    return {k: statistics.median(v) for k, v in samples.items()}


def peak_traced_bytes(call) -> int:
    """Peak memory traced while ``call`` runs (numpy reports its buffers to tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        result = call()  # noqa: F841 -- the result stays alive, as it would for a caller
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- one workload ------------------------------------------------------------------------------

def run_workload(w: Workload, peers: dict, mode: dict, seed: int, log) -> dict:
    inputs = w.make_inputs(np.random.default_rng(seed))
    pristine = copy.deepcopy(inputs)
    hand = systems.numpy_gradient(w.hand, w, inputs)
    ref = hand.to_numpy(hand.call())
    if mutated(inputs, pristine):
        raise RuntimeError(f"the hand-written gradient of {w.name} changes its inputs")
    cells: dict[str, dict] = {}
    timed = {"forward": systems.forward_call(w, inputs), "hand": hand.call}

    builders = {"sourcegrad": systems.sourcegrad_gradient}
    builders.update({k: systems.GRADIENTS[k] for k in peers})
    builders.update({f"alt:{name}": functools.partial(systems.numpy_gradient, fn)
                     for name, fn in w.alternatives.items()})
    for key, build in builders.items():
        if key in peers and w.peer is None:
            cells[key] = {"status": "none", "seconds": None, "note": "no version of this function"}
            continue
        try:
            g = build(w, inputs)
            got = g.to_numpy(g.call())
        except Exception as exc:  # noqa: BLE001 -- unsupported construct, missing rule, bug
            cells[key] = failed(exc)
            mutated(inputs, pristine)
            continue
        why = mutated(inputs, pristine) or mismatch(w.wrt, got, ref)
        if why:
            cells[key] = wrong(why)
        else:
            timed[key] = g.call
    log(f"  {w.name}: timing {', '.join(timed)}")
    for key, seconds in time_round_robin(timed, mode).items():
        cells[key] = ok(seconds)

    if cells["sourcegrad"]["status"] == "ok":
        try:
            samples = [systems.sourcegrad_transform(w, inputs) for _ in range(mode["first_calls"])]
            seconds = statistics.median(t for t, _ in samples)
            if any(with_call for _, with_call in samples):  # a lazy transform: take the call out
                seconds = max(seconds - cells["sourcegrad"]["seconds"], 0.0)
            cells["transform"] = ok(seconds)
        except Exception as exc:  # noqa: BLE001 -- reported as n/a
            cells["transform"] = failed(exc)
        if w.memory:
            sg_peak = peak_traced_bytes(timed["sourcegrad"])
            hand_peak = peak_traced_bytes(hand.call)
            cells["memory"] = ok(None, ratio=sg_peak / hand_peak, sourcegrad=sg_peak,
                                 hand=hand_peak)
    else:
        cells["transform"] = {"status": "none", "seconds": None, "note": ""}
        if w.memory:
            cells["memory"] = {"status": "none", "seconds": None, "note": ""}
    if "jax" in peers:
        if cells["jax"]["status"] == "ok":
            try:
                firsts = [systems.jax_first_call(w, inputs) for _ in range(mode["first_calls"])]
                cells["jax_first"] = ok(statistics.median(firsts))
            except Exception as exc:  # noqa: BLE001 -- reported as n/a
                cells["jax_first"] = failed(exc)
        else:
            cells["jax_first"] = {"status": "none", "seconds": None, "note": ""}

    alternatives = [{"name": key[4:], "cell": cells.pop(key)} for key in list(cells)
                    if key.startswith("alt:")]
    return {"workload": w.name, "title": w.title, "cells": cells, "alternatives": alternatives}


def run(names=None, mode_name="quick", peer_names=("autograd", "torch", "jax"), seed=0,
        log=lambda msg: print(msg, file=sys.stderr, flush=True)) -> dict:
    """Measure the workloads ``names`` (all by default); returns the results as plain data."""
    mode = MODES[mode_name]
    peers = systems.load_peers(peer_names)
    start = time.perf_counter()
    load_before = os.getloadavg()[0]
    rows = []
    for w in [BY_NAME[n] for n in names] if names else WORKLOADS:
        log(f"{w.name} {w.title}")
        rows.append(run_workload(w, peers, mode, seed, log))
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": mode_name,
        "repeats": mode["repeats"],
        "elapsed": time.perf_counter() - start,
        "machine": report.machine_info(peers),
        "load": [load_before, os.getloadavg()[0]],
        "peers": list(peers),
        "rows": rows,
    }
