"""Hypothesis strategies for restorative values, cases, histories and commands.

Cases are never built by hand: every strategy that yields a case opens it from a
referral and drives real commands through the decider, so a drawn case is one the
library can actually reach. Shrinking moves towards fewer parties, no minors, the
Norwegian policy and the shortest walk.

For example, a property of every case that reached the meeting:

```python
from hypothesis import given
from restorative import Stage
from restorative.testing import strategies as rst

@given(rst.cases(stage=Stage.MEETING))
def test_a_meeting_has_a_mediator(case):
    assert case.mediators
```
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

try:
    from hypothesis import reject
    from hypothesis import strategies as st
except ModuleNotFoundError as missing:
    from ._extra import without_hypothesis

    raise without_hypothesis("restorative.testing.strategies", missing) from None

from .. import _arguments as arguments
from .._lifecycle import Stage
from .._policy import Continuation, Policy
from .._replace import replace
from .._rules import cooling_off_days
from .._values import Actor, ActorKind, Case, CaseKind, Party, Referral, ReferralSource, Role
from ..commands import Command, ReferCase
from ..errors import Refused, RestorativeError
from ..process._mediation import decide
from ..verify import _alphabet
from ..verify._alphabet import STRANGER, Cast
from ._drive import History, walk
from ._factory import START

__all__ = [
    "FULL_CAST",
    "casts",
    "cases",
    "commands",
    "histories",
    "invalid_commands",
    "parties",
    "policies",
    "referrals",
]

T0 = START
"""The earliest referral the strategies draw: when a fresh `Clock` starts."""

FULL_CAST = Cast(support=True, lawyer=True, adjournments=2, second_mediator=True, conflicts=True, second_staff=True)
"""Every optional command on offer: what `commands` and `invalid_commands` draw from."""


def policies() -> st.SearchStrategy[Policy]:
    """Draw Norway's policy, or a custom one whose every field the rules read varies."""
    custom = st.builds(
        Policy,
        name=st.just("drawn"),
        criminal_cooling_off_days=st.sampled_from([14, 0, 3]),
        civil_cooling_off_days=st.sampled_from([14, 3]),
        civil_cooling_off_by_default=st.booleans(),
        civil_dispensation_age=st.sampled_from([15, 16]),
        preparatory_talks_required=st.booleans(),
        max_mediators=st.sampled_from([2, 1, 3]),
        longest_item_deadline_days=st.sampled_from([None, 30, 365]),
        continuation=st.sampled_from(Continuation),
    )
    return st.one_of(st.just(Policy.norway()), custom)


def casts() -> st.SearchStrategy[Cast]:
    """Draw what a walk may try besides the essentials: support persons, lawyers, more mediators and staff."""
    return st.builds(
        Cast,
        support=st.booleans(),
        lawyer=st.booleans(),
        adjournments=st.integers(0, 2),
        second_mediator=st.booleans(),
        conflicts=st.booleans(),
        second_staff=st.booleans(),
    )


def parties(kind: CaseKind, received: date | None = None) -> st.SearchStrategy[tuple[Party, ...]]:
    """Draw two to four parties for a case of `kind`; minors come with guardians unless a civil case may dispense.

    Raises:
        InvalidInput: `kind` is not a `CaseKind`, or `received` is not a date.
    """
    arguments.instance("parties", "kind", kind, CaseKind, "a CaseKind")
    arguments.optional("parties", "received", received, date, "the date the referral was received")
    return _parties(kind, received)


@st.composite
def _parties(draw: st.DrawFn, kind: CaseKind, received: date | None) -> tuple[Party, ...]:
    received = T0.date() if received is None else received
    count = draw(st.integers(2, 4))
    out = []
    for n in range(count):
        if kind is CaseKind.CIVIL:
            role = Role.PARTY
        elif n < 2:
            role = (Role.HARMED, Role.RESPONSIBLE)[n]
        else:
            role = draw(st.sampled_from([Role.HARMED, Role.RESPONSIBLE]))
        age = draw(st.sampled_from([None, 30, 17, 16, 15, 13]))
        guardians: tuple[str, ...] = ()
        if age is not None and age < 18:
            fewest = 0 if kind is CaseKind.CIVIL and age >= 16 else 1
            guardians = tuple(f"g{n}-{k}" for k in range(draw(st.integers(fewest, 2))))
        born = None if age is None else date(received.year - age, 1, 1)
        out.append(Party(id=f"p{n}", role=role, birth_date=born, guardians=guardians))
    return tuple(out)


def referrals(
    kind: CaseKind | None = None, policy: st.SearchStrategy[Policy] | None = None
) -> st.SearchStrategy[ReferCase]:
    """Draw a `ReferCase` command the decider accepts: kind, source, parties and policy that fit (R18).

    Raises:
        InvalidInput: `kind` is not a `CaseKind`, or `policy` is not a strategy.
    """
    arguments.optional("referrals", "kind", kind, CaseKind, "a CaseKind")
    arguments.optional("referrals", "policy", policy, st.SearchStrategy, "a strategy of policies, e.g. policies()")
    return _referrals(kind, policy)


