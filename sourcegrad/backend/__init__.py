"""From the optimized IR to live functions: Python text (``codegen``), compiled and bound to
their helpers (``loader``)."""
