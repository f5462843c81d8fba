"""The scenario: what a simulation study varies, as a frozen value read from TOML.

Every probability is checked to lie in 0..1, every duration to be non-negative, and every
key to be known; a bad value raises `ScenarioError` naming the dotted key.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from attrs import field, frozen

from .._policy import Continuation, Policy
from ..errors import InvalidInput, ScenarioError

if TYPE_CHECKING:
    from ._resources import Resources

STAGES_WITH_WITHDRAWAL = ("referred", "consent", "preparation", "meeting", "agreement", "cooling_off", "follow_up")
"""The active stages, in order; `Behaviour.withdrawal` has one probability for each."""

_MAX_DAYS = 3650.0
"""The longest duration parameter a scenario may give: ten years."""


def _utc(value: Any) -> Any:
    """A zoned start in UTC, so that the logs' timestamps do not depend on how it was written."""
    return value.astimezone(UTC) if isinstance(value, datetime) and value.tzinfo is not None else value


def _full_withdrawal(given: Any) -> tuple[tuple[str, float], ...]:
    """Every stage of `STAGES_WITH_WITHDRAWAL`, in order; a stage left out has no withdrawal."""
    try:
        table = dict(given)
    except (TypeError, ValueError):
        raise InvalidInput(
            f"withdrawal must map stages to chances, such as {{'consent': 0.02}}, got {type(given).__name__}",
            field="withdrawal",
        ) from None
    return tuple((stage, table.get(stage, 0.0)) for stage in STAGES_WITH_WITHDRAWAL) + tuple(
        (k, v) for k, v in table.items() if k not in STAGES_WITH_WITHDRAWAL
    )


@frozen(kw_only=True, weakref_slot=False)
class Distribution:
    """A duration in days, drawn from a named distribution with named parameters.

    Shapes and their parameters: ``fixed`` (value), ``uniform`` (low, high),
    ``triangular`` (low, mode, high), ``exponential`` (mean), ``lognormal`` (median,
    sigma: the median in days and the standard deviation of the logarithm).
    """

    dist: str
    params: tuple[tuple[str, float], ...]
    _plan: tuple[int, float, float, float] | None = field(init=False, eq=False, repr=False)
    """How `sample` draws, worked out once from `dist` and `params`: ``(shape, numbers...)``,
    or ``None`` for parameters the reader would refuse (then `sample` draws the long way)."""

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_plan", _plan_of(self.dist, self.params))

    @staticmethod
    def of(dist: str, **params: float) -> Distribution:
        """Build and check a distribution, e.g. ``Distribution.of("lognormal", median=3, sigma=0.5)``."""
        from ._reading import distribution  # noqa: PLC0415 - see Scenario.__attrs_post_init__

        return distribution("duration", {"dist": dist, **params})

    def param(self, name: str) -> float:
        """The value of one parameter."""
        return dict(self.params)[name]

    def sample(self, rng: random.Random) -> float:
        """Draw one duration in days; a draw of the unbounded shapes is cut at ten years.

        The draws are those of `random.Random.lognormvariate`, `expovariate` and `uniform`,
        written out here with their parameters worked out once: the same numbers from the
        same stream, without a dictionary and two calls per draw.
        """
        plan = self._plan
        if plan is None:
            return min(self._draw(rng), _MAX_DAYS)
        shape, a, b, c = plan
        if shape == _LOGNORMAL:  # a: the log of the median, b: sigma (random.normalvariate, then exp)
            draw = rng.random
            while True:
                u1 = draw()
                u2 = 1.0 - draw()
                z = _NV_MAGICCONST * (u1 - 0.5) / u2
                if z * z / 4.0 <= -_log(u2):
                    break
            return min(_exp(a + z * b), _MAX_DAYS)
        if shape == _FIXED:
            return min(a, _MAX_DAYS)
        if shape == _UNIFORM:  # a: low, b: high
            return min(a + (b - a) * rng.random(), _MAX_DAYS)
        if shape == _EXPONENTIAL:  # a: the rate
            return min(-_log(1.0 - rng.random()) / a, _MAX_DAYS)
        if shape == _TRIANGULAR:  # a: low, b: high, c: mode
            return min(rng.triangular(a, b, c), _MAX_DAYS)
        return min(a, _MAX_DAYS)  # a shape whose draw is always the same (a median or mean of 0)

    def _draw(self, rng: random.Random) -> float:
        """A draw the long way, straight from the parameters (what `sample` does faster)."""
        p = dict(self.params)
        if self.dist == "fixed":
            return p["value"]
        if self.dist == "uniform":
            return rng.uniform(p["low"], p["high"])
        if self.dist == "triangular":
            return rng.triangular(p["low"], p["high"], p["mode"])
        if self.dist == "exponential":
            return rng.expovariate(1.0 / p["mean"]) if p["mean"] > 0 else 0.0
        return rng.lognormvariate(math.log(p["median"]), p["sigma"]) if p["median"] > 0 else 0.0

    def mean(self) -> float:
        """The distribution's mean in days."""
        p = dict(self.params)
        if self.dist == "fixed":
            return p["value"]
        if self.dist == "uniform":
            return (p["low"] + p["high"]) / 2
        if self.dist == "triangular":
            return (p["low"] + p["mode"] + p["high"]) / 3
        if self.dist == "exponential":
            return p["mean"]
        return p["median"] * math.exp(p["sigma"] ** 2 / 2)

    def to_data(self) -> dict[str, Any]:
        """The TOML/JSON form: ``{"dist": ..., parameter: value, ...}``."""
        return {"dist": self.dist, **dict(self.params)}


