"""Optimizations over the IR: each a general rewrite, correct for every program it matches."""
