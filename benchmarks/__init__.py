"""Benchmarks of sourcegrad against hand-written numpy gradients and other AD systems.

``python -m benchmarks.run`` measures and writes ``docs/performance.md``; see ``run.py``.
This package must not import numpy at import time: ``run.py`` pins every math library to one
thread through environment variables, which only work if they are set before numpy loads.
"""