_FIXED, _UNIFORM, _TRIANGULAR, _EXPONENTIAL, _LOGNORMAL = range(5)
_NV_MAGICCONST = 4 * math.exp(-0.5) / math.sqrt(2.0)
"""The constant of `random.normalvariate` (Kinderman and Monahan), computed the same way."""
_exp = math.exp
_log = math.log


def _plan_of(dist: str, params: tuple[tuple[str, float], ...]) -> tuple[int, float, float, float] | None:
    """What `Distribution.sample` needs of a shape's parameters, or ``None`` if they are not all there."""
    try:
        p = dict(params)
        if dist == "fixed":
            return (_FIXED, p["value"], 0.0, 0.0)
        if dist == "uniform":
            return (_UNIFORM, p["low"], p["high"], 0.0)
        if dist == "triangular":
            return (_TRIANGULAR, p["low"], p["high"], p["mode"])
        if dist == "exponential":
            return (_EXPONENTIAL, 1.0 / p["mean"], 0.0, 0.0) if p["mean"] > 0 else (_FIXED, 0.0, 0.0, 0.0)
        if dist == "lognormal":
            median = p["median"]
            return (_LOGNORMAL, math.log(median), p["sigma"], 0.0) if median > 0 else (_FIXED, 0.0, 0.0, 0.0)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    return None


def _fixed(days: float) -> Distribution:
    return Distribution(dist="fixed", params=(("value", days),))


def _lognormal(median: float, sigma: float) -> Distribution:
    return Distribution(dist="lognormal", params=(("median", median), ("sigma", sigma)))


@frozen(kw_only=True, weakref_slot=False)
class Mix:
    """Who and what comes in: the case mix.

    Args:
        criminal: share of criminal cases; the rest are civil.
        criminal_sources: shares of the referring authority in criminal cases.
        civil_sources: shares of the referrer in civil cases.
        parties: shares of cases by number of parties (2 to 4).
        minors: share of cases with a minor party (the responsible party in a criminal case).
        criminal_minor_ages: (youngest, oldest) age of a minor in a criminal case, both
            inclusive (15 is the age of criminal responsibility in Norway).
        civil_minor_ages: the same for a minor in a civil case.
        admission_at_referral: share of criminal referrals that arrive with the admission
            of facts recorded; for the rest staff record it during consent.
        support: share of parties who bring a support person.
        interpreter: share of cases that need an interpreter.
        guardian_attends: share of minors whose guardian attends the meeting.
    """

    criminal: float = 0.5
    criminal_sources: tuple[tuple[str, float], ...] = (("prosecution", 0.95), ("court", 0.05))
    civil_sources: tuple[tuple[str, float], ...] = (("parties", 0.4), ("public_agency", 0.2), ("police", 0.4))
    parties: tuple[tuple[int, float], ...] = ((2, 0.85), (3, 0.1), (4, 0.05))
    minors: float = 0.3
    criminal_minor_ages: tuple[int, int] = (15, 17)
    civil_minor_ages: tuple[int, int] = (12, 17)
    admission_at_referral: float = 0.95
    support: float = 0.15
    interpreter: float = 0.05
    guardian_attends: float = 0.5


