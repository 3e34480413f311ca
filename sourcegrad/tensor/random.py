"""Random numbers bit-for-bit as PyTorch's CPU generator makes them.

PyTorch's CPU generator is a 32-bit Mersenne Twister (mt19937) seeded with the low 32 bits of
the seed -- the same stream as numpy's legacy ``RandomState(seed)``. On top of it (documented
behaviour of PyTorch's CPU kernels):

* ``rand`` (float32): one 32-bit draw per element, keeping 24 bits: ``(u & 0xFFFFFF) / 2**24``;
  float64 takes two draws ``(hi << 32 | lo)`` and keeps 53 bits.
* ``randn`` with fewer than 16 elements: Box-Muller in float64 from two float64 uniforms, one
  value returned and its partner cached in the generator for the next call.
* ``randn`` with 16 or more elements: all uniforms first, then Box-Muller over blocks of 16
  (``u1 = 1 - data[j]``, ``u2 = data[j + 8]``), the tail block redrawn. For float32 this is
  computed in float32; PyTorch's vectorised ``log``/``sin``/``cos`` can differ from numpy's in
  the last bit for about one element in fifteen (never visible at printing precision 4).
"""
from __future__ import annotations

import secrets

import numpy as np

_U24 = np.uint64(0xFFFFFF)
_U53 = np.uint64((1 << 53) - 1)


class Generator:
    """A CPU random generator with PyTorch's streams (``manual_seed``, ``initial_seed``)."""

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self.manual_seed(secrets.randbits(63))

    def manual_seed(self, seed: int) -> "Generator":
        seed = int(seed)
        if seed < 0:
            seed += 1 << 64
        self._seed = seed
        self._mt = np.random.RandomState(seed & 0xFFFFFFFF)
        self._next_normal = None  # the cached partner of the last Box-Muller pair
        return self

    def seed(self) -> int:
        self.manual_seed(secrets.randbits(63))
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    # -- raw streams ------------------------------------------------------------------------
    def _u32(self, n: int) -> np.ndarray:
        return self._mt.randint(0, 1 << 32, size=n, dtype=np.uint32).astype(np.uint64)

    def _u64(self, n: int) -> np.ndarray:
        r = self._u32(2 * n)
        return (r[0::2] << np.uint64(32)) | r[1::2]

    def uniform(self, n: int, np_dtype) -> np.ndarray:
        """``n`` uniforms in [0, 1) of the given float dtype, as PyTorch's ``uniform_``."""
        if np.dtype(np_dtype) == np.float64:
            return (self._u64(n) & _U53).astype(np.float64) / 2.0 ** 53
        return ((self._u32(n) & _U24).astype(np.float64) / 2.0 ** 24).astype(np_dtype)

    def normal(self, n: int, np_dtype) -> np.ndarray:
        """``n`` standard normal values, as PyTorch's ``normal_`` on a contiguous tensor."""
        np_dtype = np.dtype(np_dtype)
        if n >= 16 and np_dtype in (np.float32, np.float64):
            return self._normal_fill(n, np_dtype)
        out = np.empty(n, dtype=np.float64)
        for i in range(n):
            if self._next_normal is not None:
                out[i], self._next_normal = self._next_normal, None
                continue
            u1, u2 = self.uniform(2, np.float64)
            radius = np.sqrt(-2.0 * np.log1p(-u2))
            theta = 2.0 * np.pi * u1
            self._next_normal = radius * np.sin(theta)
            out[i] = radius * np.cos(theta)
        return out.astype(np_dtype)

    def _normal_fill(self, n: int, np_dtype) -> np.ndarray:
        data = self.uniform(n, np_dtype)
        for start in range(0, n - 15, 16):
            _box_muller_16(data[start:start + 16])
        if n % 16:
            data[n - 16:] = self.uniform(16, np_dtype)
            _box_muller_16(data[n - 16:])
        return data


def _box_muller_16(block: np.ndarray) -> None:
    one = block.dtype.type(1)
    u1 = one - block[:8]
    u2 = block[8:16]
    if block.dtype == np.float32:
        log_u1 = np.log(u1.astype(np.float64)).astype(np.float32)
        theta = np.float32(2.0 * np.pi) * u2
    else:
        log_u1 = np.log(u1)
        theta = 2.0 * np.pi * u2
    radius = np.sqrt(block.dtype.type(-2) * log_u1)
    block[:8], block[8:16] = radius * np.cos(theta), radius * np.sin(theta)


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator: later ``rand``/``randn`` calls give PyTorch's numbers."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()
