"""Automatic differentiation as transforms of the IR: activity analysis (which values need
derivatives), the reverse transform (the backward sweep), and the transport of forward values
to the backward code that reads them (stacks for loops, outputs for branches, tapes for split
helpers)."""