@st.composite
def _referrals(draw: st.DrawFn, kind: CaseKind | None, policy: st.SearchStrategy[Policy] | None) -> ReferCase:
    chosen = draw(st.sampled_from(CaseKind)) if kind is None else kind
    if chosen is CaseKind.CRIMINAL:
        source = draw(st.sampled_from([ReferralSource.PROSECUTION, ReferralSource.COURT]))
    else:
        source = draw(st.sampled_from([ReferralSource.PARTIES, ReferralSource.POLICE, ReferralSource.PUBLIC_AGENCY]))
    received = T0 + timedelta(days=draw(st.integers(0, 400)))
    return ReferCase(
        actor=Actor(id=_alphabet.STAFF[0], kind=ActorKind.STAFF),
        at=received,
        case_id=draw(st.sampled_from(["case-1", "case-2", "2026-0042"])),
        referral=Referral(
            source=source,
            kind=chosen,
            received_at=received,
            admission_of_facts=draw(st.booleans()) if chosen is CaseKind.CRIMINAL else False,
        ),
        parties=draw(parties(chosen, received.date())),
        policy=draw(policies() if policy is None else policy),
    )


def _reachable(referral: ReferCase, stage: Stage) -> bool:
    if stage is Stage.DECLINED:
        return referral.referral.kind is CaseKind.CIVIL
    if stage is Stage.COOLING_OFF:
        probe = Case(
            id=referral.case_id,
            referral=referral.referral,
            policy=referral.policy,
            stage=Stage.MEETING,
            parties=referral.parties,
            updated_at=referral.at,
        )
        return cooling_off_days(probe, None) > 0
    return True


def histories(
    stage: Stage | None = None,
    *,
    referral: st.SearchStrategy[ReferCase] | None = None,
    cast: st.SearchStrategy[Cast] | None = None,
    max_steps: int = 40,
) -> st.SearchStrategy[History]:
    """Draw a `History` of real commands from a referral to a case in `stage` (any stage if ``None``).

    The walk takes up to `max_steps` drawn steps, then finishes by the shortest greedy
    route, so every drawn history reaches its stage.

    Raises:
        InvalidInput: an argument of the wrong type.
    """
    arguments.optional("histories", "stage", stage, Stage, "a Stage")
    arguments.optional("histories", "referral", referral, st.SearchStrategy, "a strategy of referrals")
    arguments.optional("histories", "cast", cast, st.SearchStrategy, "a strategy of casts, e.g. casts()")
    arguments.count("histories", "max_steps", max_steps)
    return _histories(stage, referral, cast, max_steps)


@st.composite
def _histories(
    draw: st.DrawFn,
    stage: Stage | None,
    referral: st.SearchStrategy[ReferCase] | None,
    cast: st.SearchStrategy[Cast] | None,
    max_steps: int,
) -> History:
    if referral is None:
        wanted = stage
        opening = draw(referrals(kind=CaseKind.CIVIL if wanted is Stage.DECLINED else None))
        if wanted is not None and not _reachable(opening, wanted):
            # our own referral: give it a policy with a cooling-off period for its kind
            cooling = Policy(name="cooling-off", civil_cooling_off_by_default=True)
            opening = replace(opening, policy=cooling)
    else:
        opening = draw(referral)
    if stage is None:
        stage = draw(st.sampled_from([s for s in Stage if _reachable(opening, s)]))
    elif not _reachable(opening, stage):
        reject()  # the caller's referral cannot reach this stage (R17, or no cooling-off period)
    chosen_cast = draw(casts() if cast is None else cast)
    steps = draw(st.integers(0, max_steps))

    def choose(history: History, options: Sequence[tuple[Command, Case]]) -> int | None:
        if len(history.commands) > steps:
            return None
        pick = draw(st.integers(0, len(options)))
        return None if pick == len(options) else pick

    return walk(History.open(opening), stage, chosen_cast, choose)


def cases(stage: Stage | None = None, **kwargs: object) -> st.SearchStrategy[Case]:
    """Draw cases in `stage` (any stage if ``None``), reached by real commands; see `histories`."""
    return histories(stage, **kwargs).map(lambda history: history.case)  # type: ignore[arg-type]


def _case(function: str, of: Case | History) -> Case:
    arguments.instance(function, "of", of, (Case, History), "a Case or a History")
    return of.case if isinstance(of, History) else of


def commands(of: Case | History) -> st.SearchStrategy[Command]:
    """Draw commands the case accepts now (nothing for a closed case)."""
    case = _case("commands", of)
    options = []
    for command in _alphabet.commands(case, FULL_CAST):
        try:
            decide(case, command)
        except RestorativeError:
            continue
        options.append(command)
    return st.sampled_from(options) if options else st.nothing()


def invalid_commands(of: Case | History) -> st.SearchStrategy[tuple[Command, str]]:
    """Draw commands the case refuses now, each with the id of the rule that refuses it.

    Drawn from the alphabet's refused commands, the accepted ones sent by a stranger
    (R14), and the accepted ones dated before the case's last event (R15). Given a
    `History`, also its own earlier commands sent again now: they meet a stage that has
    moved on, or a closed case (R2), which the alphabet offers nothing for.
    """
    case = _case("invalid_commands", of)
    options: list[tuple[Command, str]] = []
    candidates = [] if isinstance(of, Case) else [replace(c, at=max(c.at, case.updated_at)) for c in of.commands[1:]]
    for command in _alphabet.commands(case, FULL_CAST):
        candidates += [
            command,
            replace(command, actor=STRANGER),
            replace(command, at=case.updated_at - timedelta(hours=1)),
        ]
    for variant in candidates:
        try:
            decide(case, variant)
        except Refused as error:
            if error.rule is not None:
                options.append((variant, error.rule))
        except RestorativeError:
            continue
    return st.sampled_from(options) if options else st.nothing()
