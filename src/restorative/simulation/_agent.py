"""One simulated case: people who act by the scenario's odds, through the real decider.

The agent looks at the case (never at a model of its own) and picks the next command:
at each choice the scenario names (decline or accept, consent or withdraw, adjourn,
agree or not, fulfil or breach), it asks `allowed`, once, whether the actor may take the
options it is about to draw for, and draws among those; the option it falls back on
(accept, withdraw, no agreement) it sends without asking, as it does the rest of the way,
where it builds the command the stage is waiting for. Every command goes through
`handle`; a refusal is a bug and raises `SimulationError`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from .. import _arguments as arguments
from .. import commands as c
from .._lifecycle import FINAL_STAGES, Stage
from .._rules import attendee_problem, cooling_off_days, may_dispense, minor_at, report_problem, signatures_due
from .._values import (
    Actor,
    ActorKind,
    Case,
    CaseId,
    CaseKind,
    Item,
    ItemKind,
    ItemStatus,
    MeetingKind,
    ParticipantRole,
    Party,
    PartyId,
    PersonId,
    Referral,
    ReferralSource,
    Role,
    TalkChannel,
)
from ..commands import Command
from ..errors import InvalidInput, Refused, SimulationError
from ..events import Event
from ..process._mediation import allowed, handle
from ._draws import case_rng, pick, withdrawal_odds
from ._scenario import Distribution, Scenario

_ITEM_KINDS = tuple((kind, f"{kind.value.replace('_', ' ')} (simulated)") for kind in ItemKind)
"""Each kind of item with the wording a simulated item gets (a free text no log ever shows)."""
_SOURCES = {source.value: source for source in ReferralSource}
_CHANNELS = {channel.value: channel for channel in TalkChannel}
"""By value: calling an enum class to look a member up runs Python code."""
Observer = Callable[[Case | None, Command, Case, tuple[Event, ...]], None]
"""Sees every command the agent sends, with the case before and after (for tests)."""
_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)
_NOTHING = timedelta(0)
_SECOND = timedelta(seconds=1)
_WEEK = timedelta(days=7)
_WAITING = frozenset({Stage.CONSENT, Stage.PREPARATION, Stage.MEETING})
"""Stages in which a case waits for the meeting: the weekly chance of withdrawal applies."""


_SHARED_MAX = 10_000
_ACTORS: dict[str, dict[str, Actor]] = {kind.value: {} for kind in ActorKind}
"""By the kind's value: `ActorKind` hashes in Python, its value in C."""
_PARTIES = _ACTORS[ActorKind.PARTY.value]
_ADULTS: dict[tuple[str, Role], Party] = {}
"""Actors and adult parties are frozen values, and their ids repeat from case to case
(``p1``, ``mediator-004``): each is built and validated once per process, not per case.
Both are bounded by the scenario's pools; `_shared` empties one that outgrows `_SHARED_MAX`."""


def _shared(table: dict[Any, Any]) -> dict[Any, Any]:
    if len(table) >= _SHARED_MAX:
        table.clear()
    return table


def _actor(person_id: str, kind: ActorKind) -> Actor:
    """The actor of this person in this capacity."""
    known = _ACTORS[kind._value_]
    actor = known.get(person_id)
    if actor is None:
        actor = _shared(known)[person_id] = Actor(id=person_id, kind=kind)
    return actor


def _party_actor(person_id: str) -> Actor:
    """The actor of this party (`_actor` for the commonest kind, without its lookup by kind)."""
    actor = _PARTIES.get(person_id)
    if actor is None:
        actor = _shared(_PARTIES)[person_id] = Actor(id=person_id, kind=ActorKind.PARTY)
    return actor


def _adult(party_id: PartyId, role: Role) -> Party:
    """An adult party with no more than an id and a role."""
    party = _ADULTS.get((party_id, role))
    if party is None:
        party = _shared(_ADULTS)[party_id, role] = Party(id=party_id, role=role)
    return party


def case_id(index: int) -> CaseId:
    """The id of the simulated case with this index: ``sim-0000042``."""
    return CaseId(f"sim-{arguments.count('case_id', 'index', index):07d}")


