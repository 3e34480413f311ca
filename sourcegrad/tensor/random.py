"""Random numbers bit-for-bit as PyTorch's CPU generator makes them.

PyTorch's CPU generator is a 32-bit Mersenne Twister (mt19937) seeded with the low 32 bits of
the seed -- the same stream as numpy's legacy ``RandomState(seed)``. On top of it (documented
behaviour of PyTorch's CPU kernels):

* ``rand`` (float32): one 32-bit draw per element, keeping 24 bits: ``(u & 0xFFFFFF) / 2**24``;
  float64 takes two draws ``(hi << 32 | lo)`` and keeps 53 bits.
* ``randn`` with fewer than 16 elements: Box-Muller in float64 from two float64 uniforms, one
  value returned and its partner cached in the generator for the next call.
* ``randn`` with 16 or more elements: all uniforms first, then Box-Muller over blocks of 16
  (``u1 = 1 - data[j]``, ``u2 = data[j + 8]``), the tail block redrawn. float32 uses the
  polynomial ``log``/``sincos`` of PyTorch's AVX2 kernel (reproduced below, fused multiply-adds
  included); float64 uses the C library's, as ``math`` does.
"""
from __future__ import annotations

import math
import secrets

import numpy as np

_U24 = np.uint64(0xFFFFFF)
_U53 = np.uint64((1 << 53) - 1)


class Generator:
    """A CPU random generator with PyTorch's streams (``manual_seed``, ``initial_seed``)."""

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self.manual_seed(secrets.randbits(63))

    def manual_seed(self, seed: int) -> Generator:
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

    def uniform_range(self, n: int, np_dtype, low: float, high: float) -> np.ndarray:
        """``n`` uniforms in [low, high), as PyTorch's ``uniform_(low, high)``: the [0, 1) draw
        scaled in the tensor's own dtype."""
        np_dtype = np.dtype(np_dtype)
        u = self.uniform(n, np_dtype)
        lo, hi = np_dtype.type(low), np_dtype.type(high)
        return (u * (hi - lo) + lo).astype(np_dtype)

    def normal(self, n: int, np_dtype, mean: float = 0.0, std: float = 1.0) -> np.ndarray:
        """``n`` normal values, as PyTorch's ``normal_(mean, std)`` on a contiguous tensor
        (float32 blocks of 16 finish with one fused multiply-add: rounded once here too)."""
        np_dtype = np.dtype(np_dtype)
        if n >= 16 and np_dtype in (np.float32, np.float64):
            data = self._normal_fill(n, np_dtype)
            if mean == 0.0 and std == 1.0:
                return data
            return (data.astype(np.float64) * std + mean).astype(np_dtype)
        out = np.empty(n, dtype=np.float64)
        for i in range(n):
            if self._next_normal is not None:
                out[i], self._next_normal = self._next_normal, None
                continue
            u1, u2 = self.uniform(2, np.float64).tolist()
            radius = math.sqrt(-2.0 * math.log1p(-u2))
            theta = 2.0 * math.pi * u1
            self._next_normal = radius * math.sin(theta)
            out[i] = radius * math.cos(theta)
        return (out * std + mean).astype(np_dtype)

    def _normal_fill(self, n: int, np_dtype) -> np.ndarray:
        data = self.uniform(n, np_dtype)
        for start in range(0, n - 15, 16):
            _box_muller_16(data[start:start + 16])
        if n % 16:
            data[n - 16:] = self.uniform(16, np_dtype)
            _box_muller_16(data[n - 16:])
        return data


def _box_muller_16(block: np.ndarray) -> None:
    """PyTorch's Box-Muller over 16 uniforms: float32 as its AVX2 kernel, float64 with libm."""
    if block.dtype == np.float32:
        u1 = np.float32(1) - block[:8]
        radius = np.sqrt(np.float32(-2) * _log_ps(u1))
        sin, cos = _sincos_ps(np.float32(2.0 * np.pi) * block[8:16])
        block[:8], block[8:16] = radius * cos, radius * sin
        return
    for j in range(8):
        radius = math.sqrt(-2.0 * math.log(1.0 - float(block[j])))
        theta = 2.0 * math.pi * float(block[j + 8])
        block[j], block[j + 8] = radius * math.cos(theta), radius * math.sin(theta)


# float32 log and sincos as PyTorch's AVX2 normal kernel computes them (the Cephes polynomials of
# avx_mathfun, with the multiply-adds fused as the compiler fuses them).

def _fma(a, b, c):
    return (np.float64(1.0) * a * b + c).astype(np.float32)


_LOG_P = (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
          -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1)


def _log_ps(x: np.ndarray) -> np.ndarray:
    f = np.float32
    x = np.maximum(x, f(1.17549435e-38))
    bits = x.view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(np.float32) + f(1)
    x = ((bits & ~0x7F800000) | f(0.5).view(np.int32)).view(np.float32)
    small = x < f(0.707106781186547524)
    e = e - np.where(small, f(1), f(0))
    x = (x - f(1)) + np.where(small, x, f(0))
    z = x * x
    y = np.full_like(x, f(_LOG_P[0]))
    for p in _LOG_P[1:]:
        y = _fma(y, x, f(p))
    y = _fma(y * x, z, e * f(-2.12194440e-4))
    y = _fma(z, f(-0.5), y)
    return _fma(e, f(0.693359375), x + y)


def _sincos_ps(x: np.ndarray):
    f = np.float32
    sign_sin = x < 0
    x = np.abs(x)
    j = ((x * f(1.27323954473516)).astype(np.int32) + 1) & ~1
    y = j.astype(np.float32)
    for dp in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8):
        x = _fma(y, f(dp), x)
    sign_sin = sign_sin ^ ((j & 4) != 0)
    sign_cos = (~(j - 2) & 4) != 0
    first = (j & 2) == 0
    z = x * x
    c = np.full_like(z, f(2.443315711809948e-5))
    for p in (-1.388731625493765e-3, 4.166664568298827e-2):
        c = _fma(c, z, f(p))
    c = _fma(c * z, z, -(z * f(0.5))) + f(1)
    s = np.full_like(z, f(-1.9515295891e-4))
    for p in (8.3321608736e-3, -1.6666654611e-1):
        s = _fma(s, z, f(p))
    s = _fma(s * z, x, x)
    sin, cos = np.where(first, s, c), np.where(first, c, s)
    return np.where(sign_sin, -sin, sin), np.where(sign_cos, -cos, cos)


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator: later ``rand``/``randn`` calls give PyTorch's numbers."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()
