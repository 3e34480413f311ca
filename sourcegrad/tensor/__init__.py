"""PyTorch-style Tensor facade (see docs/tutorials)."""
__all__: list[str] = []
