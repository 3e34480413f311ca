"""The front end: a Python function in, the IR out.

parse (source text and locations) -> fence (refuse what is outside the subset) -> desugar
(comprehensions, conditional expressions, nested functions) -> structure (counted loops, jumps
at the ends of branches, one return) -> lower (structured SSA, ``ir/core.py``).
"""
