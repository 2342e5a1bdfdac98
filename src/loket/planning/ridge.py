"""A negative-binomial regression with a Gaussian prior on its coefficients (penalised IRLS).

Why not an unpenalised GLM: with a few months of history, twenty Fourier columns, a trend and
holiday columns are barely identified, and the maximum-likelihood fit happily puts the log mean
in the millions on days it has not seen. A zero-mean Gaussian prior (a ridge penalty, as
Prophet's priors) keeps every coefficient near zero until the data pull it away, and the
Laplace approximation of the marginal likelihood ("evidence") compares models with different
columns or prior scales on the data alone (empirical Bayes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from loket.planning.special import gammaln

FloatArray = npt.NDArray[np.float64]

# The log mean is kept in this range while fitting: exp(30) is far above any count.
ETA_LIMIT = 30.0


class FitFailed(ValueError):
    """The penalised fit did not converge to finite values."""


@dataclass(frozen=True)
class RidgeFit:
    """Posterior mode, its covariance, the dispersion and the log evidence of one model."""

    params: FloatArray
    cov: FloatArray
    alpha: float
    evidence: float
    mu: FloatArray


def nb_loglik(y: FloatArray, mu: FloatArray, alpha: float) -> float:
    """Log-likelihood of counts under NB2 (variance mu + alpha mu^2); Poisson when alpha is 0."""
    mu = np.maximum(mu, 1e-12)
    if alpha <= 1e-10:
        return float(np.sum(y * np.log(mu) - mu - gammaln(y + 1)))
    size = 1.0 / alpha
    return float(
        np.sum(
            gammaln(y + size)
            - gammaln(size)
            - gammaln(y + 1)
            + size * np.log(size / (size + mu))
            + y * np.log(mu / (size + mu))
        )
    )


def penalised_fit(
    x: FloatArray,
    y: FloatArray,
    precision: FloatArray,
    alpha: float,
    *,
    start: FloatArray | None = None,
    max_iter: int = 60,
) -> RidgeFit:
    """Posterior mode of log-linear NB2 coefficients under N(0, 1/precision) priors.

    A precision of 0 leaves a coefficient free (the intercept). Step halving keeps every
    iteration from lowering the penalised likelihood, so a bad start cannot run away; `start`
    (a neighbouring model's mode) saves most of the iterations.
    """
    p = x.shape[1]
    if start is not None and start.shape == (p,) and np.all(np.isfinite(start)):
        beta = start.astype(float).copy()
    else:
        beta = np.zeros(p)
        beta[0] = math.log(float(np.mean(y)) + 0.5)
    penalty = np.diag(precision)

    def objective(b: FloatArray) -> float:
        eta = np.clip(x @ b, -ETA_LIMIT, ETA_LIMIT)
        return nb_loglik(y, np.exp(eta), alpha) - 0.5 * float(b @ (precision * b))

    current = objective(beta)
    converged = False
    for _ in range(max_iter):
        eta = np.clip(x @ beta, -ETA_LIMIT, ETA_LIMIT)
        mu = np.exp(eta)
        weight = mu / (1.0 + alpha * mu)
        z = eta + (y - mu) / mu
        hessian = (x.T * weight) @ x + penalty
        try:
            proposal = np.linalg.solve(hessian + 1e-9 * np.eye(p), x.T @ (weight * z))
        except np.linalg.LinAlgError as exc:
            raise FitFailed("singular system") from exc
        step = proposal - beta
        for _ in range(30):
            candidate = beta + step
            value = objective(candidate)
            if np.isfinite(value) and value >= current - 1e-9:
                break
            step = step / 2
        else:
            break
        moved = float(np.max(np.abs(candidate - beta)))
        beta, current = candidate, value
        if moved < 1e-6:
            converged = True
            break
    if not converged or not np.all(np.isfinite(beta)):
        raise FitFailed("the penalised fit did not converge")
    eta = np.clip(x @ beta, -ETA_LIMIT, ETA_LIMIT)
    mu = np.exp(eta)
    weight = mu / (1.0 + alpha * mu)
    hessian = x.T @ (x * weight[:, None]) + penalty + 1e-9 * np.eye(p)
    sign, logdet = np.linalg.slogdet(hessian)
    if sign <= 0:
        raise FitFailed("the posterior is not proper")
    cov = np.linalg.inv(hessian)
    prior = precision[precision > 0]
    # Laplace: log p(y | mode) + log prior(mode) + (p/2) log 2 pi - (1/2) log |H|; the 2 pi of
    # the penalised columns cancel with the prior's, the free intercept's is the same everywhere.
    evidence = current + 0.5 * float(np.sum(np.log(prior))) - 0.5 * logdet
    if not math.isfinite(evidence):
        raise FitFailed("the evidence is not finite")
    return RidgeFit(beta, cov, alpha, evidence, mu)


def moment_alpha(y: FloatArray, mu: FloatArray) -> float:
    """NB2 dispersion from the Poisson fit's residuals (method of moments), kept in a sane range."""
    mu = np.maximum(mu, 1e-9)
    raw = float(np.mean(((y - mu) ** 2 - y) / mu**2))
    return float(min(max(raw, 1e-4), 5.0)) if math.isfinite(raw) else 1e-4


def fit_nb(x: FloatArray, y: FloatArray, precision: FloatArray) -> RidgeFit:
    """Poisson fit for the dispersion, then the NB2 fit with it."""
    poisson = penalised_fit(x, y, precision, 0.0)
    return penalised_fit(x, y, precision, moment_alpha(y, poisson.mu))
