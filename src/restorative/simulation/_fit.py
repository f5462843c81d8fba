"""Maximum-likelihood fits of a step's durations, one per distribution a scenario supports.

Closed forms where they exist (exponential, lognormal, uniform); the triangular fit is
numeric: for given ends the most likely mode is one of the observations (Oliver 1972),
so the mode is profiled out over them and the ends are found by Nelder-Mead (SciPy).
Each fit reports its log-likelihood and AIC; the step takes the candidate with the
lowest AIC. A sample without spread is a ``fixed`` duration, whose likelihood is not a
density: it is taken outright, and no other shape is fitted.

NumPy and SciPy are imported here only, when a fit runs (the ``calibrate`` extra).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from attrs import frozen

from ..errors import MissingExtra

SHAPES = ("fixed", "uniform", "triangular", "exponential", "lognormal")
"""The distributions a scenario's durations take, and so the candidates of a fit."""

_PARAMETERS = {"fixed": 1, "uniform": 2, "triangular": 3, "exponential": 1, "lognormal": 2}
_SPREAD = 1e-6
"""Days: a sample whose values all lie within this of each other has no spread (timestamps
carry microseconds, so a fixed step measures the same to about 1e-10 days)."""
_Z95 = 1.959963984540054
_MAX_SIGMA = 3.0
_MAX_DAYS = 3650.0


@frozen(kw_only=True)
class Parameter:
    """One fitted value, with its uncertainty.

    Args:
        key: the dotted scenario key, e.g. ``behaviour.consent`` or ``durations.wait.median``.
        value: the estimate (as written to the scenario).
        se: its standard error, or ``None`` where no regular one exists (the ends of a
            uniform or triangular distribution, whose support moves with them).
        low: the lower end of its 95 % interval (``None`` when not known).
        high: the upper end.
        n: the sample it was estimated from: cases, choices or durations.
        method: how it was estimated, in words.
    """

    key: str
    value: float
    se: float | None
    low: float | None
    high: float | None
    n: int
    method: str


@frozen(kw_only=True)
class Candidate:
    """One distribution fitted to a step's durations.

    Args:
        dist: the shape's name (``lognormal``, ...).
        params: its maximum-likelihood parameters, as a `Distribution` takes them.
        log_likelihood: the log-likelihood at those parameters (``None`` for ``fixed``,
            and for a shape that cannot hold the sample, such as a lognormal with zeros).
        aic: Akaike's information criterion, ``2 k - 2 log L`` (``None`` likewise).
    """

    dist: str
    params: tuple[tuple[str, float], ...]
    log_likelihood: float | None
    aic: float | None


def _numpy() -> Any:
    try:
        import numpy  # noqa: PLC0415 - only calibration needs it
        import scipy  # noqa: F401, PLC0415
    except ImportError:
        raise MissingExtra("calibration", "scipy", "calibrate") from None
    return numpy


def _interval(key: str, value: float, se: float, *, n: int, method: str) -> Parameter:
    return Parameter(
        key=key,
        value=value,
        se=se,
        low=max(0.0, value - _Z95 * se),
        high=value + _Z95 * se,
        n=n,
        method=method,
    )


