"""Workloads W16-W19 of issue 17: numerical methods written as Python loops.

Each is a function whose loop stays a loop in the gradient sourcegrad generates. The
conventions are those of ``workloads.py`` (an expert's ``hand`` gradient as the reference, the
same function for the peers, better-known restructurings of the gradient as
``alternatives``):

* W16, the Lotka-Volterra equations integrated by explicit Euler, 200 steps of a two-number
  state on numpy scalars (the elements of the parameter arrays): fitting a small ODE model
  without an ODE library. The reference keeps every state for a reverse sweep, in numpy
  scalars like the function; the same sweep on Python floats is an alternative.
* W17, a 1-D convolution as a loop over the kernel's taps (``y += w[k] * x[k:k + n]``, in place
  into an array the function made), in the kernel and the signal. Alternative: one
  ``np.correlate`` / ``np.convolve`` call per product, which is how an expert batches it.
* W18, Horner's evaluation of a polynomial (``for c in coeffs: acc = acc * x + c``) at 1000
  points, in the coefficients and the points. The reference carries p'(x) along the loop, by
  Horner next to p (forward accumulation, as W1's reference does); alternatives are the
  reverse sweep and a Vandermonde matrix.
* W19, Kepler's equation ``E - e sin E = M`` solved by Newton's method in a ``while`` loop with
  a tolerance and an iteration guard, for 1000 orbits; the loss fits the orbits'
  x-coordinates, the gradient is in the eccentricities. The expert does not differentiate
  the iterations: at the solution dE/de = sin E / (1 - e cos E) (implicit function theorem),
  which agrees with the derivative of the iterations up to the last Newton step's residual
  (about the square of the 1e-12 tolerance). The reverse sweep through the iterations, what
  reverse mode computes, is an alternative.
"""
from __future__ import annotations

import math

import numpy as np

from benchmarks.workload import Workload

REVERSE = "hand-written reverse sweep (loop values kept on stacks, as reverse mode does)"


# -- W16: Lotka-Volterra by explicit Euler -----------------------------------------------------

def lotka_volterra(theta, z0, target):
    a, b, c, d = theta
    x, y = z0
    for _ in range(200):
        x, y = x + 0.01 * (a * x - b * x * y), y + 0.01 * (c * x * y - d * y)
    return (x - target[0]) ** 2 + (y - target[1]) ** 2


def _lotka_volterra_sweep(a, b, c, d, x, y, target):
    xs, ys = [], []
    for _ in range(200):
        xs.append(x)
        ys.append(y)
        x, y = x + 0.01 * (a * x - b * x * y), y + 0.01 * (c * x * y - d * y)
    gx = 2.0 * (x - target[0])
    gy = 2.0 * (y - target[1])
    da = db = dc = dd = 0.0  # the parameters' gradients, divided by the step 0.01
    hb, hc = 0.01 * b, 0.01 * c
    keep_x, keep_y = 1.0 + 0.01 * a, 1.0 - 0.01 * d
    for _ in range(200):
        x, y = xs.pop(), ys.pop()
        gxx = gx * x
        gyy = gy * y
        da += gxx
        db -= gxx * y
        dc += gyy * x
        dd -= gyy
        gx, gy = keep_x * gx - hb * (gx * y) + hc * gyy, keep_y * gy + hc * (gy * x) - hb * gxx
    return np.array([0.01 * da, 0.01 * db, 0.01 * dc, 0.01 * dd]), np.array([gx, gy])


def lotka_volterra_grad(theta, z0, target):
    a, b, c, d = theta
    x, y = z0
    return _lotka_volterra_sweep(a, b, c, d, x, y, target)


def lotka_volterra_grad_floats(theta, z0, target):
    """W16's gradient on Python floats (``.tolist()``): the same sweep without numpy scalars."""
    a, b, c, d = theta.tolist()
    x, y = z0.tolist()
    return _lotka_volterra_sweep(a, b, c, d, x, y, target.tolist())


def lotka_volterra_peer(xp):
    def lotka_volterra(theta, z0, target):
        a, b, c, d = theta
        x, y = z0
        for _ in range(200):
            x, y = x + 0.01 * (a * x - b * x * y), y + 0.01 * (c * x * y - d * y)
        return (x - target[0]) ** 2 + (y - target[1]) ** 2
    return lotka_volterra


