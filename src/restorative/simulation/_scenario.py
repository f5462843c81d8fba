"""The scenario: what a simulation study varies, as a frozen value read from TOML.

Every probability is checked to lie in 0..1, every duration to be non-negative, and every
key to be known; a bad value raises `ScenarioError` naming the dotted key.
"""

from __future__ import annotations

import math
import random
import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
from attrs import field, frozen

from .._checks import EARLIEST_YEAR
from .._policy import Continuation, Policy
from .._values import ReferralSource
from ..errors import InvalidInput, ScenarioError

STAGES_WITH_WITHDRAWAL = ("referred", "consent", "preparation", "meeting", "agreement", "cooling_off", "follow_up")
"""The active stages, in order; `Behaviour.withdrawal` has one probability for each."""

_MAX_DAYS = 3650.0
"""The longest duration parameter a scenario may give: ten years."""
_MAX_SIGMA = 3.0
"""The widest lognormal: beyond this its draws overflow a calendar."""
_MAX_YEARS = 1000.0
"""The longest span of referrals (cases / referrals_per_year) a scenario may ask for."""
_EARLIEST_START = EARLIEST_YEAR + 20
"""The earliest start: the oldest simulated minor is born no earlier than the engine accepts."""
_LATEST_START = 7000
"""The latest start: a thousand years of referrals and centuries of capped steps still end before 9000."""

_SHAPES: dict[str, tuple[str, ...]] = {
    "fixed": ("value",),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "exponential": ("mean",),
    "lognormal": ("median", "sigma"),
}


def _utc(value: Any) -> Any:
    """A zoned start in UTC, so that the logs' timestamps do not depend on how it was written."""
    return value.astimezone(UTC) if isinstance(value, datetime) and value.tzinfo is not None else value


