"""loket.planning.special against SciPy (installed with statsmodels; the package no longer imports it)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from loket.planning.special import gamma_p, gamma_ppf, gammaln, nb_cdf_table, norm_ppf

SHAPES = np.array([0.02, 0.1, 0.5, 0.9, 1.0, 1.5, 3.0, 10.0, 45.0, 100.0, 101.0, 999.0, 5e3, 2e4, 1e6, 1e9])


def test_log_gamma_and_the_normal_quantile() -> None:
    x = np.linspace(0.01, 500.0, 300)
    assert np.allclose(gammaln(x), special.gammaln(x), rtol=1e-12, atol=1e-12)
    assert gammaln(np.array([0.0, -1.0])).tolist() == [math.inf, math.inf]  # the poles, as SciPy
    for p in (0.001, 0.1, 0.5, 0.9, 0.975):
        assert math.isclose(norm_ppf(p), float(special.ndtri(p)), rel_tol=1e-12)


def test_the_incomplete_gamma() -> None:
    a = np.repeat(np.array([0.02, 0.5, 1.0, 4.0, 45.0, 150.0]), 6)
    x = a * np.tile(np.array([0.01, 0.5, 0.9, 1.0, 1.5, 4.0]), 6)
    assert np.allclose(gamma_p(a, x), special.gammainc(a, x), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("q", [0.01, 0.1, 0.5, 0.9, 0.99])
def test_gamma_quantiles(q: float) -> None:
    mine = gamma_ppf(SHAPES, q)
    exact = special.gammaincinv(SHAPES, q)
    assert np.isfinite(mine).all()
    assert np.allclose(mine, exact, rtol=1e-4, atol=0)  # Wilson-Hilferty above a shape of 100


def test_negative_binomial_sums() -> None:
    size = np.array([1e4, 20.0, 2.0, 0.2, 0.02])
    prob = size / (size + np.array([7.5, 12.0, 3.0, 29.9, 0.5]))
    ks = np.arange(301)
    exact = special.betainc(size[:, None], ks[None, :] + 1, prob[:, None])
    assert np.allclose(nb_cdf_table(size, prob, 300), exact, rtol=1e-10, atol=1e-12)