def lotka_volterra_inputs(rng):
    return {
        "theta": np.array([1.1, 0.4, 0.4, 0.8]) + 0.05 * rng.standard_normal(4),
        "z0": np.array([1.0, 0.5]) + 0.05 * rng.standard_normal(2),
        "target": np.array([1.5, 0.6]),
    }


# -- W17: a 1-D convolution over kernel taps ---------------------------------------------------

def conv1d(w, x, t):
    n = len(x) - len(w) + 1
    y = np.zeros(n)
    for k in range(len(w)):
        y += w[k] * x[k:k + n]
    return np.sum((y - t) ** 2)


def conv1d_grad(w, x, t):
    n = len(x) - len(w) + 1
    g = w[0] * x[:n]  # (a product buffer reused by every tap is no faster)
    for k in range(1, len(w)):
        g += w[k] * x[k:k + n]
    g -= t
    g *= 2.0  # d loss / d y
    dw = np.empty_like(w)
    dx = np.zeros_like(x)
    for k in range(len(w)):
        dw[k] = g @ x[k:k + n]
        dx[k:k + n] += w[k] * g
    return dw, dx


def conv1d_grad_batched(w, x, t):
    """The taps in one call each: y, dw as correlations and dx as a full convolution."""
    g = np.correlate(x, w, "valid")
    g -= t
    g *= 2.0
    return np.correlate(x, g, "valid"), np.convolve(g, w)


def conv1d_peer(xp):
    def conv1d(w, x, t):  # y = y + ..., not y += ...: autograd cannot add into an array
        n = len(x) - len(w) + 1
        y = xp.zeros_like(x[:n])
        for k in range(len(w)):
            y = y + w[k] * x[k:k + n]
        return xp.sum((y - t) ** 2)
    return conv1d


def conv1d_inputs(rng):
    k, n = 9, 10_000
    return {
        "w": rng.standard_normal(k) / k,
        "x": rng.standard_normal(n),
        "t": rng.standard_normal(n - k + 1),
    }


# -- W18: Horner's polynomial evaluation -------------------------------------------------------

def horner(coeffs, x, y):
    acc = np.zeros_like(x)
    for c in coeffs:
        acc = acc * x + c
    return np.sum((acc - y) ** 2)


def horner_grad(coeffs, x, y):
    p = np.full_like(x, coeffs[0])
    dp = np.zeros_like(x)  # p'(x), by Horner along with p
    for c in coeffs[1:]:
        dp *= x
        dp += p
        p *= x
        p += c
    p -= y
    p *= 2.0  # d loss / d p
    dx = p * dp
    dcoeffs = np.empty_like(coeffs)
    for k in range(len(coeffs) - 1, 0, -1):  # d p / d coeffs[k] = x ** (degree - k)
        dcoeffs[k] = p.sum()
        p *= x
    dcoeffs[0] = p.sum()
    return dcoeffs, dx


def horner_grad_reverse(coeffs, x, y):
    accs = []
    acc = np.zeros_like(x)
    for c in coeffs:
        accs.append(acc)
        acc = acc * x + c
    g = acc - y
    g *= 2.0
    dcoeffs = np.empty_like(coeffs)
    dx = np.zeros_like(x)
    for k in range(len(coeffs) - 1, -1, -1):
        dcoeffs[k] = g.sum()
        dx += g * accs.pop()
        g *= x
    return dcoeffs, dx


def horner_grad_batched(coeffs, x, y):
    """All the powers of x at once (a Vandermonde matrix), the sums as products with it."""
    m = len(coeffs)
    V = np.vander(x, m)  # x ** (m - 1), ..., x, 1
    g = V @ coeffs
    g -= y
    g *= 2.0
    return g @ V, g * (V[:, 1:] @ (coeffs[:-1] * np.arange(m - 1, 0, -1)))


def horner_peer(xp):
    def horner(coeffs, x, y):
        acc = xp.zeros_like(x)
        for c in coeffs:
            acc = acc * x + c
        return xp.sum((acc - y) ** 2)
    return horner


def horner_inputs(rng):
    n = 1000
    x = rng.uniform(-1.0, 1.0, n)
    return {"coeffs": rng.standard_normal(16), "x": x, "y": np.sin(3.0 * x)}


# -- W19: Kepler's equation by Newton's method in a while loop ---------------------------------

