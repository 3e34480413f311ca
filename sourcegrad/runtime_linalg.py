"""Runtime helpers for the adjoints of products, einsum, linear algebra and norms.

Like :mod:`sourcegrad.runtime`, this is plain numpy that generated gradients call; it is split
off only to keep each module short. Tuple-valued adjoints follow the conventions documented in
:mod:`sourcegrad.rules.sequences` (``None`` entries in ``g`` mean "no adjoint for that output").
"""
from __future__ import annotations

import numpy as np

from .runtime import _axes, _mT, _zeros_for, expand_to, float_dtype, unbroadcast

_NUMPY2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"

# -- products -----------------------------------------------------------------------------------

def dot_lhs(g, a, b):
    """Adjoint of ``a`` in ``np.dot(a, b)`` for every rank, scalars included."""
    na, nb = np.ndim(a), np.ndim(b)
    if na == 0 or nb == 0:
        return np.sum(g * b) if na == 0 else g * b
    if nb == 1:
        return np.multiply.outer(g, b)
    return np.tensordot(g, b, axes=(list(range(na - 1, np.ndim(g))),
                                    [i for i in range(nb) if i != nb - 2]))


def dot_rhs(g, a, b):
    """Adjoint of ``b`` in ``np.dot(a, b)`` for every rank, scalars included."""
    na, nb = np.ndim(a), np.ndim(b)
    if na == 0 or nb == 0:
        return np.sum(g * a) if nb == 0 else g * a
    contracted = np.tensordot(a, g, axes=(list(range(na - 1)), list(range(na - 1))))
    return contracted if nb == 1 else np.moveaxis(contracted, 0, -2)


def inner_adjoint(g, a, b, wrt=0):
    """Adjoint of ``np.inner`` (a sum over the last axes) for input ``wrt``."""
    x, y = (a, b) if wrt == 0 else (b, a)
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return np.sum(g * y) if np.ndim(x) == 0 else g * y
    ny = np.ndim(y) - 1
    if wrt == 0:  # g has axes (a..., b...)
        return np.tensordot(g, y, axes=(list(range(np.ndim(a) - 1, np.ndim(g))), list(range(ny))))
    return np.tensordot(g, y, axes=(list(range(ny)), list(range(ny))))


def tensordot_adjoint(g, a, b, axes=2, wrt=0):
    """Adjoint of ``np.tensordot(a, b, axes)`` for input ``wrt``."""
    na, nb = np.ndim(a), np.ndim(b)
    if isinstance(axes, (int, np.integer)):
        axes_a, axes_b = list(range(na - axes, na)), list(range(axes))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if np.ndim(axes_a) == 0 else list(axes_a)
        axes_b = [axes_b] if np.ndim(axes_b) == 0 else list(axes_b)
    axes_a, axes_b = [i % na for i in axes_a], [i % nb for i in axes_b]
    free_a = [i for i in range(na) if i not in axes_a]
    free_b = [i for i in range(nb) if i not in axes_b]
    nfa = len(free_a)
    if wrt == 0:  # g (free_a, free_b) . b (free_b) -> (free_a, contracted in axes_b order)
        out = np.tensordot(g, b, axes=(list(range(nfa, np.ndim(g))), free_b))
        order = free_a + [axes_a[axes_b.index(j)] for j in sorted(axes_b)]
    else:
        out = np.tensordot(a, g, axes=(free_a, list(range(nfa))))
        order = [axes_b[axes_a.index(i)] for i in sorted(axes_a)] + free_b
    return np.transpose(out, np.argsort(order))


def kron_adjoint(g, a, b, wrt=0):
    """Adjoint of ``np.kron``: view ``g`` as blocks (a-index, b-index) and contract."""
    a, b = np.asarray(a), np.asarray(b)
    nd = max(a.ndim, b.ndim)
    sa = (1,) * (nd - a.ndim) + a.shape
    sb = (1,) * (nd - b.ndim) + b.shape
    blocks = np.reshape(g, [n for pair in zip(sa, sb) for n in pair])
    ia, ib = list(range(0, 2 * nd, 2)), list(range(1, 2 * nd, 2))
    if wrt == 0:
        out = np.tensordot(blocks, np.reshape(b, sb), axes=(ib, list(range(nd))))
        return np.reshape(out, a.shape)
    out = np.tensordot(blocks, np.reshape(a, sa), axes=(ia, list(range(nd))))
    return np.reshape(out, b.shape)


