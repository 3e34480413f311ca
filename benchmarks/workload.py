"""The record of one benchmark row, shared by the workload modules.

It lives apart from ``workloads.py`` so that the modules of further workloads
(``workloads_models.py``, ``workloads_loops.py``) can build their rows without importing the
module that collects them all.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Workload:
    """One benchmark row: a function, its hand-written gradient and its peers' versions."""

    name: str
    title: str
    forward: Callable
    hand: Callable  # same arguments as forward; returns the gradients of ``wrt``, in order
    wrt: tuple[str, ...]  # names of forward's parameters to differentiate
    make_inputs: Callable[[np.random.Generator], dict]  # parameter name -> value, in order
    peer: Callable | None = None  # xp -> the same function written against namespace xp
    memory: bool = False  # also compare peak traced memory of sourcegrad and hand-written
    alternatives: dict[str, Callable] = field(default_factory=dict)