def kepler(e, M, x_obs):
    E = M + e * np.sin(M)
    err, n = 1.0, 0
    while err > 1e-12 and n < 50:
        step = (E - e * np.sin(E) - M) / (1.0 - e * np.cos(E))
        E = E - step
        err = np.max(np.abs(step))
        n += 1
    return np.sum((np.cos(E) - e - x_obs) ** 2)


def _kepler_solve(e, M):
    E = M + e * np.sin(M)
    err, n = 1.0, 0
    while err > 1e-12 and n < 50:
        step = np.sin(E)
        step *= -e
        step += E
        step -= M
        step /= 1.0 - e * np.cos(E)
        E -= step
        err = np.max(np.abs(step))
        n += 1
    return E


def kepler_grad(e, M, x_obs):
    E = _kepler_solve(e, M)
    s, c = np.sin(E), np.cos(E)
    r = c - e
    r -= x_obs  # the residual; d loss / d E = -2 r sin E, d loss / d e (E fixed) = -2 r
    c *= e
    np.subtract(1.0, c, out=c)
    s *= s
    s /= c  # sin E * dE/de, dE/de = sin E / (1 - e cos E)
    s += 1.0
    s *= r
    s *= -2.0
    return s


def kepler_grad_reverse(e, M, x_obs):
    """W19's gradient through the Newton iterations, each one's state kept on a stack."""
    E = M + e * np.sin(M)
    Es = []
    err, n = 1.0, 0
    while err > 1e-12 and n < 50:
        Es.append(E)
        step = (E - e * np.sin(E) - M) / (1.0 - e * np.cos(E))
        E = E - step
        err = np.max(np.abs(step))
        n += 1
    s = np.sin(E)
    r = np.cos(E) - e - x_obs
    de = -2.0 * r
    gE = de * s
    for E in reversed(Es):
        # E' = E - F / F' with F = E - e sin E - M, F' = 1 - e cos E
        s, c = np.sin(E), np.cos(E)
        fp = 1.0 - e * c
        F = E - e * s - M
        gE /= fp * fp
        de += gE * (s * fp - F * c)
        gE *= F * e * s
    de += gE * np.sin(M)
    return de


def kepler_peer(xp):
    def kepler(e, M, x_obs):
        E = M + e * xp.sin(M)
        err, n = 1.0, 0
        while err > 1e-12 and n < 50:
            step = (E - e * xp.sin(E) - M) / (1.0 - e * xp.cos(E))
            E = E - step
            err = xp.max(xp.abs(step))
            n += 1
        return xp.sum((xp.cos(E) - e - x_obs) ** 2)
    return kepler


def kepler_inputs(rng):
    n = 1000
    e_true = rng.uniform(0.05, 0.7, n)
    M = rng.uniform(0.0, 2.0 * math.pi, n)
    x_obs = np.cos(_kepler_solve(e_true, M)) - e_true + 0.01 * rng.standard_normal(n)
    return {"e": np.clip(e_true + 0.05 * rng.standard_normal(n), 0.0, 0.9), "M": M,
            "x_obs": x_obs}


WORKLOADS: list[Workload] = [
    Workload("W16", "Lotka-Volterra, explicit Euler, 200 steps, numpy scalars",
             lotka_volterra, lotka_volterra_grad, ("theta", "z0"), lotka_volterra_inputs,
             peer=lotka_volterra_peer,
             alternatives={"hand-written on Python floats (`.tolist()`)":
                           lotka_volterra_grad_floats}),
    Workload("W17", "1-D convolution by slices, 9 taps, x of 10,000", conv1d, conv1d_grad,
             ("w", "x"), conv1d_inputs, peer=conv1d_peer,
             alternatives={"hand-written, `np.correlate` / `np.convolve`": conv1d_grad_batched}),
    Workload("W18", "Horner loop, 16 coefficients, x of 1000", horner, horner_grad,
             ("coeffs", "x"), horner_inputs, peer=horner_peer,
             alternatives={REVERSE: horner_grad_reverse,
                           "hand-written, Vandermonde matrix (`np.vander`)": horner_grad_batched}),
    Workload("W19", "Kepler's equation, Newton in a `while` loop, 1000 orbits", kepler,
             kepler_grad, ("e",), kepler_inputs, peer=kepler_peer,
             alternatives={REVERSE: kepler_grad_reverse}),
]