def cross_adjoint(g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None, wrt=0):
    """Adjoint of ``np.cross`` for 3-vectors (``b x g`` for ``a``, ``g x a`` for ``b``)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    g = np.moveaxis(g, axisc, -1)
    if wrt == 0:
        other = np.moveaxis(b, axisb, -1)
        out = np.cross(other, g)
        return np.moveaxis(unbroadcast(out, np.moveaxis(a, axisa, -1)), -1, axisa)
    other = np.moveaxis(a, axisa, -1)
    out = np.cross(g, other)
    return np.moveaxis(unbroadcast(out, np.moveaxis(b, axisb, -1)), -1, axisb)


def _einsum_explicit(subscripts, operands):
    """Rewrite ``subscripts`` with letters only: (input subscripts, output subscript).

    Ellipses become fresh letters (a size-1 dimension broadcast against a larger one gets a
    letter of its own, so its adjoint is summed), and implicit output is made explicit.
    """
    if not isinstance(subscripts, str):
        raise NotImplementedError("np.einsum's interleaved (operand, sublist) form has no "
                                  "gradient rule; pass a subscripts string")
    subs = subscripts.replace(" ", "")
    ins, _, out = subs.partition("->")
    ins = ins.split(",")
    used = {c for c in subs if c.isalpha()}
    fresh = (c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used)
    shapes = [np.shape(op) for op in operands]
    parts = [shape[len(s.split("...")[0]):len(shape) - len(s.split("...")[1])]
             for s, shape in zip(ins, shapes) if "..." in s]
    full = np.broadcast_shapes(*parts) if parts else ()
    ell = [next(fresh) for _ in full]
    new_ins = []
    for s, shape in zip(ins, shapes):
        if "..." in s:
            pre, post = s.split("...")
            n = len(shape) - len(pre) - len(post)
            dims = shape[len(pre):len(pre) + n]
            letters = [next(fresh) if d == 1 and full[len(full) - n + i] != 1 else L
                       for i, (d, L) in enumerate(zip(dims, ell[len(ell) - n:]))]
            s = pre + "".join(letters) + post
        new_ins.append(s)
    if not _:
        letters = "".join(ins).replace(".", "")
        out = "".join(ell) + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return new_ins, out.replace("...", "".join(ell))


def einsum_adjoints(g, subscripts, operands):
    """Adjoints of every operand of ``np.einsum(subscripts, *operands)``, as a tuple.

    Operand k's adjoint is itself an einsum: ``g`` contracted with the other operands onto
    operand k's subscript. Letters only operand k has are broadcast in with ones; a letter
    repeated within operand k (a diagonal, as in ``"ii->i"``) is spread with an identity.
    """
    ins, out = _einsum_explicit(subscripts, operands)
    dtype = float_dtype(g, *operands)
    grads = []
    for k, target in enumerate(ins):
        shape = np.shape(operands[k])
        others = [i for i in range(len(ins)) if i != k]
        subs, ops = [out] + [ins[i] for i in others], [g] + [operands[i] for i in others]
        present = set("".join(subs))
        used = set("".join(ins) + out)
        fresh = (c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 if c not in used)
        seen, result = set(), ""
        for letter, n in zip(target, shape):
            if letter in seen:  # repeated within the operand: put it on a diagonal
                new = next(fresh)
                subs.append(letter + new)
                ops.append(np.eye(n, dtype=dtype))
                letter = new
            elif letter not in present:  # only this operand has it: broadcast with ones
                subs.append(letter)
                ops.append(np.ones(n, dtype=dtype))
            seen.add(letter)
            result += letter
        grads.append(np.einsum(",".join(subs) + "->" + result, *ops,
                               optimize=len(ops) > 2))
    return tuple(grads)


# -- linear algebra ---------------------------------------------------------------------------

def inv_adjoint(g, ans):
    """Adjoint of ``inv``: ``-A^{-T} g A^{-T}`` (batched)."""
    return -_mT(ans) @ g @ _mT(ans)


def det_adjoint(g, ans, a):
    """Adjoint of ``det``: ``g det(A) A^{-T}``; NaN/inf where ``A`` is singular."""
    return (np.asarray(g) * ans)[..., None, None] * _mT(np.linalg.inv(a))


def slogdet_adjoint(g, a):
    """Adjoint of ``slogdet`` (a tuple result): only ``logabsdet`` carries a gradient."""
    glog = g[1]
    if glog is None:
        return np.zeros_like(a, dtype=float_dtype(a))
    return np.asarray(glog)[..., None, None] * _mT(np.linalg.inv(a))


def solve_adjoint(g, ans, a, b, wrt=0):
    """Adjoint of ``x = solve(a, b)``: ``db = solve(a^T, g)``, ``da = -db x^T`` (batched)."""
    # numpy 2 reads b as a vector only when it is 1-D; numpy 1 whenever it has one axis less
    vector = np.ndim(b) == 1 if _NUMPY2 else np.ndim(b) == np.ndim(a) - 1
    gb = np.linalg.solve(_mT(a), g[..., None] if vector else g)
    if wrt == 1:
        return unbroadcast(gb[..., 0] if vector else gb, b)
    x = ans[..., None] if vector else ans
    return unbroadcast(-gb @ _mT(x), a)


def _phi(x):
    """Lower triangle with the diagonal halved."""
    return np.tril(x) - 0.5 * np.eye(x.shape[-1], dtype=x.dtype) * x


def _sym(x):
    return 0.5 * (x + _mT(x))


def _solve_triangular(l_mat, b, lower=True, trans=False):
    # numpy has no triangular solver; np.linalg.solve is exact on triangular input too
    return np.linalg.solve(_mT(l_mat) if trans else l_mat, b)


def cholesky_adjoint(g, ans, upper=False):
    """Adjoint of ``cholesky`` (symmetric: perturbations of ``a`` keep it symmetric)."""
    low = _mT(ans) if upper else ans
    gl = _mT(g) if upper else g
    p = _phi(_mT(low) @ gl)
    s = _solve_triangular(low, _mT(_solve_triangular(low, _mT(p), trans=True)), trans=True)
    return _sym(s)


def qr_adjoint(g, ans, a, mode="reduced"):
    """Adjoint of ``qr`` in reduced mode for ``m >= n`` (``g`` is the tuple ``(gQ, gR)``)."""
    m, n = np.shape(a)[-2:]
    if mode == "r":
        q, r = np.linalg.qr(a)
        gq, gr = None, g
    elif mode == "reduced" or (mode == "complete" and m == n):
        (q, r), (gq, gr) = ans, g
    else:
        raise NotImplementedError(f"np.linalg.qr(mode={mode!r}) has no gradient rule "
                                  "(use mode='reduced')")
    if m < n:
        raise NotImplementedError("the gradient of np.linalg.qr needs rows >= columns")
    gq = np.zeros_like(q) if gq is None else gq
    gr = np.zeros_like(r) if gr is None else gr
    mm = r @ _mT(gr) - _mT(gq) @ q
    copyltu = np.tril(mm, -1) + _mT(np.tril(mm, -1)) + mm * np.eye(n, dtype=mm.dtype)
    rhs = gq + q @ copyltu
    return _mT(np.linalg.solve(r, _mT(rhs)))


def eigh_adjoint(g, ans):
    """Adjoint of ``eigh`` (symmetric). ``g`` is ``(g_eigenvalues, g_eigenvectors)``.

    With repeated eigenvalues the eigenvectors are not unique: a loss that depends on them has
    no gradient there and the result holds inf/NaN. Eigenvalue-only losses stay finite.
    """
    w, v = ans
    gw, gv = g
    inner = 0.0 if gw is None else np.asarray(gw)[..., None, :] * np.eye(w.shape[-1], dtype=w.dtype)
    if gv is not None:
        n = w.shape[-1]
        eye = np.eye(n, dtype=w.dtype)
        with np.errstate(divide="ignore"):
            f = 1.0 / (w[..., None, :] - w[..., :, None] + eye) - eye
        inner = inner + f * (_mT(v) @ gv)
    return _sym(v @ inner @ _mT(v))


def eigvalsh_adjoint(g, a, UPLO="L"):
    """Adjoint of ``eigvalsh``: ``V diag(g) V^T``."""
    _, v = np.linalg.eigh(a, UPLO)
    return (v * np.asarray(g)[..., None, :]) @ _mT(v)


def svd_adjoint(g, ans, a, full_matrices=True, compute_uv=True):
    """Adjoint of ``svd``. ``g`` is ``(gU, gS, gVh)``, or ``gS`` when ``compute_uv=False``.

    Repeated (or zero, for non-square ``a``) singular values make U and V non-unique: a loss
    that depends on them has no gradient there and the result holds inf/NaN.
    """
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    if not compute_uv:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        return (u * np.asarray(g)[..., None, :]) @ vh
    (u, s, vh), (gu, gs, gvh) = ans, g
    if full_matrices and m != n:
        extra = [x for x, x_k in ((gu, gu is not None and gu[..., k:]),
                                  (gvh, gvh is not None and gvh[..., k:, :])) if x is not None
                 and np.any(x_k)]
        if extra:
            raise NotImplementedError("svd(full_matrices=True) of a non-square matrix has no "
                                      "gradient for its extra singular vectors; pass "
                                      "full_matrices=False")
        u, vh = u[..., :k], vh[..., :k, :]
        gu = None if gu is None else gu[..., :k]
        gvh = None if gvh is None else gvh[..., :k, :]
    v = _mT(vh)
    eye = np.eye(k, dtype=s.dtype)
    inner = 0.0 if gs is None else np.asarray(gs)[..., None, :] * eye
    out = 0.0
    if gu is not None or gvh is not None:
        s2 = s * s
        with np.errstate(divide="ignore"):
            f = 1.0 / (s2[..., None, :] - s2[..., :, None] + eye) - eye
    if gu is not None:
        ut_gu = _mT(u) @ gu
        inner = inner + (f * (ut_gu - _mT(ut_gu))) * s[..., None, :]
        if m > k:
            out = out + ((gu - u @ ut_gu) / s[..., None, :]) @ vh
    if gvh is not None:
        gv = _mT(gvh)
        vt_gv = vh @ gv
        inner = inner + s[..., :, None] * (f * (vt_gv - _mT(vt_gv)))
        if n > k:
            out = out + u @ _mT((gv - v @ vt_gv) / s[..., None, :])
    return u @ inner @ vh + out


def pinv_adjoint(g, ans, a):
    """Adjoint of ``pinv`` (constant rank): the Golub-Pereyra derivative, transposed."""
    p = ans
    pt = _mT(p)
    gt = _mT(g)
    eye_m = np.eye(np.shape(a)[-2], dtype=p.dtype)
    eye_n = np.eye(np.shape(a)[-1], dtype=p.dtype)
    return (-pt @ g @ pt + (eye_m - a @ p) @ gt @ (p @ pt)
            + (pt @ p) @ gt @ (eye_n - p @ a))


def lstsq_adjoint(g, ans, a, b, rcond=None, wrt=0):
    """Adjoint of ``lstsq`` (full rank). ``g`` is ``(gx, g_residuals, g_rank, g_s)``."""
    x, residuals = ans[0], ans[1]
    gx, gres, _, gs = g
    vector = np.ndim(b) == 1
    p = np.linalg.pinv(a)
    da, db = 0.0, 0.0
    if gx is not None:
        gx2, b2 = (gx[:, None], b[:, None]) if vector else (gx, b)
        db = p.T @ gx2
        da = pinv_adjoint(gx2 @ b2.T, p, a)
        db = db[:, 0] if vector else db
    if gres is not None and np.size(residuals):
        r = a @ x - b  # residual sum of squares: envelope gradient 2 r x^T, -2 r
        gres = np.asarray(gres)
        da = da + 2.0 * ((r * gres)[:, None] * x if vector else (r * gres) @ x.T)
        db = db - 2.0 * r * gres
    if gs is not None and wrt == 0:
        da = da + svd_adjoint(gs, None, a, compute_uv=False)
    result = da if wrt == 0 else db
    return result + _zeros_for(a if wrt == 0 else b)


def matrix_power_adjoint(g, a, n):
    """Adjoint of ``matrix_power``: ``sum_k (A^T)^k g (A^T)^(n-1-k)``; negative ``n`` via inv."""
    if n < 0:
        inv = np.linalg.inv(a)
        return inv_adjoint(matrix_power_adjoint(g, inv, -n), inv)
    at = _mT(a)
    powers = [np.broadcast_to(np.eye(np.shape(a)[-1], dtype=float_dtype(a)), np.shape(a))]
    for _ in range(1, n):
        powers.append(powers[-1] @ at)
    out = _zeros_for(a)
    for k in range(n):
        out = out + powers[k] @ g @ powers[n - 1 - k]
    return out


# -- norms ------------------------------------------------------------------------------------

def _share(values, target, axis):
    """Equal shares of 1 among the entries of ``values`` equal to ``target`` (ties)."""
    hit = values == target
    return hit / np.sum(hit, axis=axis, keepdims=True, dtype=float_dtype(values))


def _vector_norm_adjoint(g, ans, x, ord, axes):
    """``g`` and ``ans`` already expanded to ``x``'s shape; ``axes`` the reduced axes."""
    if ord is None or ord == 2:
        return g * x / np.where(ans == 0, 1, ans)
    if ord in (np.inf, -np.inf):
        return g * np.sign(x) * _share(np.abs(x), ans, axes)
    if ord == 0:
        return g * np.zeros_like(x)
    ratio = np.abs(x) / np.where(ans == 0, 1, ans)
    return g * np.sign(x) * ratio ** (ord - 1)