def fit(samples: Sequence[float], shapes: Sequence[str]) -> tuple[tuple[Candidate, ...], str | None]:
    """Fit each of `shapes` to the durations `samples` (days): the candidates, and the chosen shape.

    A sample without spread gives one ``fixed`` candidate (if ``fixed`` is among `shapes`);
    fewer than two durations give none.
    """
    n = len(samples)
    if n == 0:
        return (), None
    low, high = min(samples), max(samples)
    if high - low <= _SPREAD:
        if "fixed" in shapes:
            return (
                Candidate(
                    dist="fixed", params=(("value", _days(sorted(samples)[n // 2])),), log_likelihood=None, aic=None
                ),
            ), "fixed"
        return (), None
    if n < 2:
        return (), None
    np = _numpy()
    x = np.asarray(samples, dtype=float)
    found: list[Candidate] = []
    for shape in shapes:
        if shape == "fixed":
            continue
        made = _FITS[shape](np, x)
        if made is None:
            found.append(Candidate(dist=shape, params=(), log_likelihood=None, aic=None))
            continue
        params, loglik = made
        found.append(
            Candidate(dist=shape, params=params, log_likelihood=loglik, aic=2 * _PARAMETERS[shape] - 2 * loglik)
        )
    usable = [c for c in found if c.aic is not None and math.isfinite(c.aic)]
    chosen = min(usable, key=lambda c: c.aic if c.aic is not None else math.inf).dist if usable else None
    return tuple(found), chosen


def _days(value: float) -> float:
    """A parameter in days as a scenario holds it: non-negative, at most ten years, 6 significant digits."""
    return _round(min(max(value, 0.0), _MAX_DAYS))


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def _exponential(np: Any, x: Any) -> tuple[tuple[tuple[str, float], ...], float] | None:
    mean = float(x.mean())
    if mean <= 0:
        return None
    return (("mean", _days(mean)),), -len(x) * (math.log(mean) + 1.0)


def _lognormal(np: Any, x: Any) -> tuple[tuple[tuple[str, float], ...], float] | None:
    if float(x.min()) <= 0:
        return None
    logs = np.log(x)
    mu = float(logs.mean())
    sigma = float(np.sqrt(((logs - mu) ** 2).mean()))
    if sigma <= 0:
        return None
    n = len(x)
    loglik = -float(logs.sum()) - n * math.log(sigma) - n / 2 * math.log(2 * math.pi) - n / 2
    return (("median", _days(math.exp(mu))), ("sigma", _round(min(sigma, _MAX_SIGMA)))), loglik


def _uniform(np: Any, x: Any) -> tuple[tuple[tuple[str, float], ...], float] | None:
    low, high = float(x.min()), float(x.max())
    if high <= low:
        return None
    return (("low", _days(low)), ("high", _days(high))), -len(x) * math.log(high - low)


def _triangular_loglik(np: Any, xs: Any, a: float, b: float) -> tuple[float, float]:
    """The log-likelihood of sorted `xs` under triangular(a, c, b) at the best mode c among the
    observations, and that mode: O(n) by cumulative sums of log(x - a) and log(b - x)."""
    with np.errstate(divide="ignore", invalid="ignore"):  # an end on an observation: -inf, never chosen
        return _triangular_loglik_of(np, xs, a, b)


def _triangular_loglik_of(np: Any, xs: Any, a: float, b: float) -> tuple[float, float]:
    n = len(xs)
    left = np.concatenate(([0.0], np.cumsum(np.log(xs - a))))  # sum over the first k points
    right = np.concatenate((np.cumsum(np.log(b - xs)[::-1])[::-1], [0.0]))  # sum over the points from k on
    k = np.arange(n)  # c = xs[k]: points 0..k-1 lie below c; k..n-1 at or above (xs[k] itself in either formula)
    ll = left[k] - k * np.log(xs - a) + right[k] - (n - k) * np.log(b - xs)
    ll = np.where(np.isfinite(ll), ll, -np.inf)
    best = int(np.argmax(ll))
    return float(ll[best]) + n * math.log(2.0 / (b - a)), float(xs[best])


def _triangular(np: Any, x: Any) -> tuple[tuple[tuple[str, float], ...], float] | None:
    from scipy.optimize import minimize  # noqa: PLC0415

    xs = np.sort(x)
    lo, hi, n = float(xs[0]), float(xs[-1]), len(xs)
    if lo <= 0:  # the low end would have to be 0, where the density is 0: no triangle holds the sample
        return None
    span = hi - lo

    def ends(u: Any) -> tuple[float, float]:
        # the low end in (0, lo), as a duration is never negative; the high end above hi
        first, second = (min(max(float(v), -50.0), 50.0) for v in u)
        return lo / (1.0 + math.exp(first)), hi + span * math.exp(second)

    def objective(u: Any) -> float:
        a, b = ends(u)
        ll, _ = _triangular_loglik(np, xs, a, b)
        return -ll if math.isfinite(ll) else math.inf

    a0 = lo - span / n
    start = [math.log(lo / a0 - 1.0) if a0 > 0 else 0.0, math.log(1.0 / n)]
    result = minimize(objective, start, method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": 2000})
    a, b = ends(result.x)
    ll, mode = _triangular_loglik(np, xs, a, b)
    if not math.isfinite(ll):
        return None
    return (("low", _days(a)), ("mode", _days(mode)), ("high", _days(b))), ll


_FITS = {
    "uniform": _uniform,
    "triangular": _triangular,
    "exponential": _exponential,
    "lognormal": _lognormal,
}


def standard_errors(
    key: str, dist: str, params: tuple[tuple[str, float], ...], samples: Sequence[float]
) -> list[Parameter]:
    """Each parameter of the chosen fit with its standard error and 95 % interval.

    Exponential and lognormal have regular ones from the Fisher information (the median's
    by the delta method: ``median * sigma / sqrt(n)``); the ends of a uniform or
    triangular distribution, and a fixed value, have none.
    """
    n = len(samples)
    p = dict(params)
    closed = "maximum likelihood (closed form)"
    if dist == "exponential":
        return [_interval(f"{key}.mean", p["mean"], p["mean"] / math.sqrt(n), n=n, method=closed)]
    if dist == "lognormal":
        sigma = p["sigma"]
        return [
            _interval(f"{key}.median", p["median"], p["median"] * sigma / math.sqrt(n), n=n, method=closed),
            _interval(f"{key}.sigma", sigma, sigma / math.sqrt(2 * n), n=n, method=closed),
        ]
    method = {
        "fixed": "no spread in the log: a fixed duration",
        "uniform": "maximum likelihood (the sample's extremes); no regular standard error",
        "triangular": "maximum likelihood (numeric); no regular standard error",
    }[dist]
    return [
        Parameter(key=f"{key}.{name}", value=v, se=None, low=None, high=None, n=n, method=method) for name, v in params
    ]


def proportion(key: str, count: int, n: int) -> Parameter:
    """A share ``count / n`` with its binomial standard error and 95 % Wilson interval."""
    from ._kpis import wilson  # noqa: PLC0415 - the KPIs' interval, so reports agree

    share = count / n
    low, high = wilson(count, n)
    return Parameter(
        key=key,
        value=_round(share),
        se=math.sqrt(share * (1 - share) / n),
        low=low,
        high=high,
        n=n,
        method="share of those who had the chance (Wilson interval)",
    )


def weekly_rate(exposures: Sequence[tuple[float, bool]]) -> tuple[float, float] | None:
    """The weekly chance ``w`` of a withdrawal, by maximum likelihood, and its standard error.

    Each exposure is ``(weeks, withdrew)``: a step that lasted `weeks` in a stage that waits
    for the meeting, and whether a withdrawal followed it. The simulator withdraws with
    chance ``1 - (1 - w) ** weeks``, a constant hazard ``h = -log(1 - w)`` per week, so the
    log-likelihood is ``sum(y log(1 - exp(-h t)) - (1 - y) h t)``; it is concave in ``h``,
    solved by bisection on its derivative, and the standard error comes from its curvature.
    """
    shown = [(t, y) for t, y in exposures if t > 0]
    if not any(y for _, y in shown):
        total = sum(t for t, _ in shown)
        return (0.0, 0.0) if total > 0 else None

    def slope(h: float) -> float:
        total = 0.0
        for t, y in shown:
            if y:
                total += t / math.expm1(h * t)
            else:
                total -= t
        return total

    low, high = 1e-12, 1.0
    while slope(high) > 0 and high < 1e6:
        high *= 2
    for _ in range(200):
        mid = (low + high) / 2
        if slope(mid) > 0:
            low = mid
        else:
            high = mid
    h = (low + high) / 2
    information = sum(t * t * math.exp(h * t) / math.expm1(h * t) ** 2 for t, y in shown if y)
    se_h = 1 / math.sqrt(information) if information > 0 else 0.0
    w = -math.expm1(-h)
    return w, math.exp(-h) * se_h  # dw/dh = exp(-h)


def minor_share(seen: Sequence[tuple[bool, float]]) -> tuple[float, float] | None:
    """The share of cases with a minor, by maximum likelihood, and its standard error, from cases
    whose log does not say who is a minor.

    A minor shows only when their own consent comes (their guardian's follows it), and a
    case may end before every party has consented. Each case is ``(found, r)``: a minor
    was found (likelihood ``m`` up to a constant), or none was among the places a minor
    could take that the log shows, a share ``r`` of them (likelihood ``1 - m r``). The
    score ``F / m - sum(r / (1 - m r))`` falls in ``m``: solved by bisection.
    """
    found = sum(1 for f, _ in seen if f)
    free = [r for f, r in seen if not f and r > 0]
    if found == 0 and not free:
        return None
    if found == 0:
        return 0.0, 0.0

    def score(m: float) -> float:
        return found / m - sum(r / (1 - m * r) for r in free)

    low, high = 1e-12, 1.0 - 1e-12
    if score(high) > 0:
        return 1.0, 0.0
    for _ in range(200):
        mid = (low + high) / 2
        if score(mid) > 0:
            low = mid
        else:
            high = mid
    m = (low + high) / 2
    information = found / (m * m) + sum(r * r / (1 - m * r) ** 2 for r in free)
    return m, 1 / math.sqrt(information)


def distance(observed: Sequence[float], simulated: Sequence[float]) -> float | None:
    """The earth mover's (Wasserstein-1) distance between two samples, in their unit (SciPy)."""
    if not observed or not simulated:
        return None
    _numpy()
    from scipy.stats import wasserstein_distance  # noqa: PLC0415

    return float(wasserstein_distance(observed, simulated))
