"""The few special functions the forecaster needs, without SciPy.

`import scipy.special` costs a third of a second of CPU (its array-API layer parses docstrings
at import), more than a whole forecast: a `loket forecast predict` and the planning page's first
load paid it every time (Erlang C is now its own recursion, in erlang.py). These are the
textbook algorithms, checked against SciPy in tests/unit/planning/test_special.py.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]



def _lgamma_or_inf(value: float) -> float:
    try:
        return math.lgamma(value)
    except ValueError:  # the poles 0, -1, -2, ...
        return math.inf


_lgamma = np.frompyfunc(_lgamma_or_inf, 1, 1)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def gammaln(x: FloatArray | float) -> FloatArray:
    """log Gamma(x) elementwise, for the positive arguments the likelihoods have.

    Stirling's series from 7 on (relative error under 1e-12), the recurrence below it; anything
    not positive goes through math.lgamma. A fit evaluates this on every row many times, where
    one Python call per value was a quarter of the planning page's first load.
    """
    x = np.asarray(x, dtype=float)
    if x.size and not np.all(x > 0):
        return np.asarray(_lgamma(x), dtype=float)
    if x.ndim == 0:
        return gammaln(x.reshape(1)).reshape(())
    shift = np.where(x < 7.0, 7.0, 0.0)
    z = x + shift
    inv = 1.0 / z
    inv2 = inv * inv
    series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))))
    out = (z - 0.5) * np.log(z) - z + _HALF_LOG_2PI + series
    small = shift > 0
    if np.any(small):
        xs = x[small]
        product = xs * (xs + 1) * (xs + 2) * (xs + 3) * (xs + 4) * (xs + 5) * (xs + 6)
        out[small] -= np.log(product)
    return out


def norm_ppf(p: float) -> float:
    """The standard normal quantile."""
    return NormalDist().inv_cdf(p)


def gamma_p(a: FloatArray, x: FloatArray) -> FloatArray:
    """Regularised lower incomplete gamma P(a, x), for a > 0 and x >= 0 (a up to a few hundred).

    The series below x = a + 1 and the continued fraction (modified Lentz) above, as in
    Numerical Recipes 6.2; both converge within a few hundred terms in that range.
    """
    a, x = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(x, dtype=float))
    out = np.zeros(a.shape)
    positive = x > 0
    log_front = np.where(positive, a * np.log(np.where(positive, x, 1.0)) - x - gammaln(a), -np.inf)
    series = positive & (x < a + 1)
    if series.any():
        aa, xx = a[series], x[series]
        term = 1.0 / aa
        total = term.copy()
        denominator = aa.copy()
        for _ in range(1000):
            denominator = denominator + 1
            term = term * xx / denominator
            total = total + term
            if np.all(np.abs(term) < np.abs(total) * 1e-15):
                break
        out[series] = np.exp(log_front[series]) * total
    fraction = positive & ~series
    if fraction.any():
        aa, xx = a[fraction], x[fraction]
        tiny = 1e-300
        b = xx + 1 - aa
        c = np.full(aa.shape, 1 / tiny)
        d = 1 / b
        h = d.copy()
        for i in range(1, 1000):
            an = -i * (i - aa)
            b = b + 2
            d = an * d + b
            d = np.where(np.abs(d) < tiny, tiny, d)
            c = b + an / c
            c = np.where(np.abs(c) < tiny, tiny, c)
            d = 1 / d
            step = d * c
            h = h * step
            if np.all(np.abs(step - 1) < 1e-15):
                break
        out[fraction] = 1 - np.exp(log_front[fraction]) * h
    return np.clip(out, 0.0, 1.0)


def gamma_ppf(a: FloatArray, q: float) -> FloatArray:
    """The q-quantile of a Gamma(a, 1) (SciPy's gammaincinv(a, q)), for 0 < q < 1.

    Above a shape of 100 the Wilson-Hilferty cube (relative error under 1e-4 there); below it,
    that start (or x^a / Gamma(a + 1) = q for small shapes) refined by safeguarded Newton steps
    on P(a, x) = q.
    """
    a = np.asarray(a, dtype=float)
    z = norm_ppf(q)
    cube = 1 - 1 / (9 * a) + z * np.sqrt(1 / (9 * a))
    x = a * np.maximum(cube, 1e-3) ** 3
    small = a < 1
    # Tiny shapes put the quantile below the smallest double: start (and end) there, not at 0.
    x = np.maximum(np.where(small, np.exp((math.log(q) + gammaln(a + 1)) / a), x), 1e-300)
    refine = a <= 100
    if not refine.any():
        return x
    aa, xx = a[refine], x[refine]
    low, high = np.zeros(aa.shape), np.full(aa.shape, np.inf)
    for _ in range(100):
        error = gamma_p(aa, xx) - q
        low = np.where(error < 0, xx, low)
        high = np.where(error >= 0, xx, high)
        log_pdf = (aa - 1) * np.log(xx) - xx - gammaln(aa)
        step = error * np.exp(-np.clip(log_pdf, -700.0, 700.0))
        nxt = xx - step
        # Converged, or the quantile is below the smallest double (a shape under about 0.005).
        done = (np.abs(step) <= 1e-10 * xx) | ((xx <= 1e-300) & (error >= 0))
        # Newton leaves the bracket only far from the root: bisect (or double) there instead.
        outside = (nxt <= low) | (nxt >= high)
        bisected = np.where(np.isfinite(high), (low + high) / 2, xx * 2)
        xx = np.maximum(np.where(outside & ~done, bisected, nxt), 1e-300)
        if np.all(done):
            break
    x = x.copy()
    x[refine] = xx
    return np.nan_to_num(x, nan=0.0)


def nb_cdf_table(size: FloatArray, prob: FloatArray, top: int) -> FloatArray:
    """P(X <= k) for k = 0..top, one row per (size, prob), X negative binomial (NB2).

    pmf(k) = Gamma(k + size) / (Gamma(size) k!) prob^size (1 - prob)^k, summed in order; the
    logs keep tiny probabilities and huge sizes finite.
    """
    ks = np.arange(top + 1, dtype=float)
    size = np.asarray(size, dtype=float)[:, None]
    prob = np.asarray(prob, dtype=float)[:, None]
    log_pmf = (
        gammaln(ks[None, :] + size)
        - gammaln(size)
        - gammaln(ks + 1)[None, :]
        + size * np.log(prob)
        + ks[None, :] * np.log1p(-np.minimum(prob, 1 - 1e-300))
    )
    return np.cumsum(np.exp(log_pmf), axis=1)