def _matrix_norm_adjoint(g, ans, x, ord):
    """Matrix norm over the last two axes; ``g`` and ``ans`` have shape (..., 1, 1)."""
    if ord in (None, "fro"):
        return g * x / np.where(ans == 0, 1, ans)
    if ord in ("nuc", 2, -2):
        u, _, vh = np.linalg.svd(x, full_matrices=False)
        if ord == "nuc":
            return g * (u @ vh)
        i = 0 if ord == 2 else -1
        return g * (u[..., :, i, None] * vh[..., None, i, :])
    if ord in (1, -1):
        sums = np.sum(np.abs(x), axis=-2, keepdims=True)
        return g * np.sign(x) * _share(sums, ans, -1)
    if ord in (np.inf, -np.inf):
        sums = np.sum(np.abs(x), axis=-1, keepdims=True)
        return g * np.sign(x) * _share(sums, ans, -2)
    raise ValueError(f"invalid norm order {ord!r} for matrices")


def norm_adjoint(g, ans, x, ord=None, axis=None, keepdims=False):
    """Adjoint of ``np.linalg.norm`` for every ``ord`` and ``axis`` numpy accepts.

    The gradient of a 2-norm at the zero vector is taken as 0 (a subgradient); ties of
    ``inf``/``1`` norms share the gradient equally.
    """
    x = np.asarray(x)
    if axis is None:
        axes = tuple(range(x.ndim)) if ord is None or x.ndim == 1 else (0, 1)
        matrix = ord is not None and x.ndim == 2
    else:
        axes = _axes(axis, x.ndim)
        matrix = len(axes) == 2
    g_full = np.asarray(g)
    ans_full = np.asarray(ans)
    if not keepdims:
        g_full = np.expand_dims(g_full, axes)
        ans_full = np.expand_dims(ans_full, axes)
    if not matrix:
        g_full = np.broadcast_to(g_full, x.shape)
        return _vector_norm_adjoint(g_full, np.broadcast_to(ans_full, x.shape), x, ord, axes)
    axis = tuple(axis) if axis is not None else (0, 1)
    moved = np.moveaxis(x, axis, (-2, -1))
    out = _matrix_norm_adjoint(np.moveaxis(g_full, axis, (-2, -1)),
                               np.moveaxis(ans_full, axis, (-2, -1)), moved, ord)
    return np.moveaxis(out, (-2, -1), axis)