class _Agent:
    """Drives one case from referral to a final stage."""

    def __init__(self, scenario: Scenario, index: int, observe: Observer | None = None) -> None:
        self.observe = observe
        self.s = scenario
        self.b = scenario.behaviour
        self.d = scenario.durations
        self.index = index
        self.rng = self.stream(scenario, index)
        self.case: Case | None = None
        self.events: list[Event] = []
        # Decisions drawn once per person or case, so a retry of a step draws nothing new.
        self.decided: dict[str, bool] = {}
        self.withdrawal_at: list[datetime] = []
        self.withdrawal = withdrawal_odds(self.b.withdrawal)
        self.weekly = self.b.weekly_withdrawal
        year = timedelta(days=365.25)
        offset = (index + self.rng.random()) / scenario.referrals_per_year
        self.now = scenario.start + offset * year
        self.staff = _actor(f"staff-{self.rng.randrange(scenario.staff):03d}", ActorKind.STAFF)
        self.mediator_pool = scenario.mediators
        self.sign_times: list[datetime] = []  # drawn when the agreement is recorded, used as it is signed
        self.cooling_delay = 0.0  # from the end of the cooling-off period to the step that ends it
        self.the_mediator: Actor | None = None  # the actor of the case's first mediator, once looked up
        self.visited: set[Stage] = set()  # stages whose chance of a withdrawal was drawn

    # --- plumbing -----------------------------------------------------------------

    def stream(self, scenario: Scenario, index: int) -> random.Random:
        """The case's random stream (the resource model's agent records its draws)."""
        return case_rng(scenario, index)

    # The resource model's hooks: here, as if everyone were always free, they change nothing.

    def staffed(self, at: datetime, step: str) -> datetime:
        """When the staff step `step`, ready at `at`, is done; `self.staff` is who does it."""
        return at

    def slot(self, at: datetime, earliest: datetime) -> datetime:
        """When the meeting scheduled at `at`, to be held no sooner than `earliest`, begins."""
        return earliest

    def concluded(self, at: datetime) -> datetime:
        """When a held meeting's outcome (agreement, none, adjourned) is recorded, drawn as `at`."""
        return at

    def later(self, duration: Distribution) -> datetime:
        self.now += timedelta(duration.sample(self.rng))  # days, the first argument
        return self.now

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def once(self, key: str, p: float) -> bool:
        if key not in self.decided:
            self.decided[key] = self.chance(p)
        return self.decided[key]

    def send(self, command: Command) -> None:
        # No `allowed` check first: that the agent sends only what `allowed` offers is a
        # test's business (tests/simulation/test_agent.py); here `handle` is the judge.
        before = self.case
        try:
            self.case, new = handle(before, command)
        except (Refused, InvalidInput) as refusal:
            raise SimulationError(case_id(self.index), self.index, refusal) from refusal
        self.events.extend(new)
        if self.observe is not None:
            self.observe(before, command, self.case, new)

    def offers(self, actor: Actor, *kinds: type[Command]) -> list[type[Command]]:
        """Which of `kinds` the case offers `actor` now (`allowed`): the agent's choice set."""
        assert self.case is not None
        offered = allowed(self.case, actor, self.now, among=kinds)
        return [k for k in kinds if k in offered]

    def party_actor(self, party_id: str) -> Actor:
        return _party_actor(party_id)

    def mediator(self) -> Actor:
        assert self.case is not None
        first = self.case.mediators[0]
        actor = self.the_mediator
        if actor is None or actor.id != first:  # a mediator who declared a conflict was replaced
            actor = self.the_mediator = _actor(first, ActorKind.MEDIATOR)
        return actor

    # --- the case -----------------------------------------------------------------

    def run(self) -> tuple[list[Event], Case]:
        self.refer()
        while not self.ended():
            if self.withdrawing():
                continue
            case = self.case
            assert case is not None
            began, stage = self.now, case.stage
            self.step(case)
            self.waited(stage, began)
        assert self.case is not None
        return self.events, self.case

    def ended(self) -> bool:
        """Whether the case is in a final stage."""
        assert self.case is not None
        return self.case.stage in FINAL_STAGES

    def withdrawing(self) -> bool:
        """Draw the stage's chance of a withdrawal on entering it; withdraw someone if one is due."""
        case = self.case
        assert case is not None
        stage = case.stage
        if stage not in self.visited:  # the stage's chance is drawn once, not again after an adjournment
            self.visited.add(stage)
            if self.chance(self.withdrawal[stage]):
                self.withdrawal_at.append(self.during(case))
        if self.withdrawal_at:
            self.withdraw_someone()
            return True
        return False

    def waited(self, stage: Stage, began: datetime) -> None:
        """After a step taken from `stage` at `began`: the weekly chance that waiting costs a party."""
        if self.weekly and stage in _WAITING and self.case is not None and self.case.stage in _WAITING:
            weeks = (self.now - began) / _WEEK
            if weeks > 0 and self.chance(1.0 - (1.0 - self.weekly) ** weeks):
                self.withdrawal_at.append(self.now)

    def during(self, case: Case) -> datetime:
        """When a withdrawal drawn on entering the case's stage happens: within the stage's
        known end, if it has one (the signing drawn with the agreement, the cooling-off period)."""
        at = self.now + timedelta(days=self.d.withdraw.sample(self.rng))
        ends = case.agreement.cooling_off_ends if case.agreement is not None else None
        if case.stage is Stage.AGREEMENT and self.sign_times:
            ends = self.sign_times[-1]
        if case.stage in (Stage.AGREEMENT, Stage.COOLING_OFF) and ends is not None and at >= ends:
            at = self.now + max(ends - self.now, _NOTHING) * self.rng.random()
        return at

    def refer(self) -> None:
        s, mix, rng = self.s, self.s.mix, self.rng
        criminal = self.chance(mix.criminal)
        kind = CaseKind.CRIMINAL if criminal else CaseKind.CIVIL
        source = _SOURCES[pick(rng, mix.criminal_sources if criminal else mix.civil_sources)]
        count = int(pick(rng, mix.parties))
        received = self.now
        roles: list[Role]
        if criminal:
            roles = [Role.HARMED, Role.RESPONSIBLE] + [
                rng.choice((Role.HARMED, Role.RESPONSIBLE)) for _ in range(2, count)
            ]
        else:
            roles = [Role.PARTY] * count
        minor_at = -1
        if self.chance(mix.minors):
            minor_at = 1 if criminal else rng.randrange(count)
        parties = []
        for i, role in enumerate(roles):
            pid = PartyId(f"p{i + 1}")
            if i == minor_at:
                low, high = mix.criminal_minor_ages if criminal else mix.civil_minor_ages
                age = rng.randint(low, high)
                born = (received - timedelta(days=int(365.25 * age) + 30 + rng.randrange(300))).date()
                parties.append(Party(id=pid, role=role, birth_date=born, guardians=(PersonId(f"{pid}-guardian"),)))
            else:
                parties.append(_adult(pid, role))
        admitted = criminal and self.chance(mix.admission_at_referral)
        referral = Referral(source=source, kind=kind, received_at=received, admission_of_facts=admitted)
        self.send(
            c.ReferCase(
                actor=self.staff,
                at=received,  # opened as it is received: the logs' first timestamp is the KPIs' time zero
                case_id=case_id(self.index),
                referral=referral,
                parties=tuple(parties),
                policy=s.policy,
            )
        )

    def step(self, case: Case) -> None:
        stage = case.stage
        if stage is Stage.REFERRED:
            self.assess(case)
        elif stage is Stage.CONSENT:
            self.consent(case)
        elif stage is Stage.PREPARATION:
            self.prepare(case)
        elif stage is Stage.MEETING:
            self.meet(case)
        elif stage is Stage.AGREEMENT:
            self.sign(case)
        elif stage is Stage.COOLING_OFF:
            ends = case.agreement.cooling_off_ends if case.agreement is not None else None
            assert ends is not None
            self.now = self.staffed(max(self.now, ends) + timedelta(days=self.cooling_delay), "end_cooling_off")
            self.send(c.EndCoolingOff(actor=self.staff, at=self.now))
        else:
            self.follow_up(case)

    def withdraw_someone(self) -> None:
        case = self.case
        assert case is not None
        self.withdrawal_at.sort()
        self.now = max(self.now, self.withdrawal_at.pop(0))
        # A withdrawal drawn by stage or by week is not an answer to the consent being asked
        # (`consent` draws those), so it falls on a party who is not being asked right now.
        asked = [p for p in case.active_parties if p.informed and not p.consented]
        candidates = [p for p in case.active_parties if p not in asked] if case.stage is Stage.CONSENT else []
        party = self.rng.choice(candidates or case.active_parties)
        self.send(c.Withdraw(actor=self.party_actor(party.id), at=self.now, party_id=party.id))

    def assess(self, case: Case) -> None:
        at = self.staffed(self.later(self.d.accept), "accept")
        choice = self.offers(self.staff, c.DeclineCase)  # accepting is the fallback: `handle` judges it
        if c.DeclineCase in choice and self.chance(self.b.decline):
            self.send(c.DeclineCase(actor=self.staff, at=at, reason="not suitable for mediation"))
        else:
            self.send(c.AcceptCase(actor=self.staff, at=at))

    def consent(self, case: Case) -> None:
        d = self.d
        if not case.mediators:
            self.assign(case)
            return
        mediator = self.mediator()
        if self.once("conflict", self.b.conflict):
            self.decided["conflict"] = False
            towards = self.rng.choice(case.active_parties).id
            self.send(
                c.DeclareConflict(actor=mediator, at=self.later(_QUICK), mediator_id=mediator.id, towards=towards)
            )
            self.send(c.ReleaseMediator(actor=self.staff, at=self.later(_QUICK), mediator_id=mediator.id))
            self.reassign(mediator)
            return
        if case.kind is CaseKind.CRIMINAL and not case.referral.admission_of_facts:
            at = self.staffed(self.later(d.inform), "admission")
            self.send(c.RecordAdmission(actor=self.staff, at=at))
            return
        for party in case.active_parties:
            if not party.informed:
                self.send(c.InformParty(actor=mediator, at=self.later(d.inform), party_id=party.id))
                return
            if not party.consented:
                actor = self.party_actor(party.id)
                at = self.later(d.consent)
                if self.once(f"consent:{party.id}", self.b.consent) and self.offers(actor, c.GiveConsent):
                    self.send(c.GiveConsent(actor=actor, at=at, party_id=party.id))
                else:
                    self.send(c.Withdraw(actor=actor, at=at, party_id=party.id))
                return
            if not party.dispensed and not party.guardian_consents and minor_at(case, party, self.now):
                self.guardian(case, party)
                return
        self.send(c.StartPreparation(actor=mediator, at=self.later(_QUICK)))

    def assign(self, case: Case) -> None:
        """Staff assign the case's first mediator, drawn from the pool."""
        first = self.rng.randrange(self.mediator_pool)
        self.send(c.AssignMediator(actor=self.staff, at=self.later(self.d.assign), mediator_id=_mediator_id(first)))

    def reassign(self, released: Actor) -> None:
        """Staff assign another mediator after `released` declared a conflict and was released."""
        taken = int(released.id.rsplit("-", 1)[1])
        other = (taken + 1 + self.rng.randrange(self.mediator_pool - 1)) % self.mediator_pool
        self.send(c.AssignMediator(actor=self.staff, at=self.later(self.d.assign), mediator_id=_mediator_id(other)))

    def guardian(self, case: Case, party: Party) -> None:
        at = self.later(self.d.consent)
        if not minor_at(case, party, at):
            return  # came of age meanwhile: their own consent now suffices (R3), and preparation comes next
        if (
            case.kind is CaseKind.CIVIL
            and self.once(f"dispense:{party.id}", self.b.dispense)
            and c.DispenseGuardianConsent in self.offers(self.staff, c.DispenseGuardianConsent)
            and may_dispense(case, party, at) is None
        ):
            at = self.staffed(at, "dispense")
            if minor_at(case, party, at) and may_dispense(case, party, at) is None:
                self.send(c.DispenseGuardianConsent(actor=self.staff, at=at, party_id=party.id))
            return
        guardian = _actor(party.guardians[0], ActorKind.GUARDIAN)
        if self.once(f"guardian:{party.id}", self.b.guardian_consent):
            self.send(c.GiveGuardianConsent(actor=guardian, at=at, party_id=party.id))
        else:
            self.send(c.Withdraw(actor=guardian, at=at, party_id=party.id))

    def prepare(self, case: Case) -> None:
        d, mix = self.d, self.s.mix
        mediator = self.mediator()
        active = case.active_parties
        if case.policy.preparatory_talks_required or self.once("talks", self.b.optional_talks):
            for party in active:
                if not party.prepared:
                    channel = _CHANNELS[pick(self.rng, self.b.channels)]
                    self.send(
                        c.HoldPreparatoryTalk(actor=mediator, at=self.later(d.talk), party_id=party.id, channel=channel)
                    )
                    return
        for party in active:
            if self.once(f"support:{party.id}", mix.support):
                self.decided[f"support:{party.id}"] = False
                self.participant(case, f"{party.id}-support", ParticipantRole.SUPPORT, party.id)
                return
            if party.minor and self.once(f"guardian-attends:{party.id}", mix.guardian_attends):
                self.decided[f"guardian-attends:{party.id}"] = False
                self.participant(case, party.guardians[0], ParticipantRole.GUARDIAN, party.id)
                return
        if self.once("interpreter", mix.interpreter):
            self.decided["interpreter"] = False
            self.participant(case, "interpreter", ParticipantRole.INTERPRETER, None)
            return
        # Everyone who may attend (R7) is asked: the parties, the participants agreed, the mediator.
        invited = [*(p.id for p in active), *(p.id for p in case.participants), mediator.id]
        attendees = [person for person in invited if attendee_problem(case, person) is None]
        at = self.later(d.schedule)
        starts = self.slot(at, at + timedelta(days=d.wait.sample(self.rng)))
        kind = MeetingKind.LARGE_GROUP if len(active) >= 4 else MeetingKind.MEDIATION
        self.send(c.ScheduleMeeting(actor=mediator, at=at, kind=kind, starts_at=starts, attendees=tuple(attendees)))

    def participant(self, case: Case, person: str, role: ParticipantRole, accompanies: str | None) -> None:
        mediator = self.mediator()
        at = self.later(_QUICK)
        proposer = self.party_actor(accompanies) if accompanies is not None else mediator
        self.send(
            c.ProposeParticipant(
                actor=proposer,
                at=at,
                participant_id=PersonId(person),
                role=role,
                accompanies=PartyId(accompanies) if accompanies is not None and proposer is mediator else None,
            )
        )
        if role is ParticipantRole.SUPPORT:
            self.send(c.DiscloseParticipant(actor=mediator, at=self.later(_QUICK), participant_id=PersonId(person)))
        now = self.case
        assert now is not None
        for other in now.active_parties:
            if other.id != accompanies:
                self.send(
                    c.ApproveParticipant(
                        actor=self.party_actor(other.id),
                        at=self.later(_QUICK),
                        participant_id=PersonId(person),
                        party_id=other.id,
                    )
                )

    def meet(self, case: Case) -> None:
        meeting = case.meeting
        assert meeting is not None
        mediator = self.mediator()
        if meeting.held_at is None:
            self.now = max(self.now, meeting.starts_at)
            # The first of those present who has not agreed to confidentiality does, one a step;
            # once everyone present has, the meeting is held.
            confidential = case.confidential
            for person in meeting.attendees:
                if person not in confidential and attendee_problem(case, person) is None:
                    self.send(c.AgreeConfidentiality(actor=mediator, at=self.now, person_id=person))
                    return
            present = tuple(a for a in meeting.attendees if attendee_problem(case, a) is None)
            self.send(c.HoldMeeting(actor=mediator, at=self.now, present=present))
            return
        at = self.concluded(self.later(self.d.agree))
        choice = self.offers(mediator, c.AdjournMeeting, c.RecordAgreement)  # no agreement is the fallback
        if c.AdjournMeeting in choice and case.adjournments < self.b.max_adjournments and self.chance(self.b.adjourn):
            self.send(c.AdjournMeeting(actor=mediator, at=at))
        elif c.RecordAgreement in choice and self.chance(self.b.agreement):
            self.send(c.RecordAgreement(actor=mediator, at=at, items=self.items(case, at)))
        else:
            self.send(c.RecordNoAgreement(actor=mediator, at=at))

    def items(self, case: Case, at: datetime) -> tuple[Item, ...]:
        count = int(pick(self.rng, self.b.items))
        owing = [p for p in case.active_parties if p.role is Role.RESPONSIBLE] or list(case.active_parties)
        limit = case.policy.longest_item_deadline_days
        # Deadlines count from when the agreement will bind: the signatures, any cooling-off
        # period (R10) and the step that ends it are drawn now, so that no item falls due
        # before its agreement binds; the policy's longest deadline still caps them (R9).
        signers = len(signatures_due(case))  # those an agreement recorded now will need (R10)
        moment, self.sign_times = at, []
        for _ in range(signers):  # a fixed timetable: a withdrawal while signing (within it) delays nobody
            moment += timedelta(self.d.sign.sample(self.rng))
            self.sign_times.append(moment)
        self.cooling_delay = self.d.end_cooling_off.sample(self.rng)
        binds = (moment - at) / _DAY + cooling_off_days(case, None) + self.cooling_delay
        items = []
        for k in range(count):
            days = binds + max(1.0, self.d.item_deadline.sample(self.rng))
            if limit is not None:
                days = min(days, float(limit))
            kind, description = self.rng.choice(_ITEM_KINDS)  # one draw among the kinds, as before
            items.append(
                Item(
                    id=f"item-{k + 1}",
                    kind=kind,
                    description=description,
                    responsible=self.rng.choice(owing).id,
                    deadline=at + timedelta(days),
                )
            )
        return tuple(items)

    def sign(self, case: Case) -> None:
        assert case.agreement is not None
        if self.sign_times:
            self.now = max(self.now, self.sign_times.pop(0))
        else:
            self.now += timedelta(days=self.d.sign.sample(self.rng))
        # The next signature the agreement needs (R10), by the first of those who may give it.
        due = next((s for s in signatures_due(case) if s.signers), None)
        if due is None:
            problem = InvalidInput(f"no one may give the signatures case {case.id} still needs")
            raise SimulationError(case_id(self.index), self.index, problem)
        signer = due.signers[0]
        if signer in case.mediators:
            kind = ActorKind.MEDIATOR
        elif case.party(signer) is not None:
            kind = ActorKind.PARTY
        else:
            kind = ActorKind.GUARDIAN
        self.send(c.SignAgreement(actor=_actor(signer, kind), at=self.now, signer_id=signer))

    def follow_up(self, case: Case) -> None:
        agreement = case.agreement
        assert agreement is not None
        open_items = sorted((i for i in agreement.items if i.status is ItemStatus.OPEN), key=lambda i: i.deadline)
        item = open_items[0]
        reporter = self.reporter(case, item)
        if self.once(f"fulfil:{item.id}", self.b.fulfil_item):
            at = min(self.now + timedelta(days=self.d.report.sample(self.rng)), item.deadline - _HOUR)
            self.now = max(self.now, at)
            self.send(c.ReportItem(actor=reporter, at=self.now, item_id=item.id, fulfilled=True))
        elif self.once(f"report-breach:{item.id}", self.b.report_breach):
            at = min(self.now + timedelta(days=self.d.report.sample(self.rng)), item.deadline - _HOUR)
            self.now = max(self.now, at)
            self.send(c.ReportItem(actor=reporter, at=self.now, item_id=item.id, fulfilled=False))
        else:
            overdue = max(self.now, item.deadline + _SECOND)  # R11: overdue means strictly after the deadline
            self.now = self.staffed(overdue + timedelta(days=self.d.overdue_check.sample(self.rng)), "check_deadlines")
            self.send(c.CheckDeadlines(actor=self.staff, at=self.now))

    def reporter(self, case: Case, item: Item) -> Actor:
        """Who reports on the item: the first adult party who may (R11), else staff."""
        for party in case.active_parties:
            if not minor_at(case, party, self.now) and report_problem(case, party, item) is None:
                return self.party_actor(party.id)
        return self.staff