def _full_withdrawal(given: Any) -> tuple[tuple[str, float], ...]:
    """Every stage of `STAGES_WITH_WITHDRAWAL`, in order; a stage left out has no withdrawal."""
    table = dict(given)
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

    @staticmethod
    def of(dist: str, **params: float) -> Distribution:
        """Build and check a distribution, e.g. ``Distribution.of("lognormal", median=3, sigma=0.5)``."""
        return _distribution("duration", {"dist": dist, **params})

    def param(self, name: str) -> float:
        """The value of one parameter."""
        return dict(self.params)[name]

    def sample(self, rng: random.Random) -> float:
        """Draw one duration in days; a draw of the unbounded shapes is cut at ten years."""
        return min(self._draw(rng), _MAX_DAYS)

    def _draw(self, rng: random.Random) -> float:
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

    criminal: float = 0.6
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
    agreement: float = 0.85
    items: tuple[tuple[int, float], ...] = ((1, 0.5), (2, 0.35), (3, 0.15))
    fulfil_item: float = 0.9
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
    weekly_withdrawal: float = 0.0
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
    `Scenario.from_toml`; `restorative simulate` takes the TOML file.

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
    """

    name: str = "scenario"
    description: str = ""
    cases: int = 10_000
    seed: int = 0
    start: datetime = field(default=datetime(2026, 1, 5, 8, 0, tzinfo=UTC), converter=_utc)
    referrals_per_year: float = 5_600.0
    mediators: int = 100
    staff: int = 20
    policy: Policy = field(factory=Policy.norway)
    mix: Mix = field(factory=Mix)
    behaviour: Behaviour = field(factory=Behaviour)
    durations: Durations = field(factory=Durations)

    def __attrs_post_init__(self) -> None:
        _check(self)

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
        if isinstance(source, Path):
            data = _read(source, ())
        else:
            data = _loads(source, "(text)")
            if "base" in data:
                data = _based(data, Path.cwd(), ())
        return Scenario.from_data(data)

    @staticmethod
    def from_data(data: Mapping[str, Any]) -> Scenario:
        """Build a scenario from plain data (what TOML or JSON gives); see `from_toml`."""
        return Scenario(**_parse(data))

    def to_data(self) -> dict[str, Any]:
        """The plain-data form, which `from_data` reads back (and TOML or JSON can hold)."""
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


# --- reading plain data ----------------------------------------------------------------


def _loads(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError("(file)", f"{where} is not valid TOML: {error}") from None


def _read(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    resolved = path.resolve()
    if resolved in seen:
        raise ScenarioError("base", f"{path} is its own base (a cycle)")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError("(file)", f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise ScenarioError("(file)", f"{path} is not UTF-8 text: {error.reason} at byte {error.start}") from None
    data = _loads(text, str(path))
    return _based(data, path.parent, (*seen, resolved)) if "base" in data else data


def _based(data: dict[str, Any], folder: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    base = data.pop("base")
    if not isinstance(base, str):
        raise ScenarioError("base", f"must be a file name, not {base!r}")
    return _merge(_read(folder / base, seen), data)


_WHOLE = frozenset({"criminal_sources", "civil_sources", "parties", "items", "channels"})
"""Tables of shares that sum to 1: a variant replaces them whole instead of merging."""


def _merge(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        old = merged.get(key)
        whole = key in _WHOLE or (isinstance(value, Mapping) and "dist" in value)
        if isinstance(old, dict) and isinstance(value, Mapping) and not whole:
            merged[key] = _merge(old, value)
        else:
            merged[key] = value
    return merged


def _policy_data(policy: Policy) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in attrs.fields(Policy):
        value = getattr(policy, f.name)
        if value is None:
            continue
        data[f.name] = value.value if isinstance(value, Continuation) else value
    return data


def _table(data: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ScenarioError(key, f"must be a table, not {type(data).__name__}")
    return data


def _unknown(data: Mapping[str, Any], known: tuple[str, ...], prefix: str) -> None:
    for key in data:
        if key not in known:
            raise ScenarioError(f"{prefix}{key}", f"unknown key; known keys are {', '.join(known)}")


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(key, f"must be a number, not {value!r}")
    if not math.isfinite(value):
        raise ScenarioError(key, f"must be finite, not {value!r}")
    return float(value)


def _integer(value: Any, key: str, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(key, f"must be a whole number, not {value!r}")
    if value < low:
        raise ScenarioError(key, f"must be at least {low}, not {value}")
    return value


def _probability(value: Any, key: str) -> float:
    p = _number(value, key)
    if not 0.0 <= p <= 1.0:
        raise ScenarioError(key, f"is a probability and must lie between 0 and 1, not {value}")
    return p


def _shares(value: Any, key: str, allowed: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    table = _table(value, key)
    _unknown(table, allowed, f"{key}.")
    shares = tuple((k, _probability(v, f"{key}.{k}")) for k, v in table.items())
    total = sum(v for _, v in shares)
    if shares and not math.isclose(total, 1.0, abs_tol=1e-6):
        raise ScenarioError(key, f"shares must sum to 1, not {total:g}")
    if not shares:
        raise ScenarioError(key, "needs at least one share")
    return shares


def _counted(value: Any, key: str, low: int, high: int) -> tuple[tuple[int, float], ...]:
    allowed = tuple(str(n) for n in range(low, high + 1))
    return tuple((int(k), v) for k, v in _shares(value, key, allowed))


def _distribution(key: str, value: Any) -> Distribution:
    table = _table(value, key)
    shape = table.get("dist")
    if shape not in _SHAPES:
        raise ScenarioError(f"{key}.dist", f"must be one of {', '.join(_SHAPES)}, not {shape!r}")
    names = _SHAPES[shape]
    _unknown(table, ("dist", *names), f"{key}.")
    params: list[tuple[str, float]] = []
    for name in names:
        if name not in table:
            raise ScenarioError(f"{key}.{name}", f"a {shape} distribution needs {', '.join(names)}")
        number = _number(table[name], f"{key}.{name}")
        if number < 0:
            raise ScenarioError(f"{key}.{name}", f"durations are days and cannot be negative, not {number:g}")
        limit = _MAX_SIGMA if name == "sigma" else _MAX_DAYS
        if number > limit:
            raise ScenarioError(f"{key}.{name}", f"must be at most {limit:g}, not {number:g}")
        params.append((name, number))
    p = dict(params)
    if shape == "uniform" and p["low"] > p["high"]:
        raise ScenarioError(f"{key}.low", "must not exceed high")
    if shape == "triangular" and not p["low"] <= p["mode"] <= p["high"]:
        raise ScenarioError(f"{key}.mode", "must lie between low and high")
    return Distribution(dist=shape, params=tuple(params))


def _policy(value: Any) -> Policy:
    table = dict(_table(value, "policy"))
    known = tuple(f.name for f in attrs.fields(Policy))
    _unknown(table, known, "policy.")
    if "continuation" in table:
        try:
            table["continuation"] = Continuation(table["continuation"])
        except ValueError:
            options = ", ".join(c.value for c in Continuation)
            raise ScenarioError("policy.continuation", f"must be one of {options}") from None
    try:
        return Policy(**table)
    except (InvalidInput, TypeError) as error:
        key = getattr(error, "field", None) or "policy"
        raise ScenarioError(f"policy.{key}" if key != "policy" else key, str(error)) from None


_MIX_KEYS = tuple(f.name for f in attrs.fields(Mix))
_BEHAVIOUR_KEYS = tuple(f.name for f in attrs.fields(Behaviour))
_DURATION_KEYS = tuple(f.name for f in attrs.fields(Durations))
_TOP_KEYS = tuple(f.name for f in attrs.fields(Scenario))


def _mix(value: Any) -> Mix:
    table = _table(value, "mix")
    _unknown(table, _MIX_KEYS, "mix.")
    changes: dict[str, Any] = {}
    for key, raw in table.items():
        dotted = f"mix.{key}"
        if key == "criminal_sources":
            changes[key] = _shares(raw, dotted, ("prosecution", "court"))
        elif key == "civil_sources":
            changes[key] = _shares(raw, dotted, ("parties", "public_agency", "police"))
        elif key == "parties":
            changes[key] = _counted(raw, dotted, 2, 4)
        elif key in ("criminal_minor_ages", "civil_minor_ages"):
            if not isinstance(raw, list) or len(raw) != 2:
                raise ScenarioError(dotted, "must be [youngest, oldest]")
            low, high = (_integer(v, dotted, 1) for v in raw)
            if low > high:
                raise ScenarioError(dotted, "youngest must not exceed oldest")
            changes[key] = (low, high)
        else:
            changes[key] = _probability(raw, dotted)
    return Mix(**changes)


def _behaviour(value: Any) -> Behaviour:
    table = _table(value, "behaviour")
    _unknown(table, _BEHAVIOUR_KEYS, "behaviour.")
    changes: dict[str, Any] = {}
    for key, raw in table.items():
        dotted = f"behaviour.{key}"
        if key == "items":
            changes[key] = _counted(raw, dotted, 1, 5)
        elif key == "channels":
            changes[key] = _shares(raw, dotted, ("in_person", "phone", "video"))
        elif key == "max_adjournments":
            changes[key] = _integer(raw, dotted)
        elif key == "withdrawal":
            given = _table(raw, dotted)
            _unknown(given, STAGES_WITH_WITHDRAWAL, f"{dotted}.")
            merged = dict(Behaviour().withdrawal)
            merged.update({k: _probability(v, f"{dotted}.{k}") for k, v in given.items()})
            changes[key] = tuple((s, merged[s]) for s in STAGES_WITH_WITHDRAWAL)
        else:
            changes[key] = _probability(raw, dotted)
    return Behaviour(**changes)


def _durations(value: Any) -> Durations:
    table = _table(value, "durations")
    _unknown(table, _DURATION_KEYS, "durations.")
    return Durations(**{key: _distribution(f"durations.{key}", raw) for key, raw in table.items()})


def _start(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ScenarioError("start", f"must be a date and time, not {value!r}") from None
    if not isinstance(value, datetime):
        raise ScenarioError("start", f"must be a date and time with a time zone, not {value!r}")
    if value.tzinfo is None:
        raise ScenarioError("start", "needs a time zone, e.g. 2026-01-05T08:00:00Z")
    if not _EARLIEST_START <= value.year <= _LATEST_START:
        raise ScenarioError(
            "start",
            f"must lie in the years {_EARLIEST_START} to {_LATEST_START}, so that every simulated birth date and"
            f" timestamp stays within what the engine accepts, not {value.year}",
        )
    return value.astimezone(UTC)


def _parse(data: Mapping[str, Any]) -> dict[str, Any]:
    table = _table(data, "(top level)")
    _unknown(table, _TOP_KEYS, "")
    changes: dict[str, Any] = {}
    for key, raw in table.items():
        if key in ("name", "description"):
            if not isinstance(raw, str):
                raise ScenarioError(key, f"must be text, not {raw!r}")
            allowed = "\n\t" if key == "description" else ""
            if any(ord(ch) < 32 and ch not in allowed for ch in raw):
                raise ScenarioError(key, "must not hold control characters (the XES log is XML)")
            changes[key] = raw
        elif key == "cases":
            changes[key] = _integer(raw, key, 1)
        elif key == "seed":
            changes[key] = _integer(raw, key)
        elif key in ("mediators", "staff"):
            changes[key] = _integer(raw, key, 2)
        elif key == "referrals_per_year":
            rate = _number(raw, key)
            if rate < 1:
                raise ScenarioError(key, f"must be at least 1, not {rate:g}")
            changes[key] = rate
        elif key == "start":
            changes[key] = _start(raw)
        elif key == "policy":
            changes[key] = _policy(raw)
        elif key == "mix":
            changes[key] = _mix(raw)
        elif key == "behaviour":
            changes[key] = _behaviour(raw)
        else:
            changes[key] = _durations(raw)
    _consistent(changes)
    return changes


def _consistent(changes: Mapping[str, Any]) -> None:
    """Checks across keys: the span of referrals, and minors who are minors under the policy."""
    cases = changes.get("cases", 10_000)
    rate = changes.get("referrals_per_year", 5_600.0)
    if cases / rate > _MAX_YEARS:
        raise ScenarioError("referrals_per_year", f"{cases} cases would take more than {_MAX_YEARS:g} years to refer")
    majority = changes.get("policy", Policy.norway()).age_of_majority
    mix = changes.get("mix", Mix())
    for key in ("criminal_minor_ages", "civil_minor_ages"):
        oldest = getattr(mix, key)[1]
        if oldest >= majority:
            raise ScenarioError(f"mix.{key}", f"a minor is younger than the policy's age of majority ({majority})")


def _check(scenario: Scenario) -> None:
    """Check a scenario built in code against the same limits as the TOML reader."""
    _parse(scenario.to_data())


SOURCES = {source.value: source for source in ReferralSource}
"""Referral sources by their TOML names."""