@frozen(kw_only=True, weakref_slot=False)
class Behaviour:
    """How people act: one probability per choice the process offers.

    Args:
        decline: share of civil cases the service declines as unsuitable.
        consent: chance that an informed party consents.
        guardian_consent: chance that a minor's guardian consents.
        dispense: chance that staff dispense with a guardian's consent for a civil minor
            at or above the policy's dispensation age (instead of asking the guardian).
        conflict: chance that the first mediator declares a conflict of interest and is
            replaced.
        adjourn: chance that a held meeting is adjourned for another one.
        max_adjournments: the most adjournments per case.
        agreement: chance that a held (not adjourned) meeting ends in an agreement.
        items: shares of agreements by number of items (1 to 5).
        fulfil_item: chance that the responsible party fulfils an item.
        report_breach: chance that an unfulfilled item is reported breached before its
            deadline (otherwise staff find it overdue after the deadline).
        withdrawal: chance, per active stage, that one party withdraws during it.
        weekly_withdrawal: further chance, per week a case waits for its meeting (in
            consent, preparation or meeting), that a party withdraws: longer waits lose
            more cases.
        channels: shares of preparatory talks by channel (in person, phone, video).
        optional_talks: chance that a case has preparatory talks when the policy does
            not require them (R6).
    """

    decline: float = 0.1
    consent: float = 0.85
    guardian_consent: float = 0.95
    dispense: float = 0.5
    conflict: float = 0.02
    adjourn: float = 0.05
    max_adjournments: int = 2
    agreement: float = 0.9
    items: tuple[tuple[int, float], ...] = ((1, 0.5), (2, 0.35), (3, 0.15))
    fulfil_item: float = 0.87
    report_breach: float = 0.6
    withdrawal: tuple[tuple[str, float], ...] = field(
        converter=_full_withdrawal,
        default=(
            ("referred", 0.0),
            ("consent", 0.02),
            ("preparation", 0.04),
            ("meeting", 0.01),
            ("agreement", 0.01),
            ("cooling_off", 0.02),
            ("follow_up", 0.01),
        ),
    )
    weekly_withdrawal: float = 0.03
    optional_talks: float = 0.5
    channels: tuple[tuple[str, float], ...] = (("in_person", 0.6), ("phone", 0.25), ("video", 0.15))


@frozen(kw_only=True, weakref_slot=False)
class Durations:
    """How long each step takes, in days, as distributions.

    Args:
        accept: from receipt of the referral to acceptance (or decline).
        assign: from acceptance to a mediator's assignment.
        inform: from the previous step to informing a party.
        consent: from being informed to consenting.
        talk: from the previous step to a party's preparatory talk.
        schedule: from the last preparatory talk to scheduling the meeting.
        wait: from scheduling to the meeting.
        agree: from the meeting to the record of agreement or no agreement.
        sign: from the agreement to each signature.
        item_deadline: from the day the agreement is expected to bind (after signing and
            any cooling-off period) to an item's deadline; the policy's longest deadline,
            counted from the agreement, still caps it (R9).
        report: from binding to the report on an item (kept before its deadline).
        overdue_check: from a missed deadline to staff finding it overdue.
        withdraw: from entering a stage to a withdrawal during it.
        end_cooling_off: from the end of the cooling-off period to binding.
    """

    accept: Distribution = field(default=_lognormal(3, 0.5))
    assign: Distribution = field(default=_lognormal(2, 0.5))
    inform: Distribution = field(default=_lognormal(1, 0.5))
    consent: Distribution = field(default=_lognormal(2, 0.6))
    talk: Distribution = field(default=_lognormal(2, 0.5))
    schedule: Distribution = field(default=_lognormal(2, 0.5))
    wait: Distribution = field(default=_lognormal(8, 0.4))
    agree: Distribution = field(default=_fixed(0.1))
    sign: Distribution = field(default=_fixed(0.01))
    item_deadline: Distribution = field(default=Distribution(dist="uniform", params=(("low", 14.0), ("high", 90.0))))
    report: Distribution = field(default=_lognormal(20, 0.6))
    overdue_check: Distribution = field(default=_lognormal(3, 0.5))
    withdraw: Distribution = field(default=_lognormal(3, 0.8))
    end_cooling_off: Distribution = field(default=_fixed(1.0))