_QUICK = Distribution(dist="fixed", params=(("value", 0.01),))
"""A quarter of an hour or so: steps that follow at once."""


def _mediator_id(n: int) -> PersonId:
    return PersonId(f"mediator-{n:03d}")


def simulate_case(scenario: Scenario, index: int, observe: Observer | None = None) -> tuple[list[Event], Case]:
    """Simulate the case with this index: its events and its final case.

    Depends on the scenario and the index alone (not on what else is simulated), so any
    case of a study can be replayed on its own. `observe`, if given, sees every command
    with the case before and after it and the events it produced.

    A scenario with `Scenario.resources` is refused: its cases wait for each other, so
    none can be simulated alone; `simulate` runs them, council by council.

    Raises:
        InvalidInput: an argument of the wrong type, or a scenario with resources.
        SimulationError: the rules refused a command the simulator chose (a bug).
    """
    arguments.instance("simulate_case", "scenario", scenario, Scenario, "a Scenario")
    arguments.count("simulate_case", "index", index)
    arguments.call("simulate_case", "observe", observe)
    alone(scenario, "simulate_case")
    return _Agent(scenario, index, observe).run()


def alone(scenario: Scenario, function: str) -> None:
    """Refuse a scenario with resources where cases are simulated one by one."""
    if scenario.resources is not None:
        raise InvalidInput(
            f"{function} simulates cases one by one, and a scenario with resources has cases that wait "
            "for each other: run it with simulate(), or drop its resources (scenario.replace(resources=None))",
            field="scenario",
        )
