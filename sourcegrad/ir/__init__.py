"""The intermediate representation every pass after the front end reads and writes.

``core`` holds the data structures (structured SSA: values defined once, ``If`` and ``Loop``
regions with explicit outputs and carried values); ``build`` the helpers that make them;
``walk`` the traversals; ``verify`` the checker of its invariants; ``printer`` turns it back into
Python for people and for the loader.
"""