@frozen(kw_only=True, weakref_slot=False)
class Scenario:
    """A simulation study: the case mix, behaviour, durations and policy, with size and seed.

    Build one in code (every part has a documented default), or read one from TOML with
    `Scenario.from_toml`; `restorative simulate` takes the TOML file. The defaults are the
    values of ``examples/scenarios/norway.toml``, where they are sourced, but for the run
    settings (`name`, `description`, `cases`, `seed`); docs/simulation.md lists them.

    Args:
        name: a label for outputs and comparisons.
        description: what the scenario asks.
        cases: how many cases to simulate.
        seed: the seed; the same scenario and seed give the same bytes.
        start: when the first referral is received (timezone-aware).
        referrals_per_year: the arrival rate that spreads referrals over time.
        mediators: size of the pool of mediators cases draw from.
        staff: size of the pool of staff cases draw from.
        policy: the `Policy` every case runs under.
        mix: the case mix.
        behaviour: the probabilities of each choice.
        durations: the time each step takes.
        resources: capacity (`Resources`): with it, cases wait for mediators, staff and
            meeting rooms in an event loop per council; ``None`` (the default) runs every
            case on its own, as if everyone were always free.
    """

    name: str = "scenario"
    description: str = ""
    cases: int = 10_000
    seed: int = 0
    start: datetime = field(default=datetime(2026, 1, 5, 8, 0, tzinfo=UTC), converter=_utc)
    referrals_per_year: float = 7_000.0
    mediators: int = 550
    staff: int = 20
    policy: Policy = field(factory=Policy.norway)
    mix: Mix = field(factory=Mix)
    behaviour: Behaviour = field(factory=Behaviour)
    durations: Durations = field(factory=Durations)
    resources: Resources | None = None

    def __attrs_post_init__(self) -> None:
        from ._reading import check  # noqa: PLC0415 - the reader builds these values, so it imports this module
        from ._resources import Resources  # noqa: PLC0415 - it imports this module

        for name, kind in _PARTS:
            value = getattr(self, name)
            if not isinstance(value, kind):
                raise ScenarioError(name, f"must be a {kind.__name__}, not {type(value).__name__}")
        if self.resources is not None and not isinstance(self.resources, Resources):
            raise ScenarioError("resources", f"must be a Resources or None, not {type(self.resources).__name__}")
        check(self)

    @staticmethod
    def from_toml(source: str | Path) -> Scenario:
        """Read a scenario from a TOML file (a `Path`) or TOML text (a `str`).

        A file may start from another with ``base = "other.toml"`` (a path relative to
        the file): its tables are merged key by key, so a what-if variant lists only what
        it changes.

        Raises:
            ScenarioError: an unknown key, a value of the wrong type, a probability outside
                0..1, a negative duration, shares that do not sum to 1, or a missing file.
        """
        from ._reading import based, loads, read  # noqa: PLC0415 - see __attrs_post_init__

        if isinstance(source, Path):
            data = read(source, ())
        else:
            data = loads(source, "(text)")
            if "base" in data:
                data = based(data, Path.cwd(), ())
        return Scenario.from_data(data)

    @staticmethod
    def from_data(data: Mapping[str, Any]) -> Scenario:
        """Build a scenario from plain data (what TOML or JSON gives); see `from_toml`."""
        from ._reading import parse  # noqa: PLC0415 - see __attrs_post_init__

        return Scenario(**parse(data))

    def to_data(self) -> dict[str, Any]:
        """The plain-data form, which `from_data` reads back (and TOML or JSON can hold)."""
        data = self._plain_data()
        if self.resources is not None:  # left out otherwise: a plain scenario's scenario.json is as before
            data["resources"] = self.resources.to_data()
        return data

    def _plain_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "cases": self.cases,
            "seed": self.seed,
            "start": self.start.isoformat(),
            "referrals_per_year": self.referrals_per_year,
            "mediators": self.mediators,
            "staff": self.staff,
            "policy": _policy_data(self.policy),
            "mix": {
                "criminal": self.mix.criminal,
                "criminal_sources": dict(self.mix.criminal_sources),
                "civil_sources": dict(self.mix.civil_sources),
                "parties": {str(k): v for k, v in self.mix.parties},
                "minors": self.mix.minors,
                "criminal_minor_ages": list(self.mix.criminal_minor_ages),
                "civil_minor_ages": list(self.mix.civil_minor_ages),
                "admission_at_referral": self.mix.admission_at_referral,
                "support": self.mix.support,
                "interpreter": self.mix.interpreter,
                "guardian_attends": self.mix.guardian_attends,
            },
            "behaviour": {
                **{
                    f.name: getattr(self.behaviour, f.name)
                    for f in attrs.fields(Behaviour)
                    if f.name not in ("items", "withdrawal", "channels")
                },
                "channels": dict(self.behaviour.channels),
                "items": {str(k): v for k, v in self.behaviour.items},
                "withdrawal": dict(self.behaviour.withdrawal),
            },
            "durations": {f.name: getattr(self.durations, f.name).to_data() for f in attrs.fields(Durations)},
        }

    def replace(self, **changes: Any) -> Scenario:
        """A copy with some top-level fields changed (checked again)."""
        return attrs.evolve(self, **changes)


_PARTS: tuple[tuple[str, type], ...] = (
    ("start", datetime),
    ("policy", Policy),
    ("mix", Mix),
    ("behaviour", Behaviour),
    ("durations", Durations),
)
"""The fields of a `Scenario` that hold values, each checked for its type before the rest of the scenario."""


def _policy_data(policy: Policy) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in attrs.fields(Policy):
        value = getattr(policy, f.name)
        if value is None:
            continue
        data[f.name] = value.value if isinstance(value, Continuation) else value
    return data
