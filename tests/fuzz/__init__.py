"""A differential fuzzer for sourcegrad: random numpy programs, each gradient checked against
central finite differences and HIPS autograd. See README.md in this directory."""
from .generator import CATEGORIES, GenerationFailed, generate
from .program import Program

__all__ = ["CATEGORIES", "GenerationFailed", "Program", "generate"]
