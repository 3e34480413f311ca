"""PyTorch's named results (``torch.return_types.max``): tuples whose members have names."""
from __future__ import annotations

_FIELDS = {"max": ("values", "indices"), "min": ("values", "indices"),
           "sort": ("values", "indices"), "topk": ("values", "indices"),
           "median": ("values", "indices"), "linalg_slogdet": ("sign", "logabsdet"),
           "linalg_eigh": ("eigenvalues", "eigenvectors"), "linalg_svd": ("U", "S", "Vh"),
           "linalg_qr": ("Q", "R")}


class NamedResult(tuple):
    """A tuple with named members that prints as ``torch.return_types.<kind>(...)``."""

    kind = ""
    fields: tuple = ()

    def __getattr__(self, name):
        if name in self.fields:
            return self[self.fields.index(name)]
        raise AttributeError(f"'torch.return_types.{self.kind}' object has no attribute '{name}'")

    def __repr__(self) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self.fields, self))
        return f"torch.return_types.{self.kind}(\n{body})"


_classes: dict = {}


def make(kind: str, *values) -> NamedResult:
    """``torch.return_types.<kind>(values...)``."""
    cls = _classes.get(kind)
    if cls is None:
        cls = _classes[kind] = type(kind, (NamedResult,), {"kind": kind, "fields": _FIELDS[kind]})
    return cls(values)