def vector_norm_adjoint(g, ans, x, axis=None, keepdims=False, ord=2):
    """Adjoint of ``np.linalg.vector_norm`` (any axes, flattening when ``axis`` is None)."""
    x = np.asarray(x)
    axes = _axes(axis, x.ndim)
    g_full = expand_to(g, x, None if axis is None else axes, keepdims)
    ans_full = expand_to(ans, x, None if axis is None else axes, keepdims)
    return _vector_norm_adjoint(g_full, ans_full, x, ord, axes)


def matrix_norm_adjoint(g, ans, x, keepdims=False, ord="fro"):
    """Adjoint of ``np.linalg.matrix_norm`` (over the last two axes)."""
    return norm_adjoint(g, ans, x, ord, (-2, -1), keepdims)


def multi_dot_adjoint(g, arrays):
    """Adjoints of ``np.linalg.multi_dot(arrays)`` (a list; a 1-D first/last array is a vector)."""
    mats = [np.asarray(x) for x in arrays]
    first_vec, last_vec = mats[0].ndim == 1, mats[-1].ndim == 1
    if first_vec:
        mats[0] = mats[0][None, :]
    if last_vec:
        mats[-1] = mats[-1][:, None]
    g = np.reshape(g, (mats[0].shape[0], mats[-1].shape[1]))
    left = [np.eye(mats[0].shape[0], dtype=g.dtype)]
    for m in mats[:-1]:
        left.append(left[-1] @ m)
    right = [np.eye(mats[-1].shape[1], dtype=g.dtype)]
    for m in mats[:0:-1]:
        right.append(m @ right[-1])
    right = right[::-1]
    return [np.reshape(left[i].T @ g @ right[i].T, np.shape(x)) for i, x in enumerate(arrays)]
