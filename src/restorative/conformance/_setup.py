"""What a log does not say, read from what it does: the case's referral, its people, its items.

A log records events, not the commands behind them nor the case they were decided on.
Before a trace is replayed, `readings` works out, from the whole trace, what the rules
need and the log leaves out, in the most permissive way the log allows:

* the referral: the case's kind and source as the log gives them, else from its events
  (a return report or a recorded admission means criminal, a decline civil; a civil case
  with reports came from the police); received when the case was opened; the admission
  of the facts recorded unless the log records it later;
* the parties: everyone the log names as a party, with the roles, minority and guardians
  it gives, else from the events (who reports on an item is the harmed party of a
  criminal case; whose guardian consents, or whose guardian consent is dispensed with,
  is a minor);
* the subject of an event the log does not name (XES names none): whom a party was
  informed, whom a guardian consented for, which item was reported, from the order of
  the events that follow;
* the agreement's items: their ids from the log (else one per item reported), who owes
  each (the log's, else a party the reports and withdrawals allow), and a deadline that
  has passed exactly when the log shows the item breached and never otherwise.

Where the log leaves a choice open that the rules care about (the roles of a criminal
case's parties), `readings` yields the alternatives after the first, and the checker
keeps the reading under which the most events replay. A minor the log does not date may
have come of age during the case; `coming_of_age` gives that reading, which the checker
tries when a minor's act breaks a rule about guardians.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

import attrs
from attrs import frozen

from .. import commands as c
from .. import events as e
from .._lifecycle import MEDIATION as LIFECYCLE
from .._lifecycle import Stage
from .._policy import Policy
from .._values import (
    Actor,
    ActorKind,
    CaseKind,
    Item,
    ItemKind,
    ParticipantRole,
    Party,
    Referral,
    ReferralSource,
    ReportKind,
    Role,
)
from ._log import LogEvent, Trace

MAX_READINGS = 16
"""The most readings of one trace the checker tries when the first one breaks a rule."""

_LAST = datetime(8999, 12, 31, tzinfo=UTC)
_TICK = timedelta(microseconds=1)
_CENTURY = timedelta(days=36_500)
_SETTLES = (e.ItemFulfilled, e.ItemBreached)
_ENDS_AGREEMENT = (e.CaseWithdrawn,)


def placeholder(kind: str, n: int) -> str:
    """The id of someone or something the case needs and the log never names: ``(party 3)``."""
    return f"({kind} {n})"


@frozen(kw_only=True, weakref_slot=False)
class Reading:
    """One reading of a trace: the case it opens and the subjects of its events."""

    opening: c.ReferCase
    staff: tuple[str, ...]
    """Staff who act without an assignment in a log that records none: assigned from the start."""
    mediators: tuple[str, ...]
    """Mediators who act in a log that records no assignment: assigned from the start."""
    subjects: tuple[dict[str, str], ...]
    """Per event (by position - 1): the ids it concerns, by qualifier, as the log gives them or as read."""
    participants: tuple[tuple[str, ParticipantRole], ...]
    items: tuple[Item, ...]
    cooling_off: bool | None
    """For a civil agreement: whether it has a cooling-off period, as the log shows."""
    undated: tuple[str, ...] = ()
    """The minors the log neither dates nor states to be minors throughout (see `coming_of_age`)."""


class _Scan:
    """What the whole trace says, read once; the readings differ only in what it leaves open."""

    def __init__(self, trace: Trace, policy: Policy) -> None:
        self.trace = trace
        self.policy = policy
        events = trace.events
        self.events = events
        known = trace.known
        self.stages = _stages(events)
        self.first = events[0]
        self.opened = events[0] if events[0].event is e.CaseReferred else None
        # parties, in the order the log names them
        order: dict[str, None] = {}
        if self.opened is not None:
            order.update((p, None) for p in self.opened.all("party"))
        order.update((p, None) for p, _ in known.roles)
        self.wards: dict[str, str] = dict(known.wards)
        for ev in events:
            for q, oid in ev.objects:
                if q == "party":
                    order[oid] = None
            if ev.role is ActorKind.PARTY and ev.actor:
                order[ev.actor] = None
            if ev.event is e.GuardianConsentGiven and ev.object("party"):
                guardian = ev.object("guardian") or ev.actor
                if guardian:
                    self.wards.setdefault(guardian, ev.object("party") or "")
            elif ev.role is ActorKind.GUARDIAN and ev.object("party") and ev.actor:
                self.wards.setdefault(ev.actor, ev.object("party") or "")
            elif ev.event is e.ParticipantProposed and ev.role is ActorKind.PARTY and ev.actor:
                person = ev.object("participant")
                if person and dict(known.participants).get(person) is ParticipantRole.GUARDIAN:
                    self.wards.setdefault(person, ev.actor)  # a guardian who comes with their ward
        order.update((ward, None) for ward in self.wards.values() if ward)
        self.parties = list(order)
        self.counted = known.parties is not None or bool(self.opened and self.opened.all("party"))
        """Whether the log says how many parties the case has (else a party who never acts may be missing)."""
        wanted = max(known.parties or 0, 2)
        n = len(self.parties)
        while len(self.parties) < wanted:
            n += 1
            self.parties.append(placeholder("party", n))
        self._guardians_by_order()
        self.kind = known.kind or self._kind()
        self.source = known.source or self._source()
        self.subjects: list[dict[str, str]] = [dict(reversed(ev.objects)) if ev.objects else {} for ev in events]
        # (reversed: the first object of each qualifier is the one that counts)
        self.dispensed: set[str] = set()
        self._fill_subjects()
        self.withdrawals = {
            ev.position: self.subjects[ev.position - 1].get("party", "") for ev in events if ev.event is e.PartyWithdrew
        }
        self.minors = {p for p in self.wards.values() if p} | self.dispensed
        self.minors |= {p for p, minor in known.minors if minor}
        self.minors -= {p for p, minor in known.minors if not minor and p not in self.wards.values()}
        self.of_age = {p: policy.day_of(at) for p, at in known.of_age if p in self.minors}
        self.stated = {p for p, _ in known.minors}
        """The parties whose minority the log states (OCEL's ``minor``): a change in it dates a coming of age."""
        """The day each minor comes of age, where the log says (R3, R10 and R14 then judge by it)."""
        self._items()

    # --- the case as a whole -----------------------------------------------------------

    def _kind(self) -> CaseKind:
        for ev in self.events:
            if ev.event is e.AdmissionRecorded or ev.report is ReportKind.RETURN:
                return CaseKind.CRIMINAL
            if ev.event is e.CaseDeclined:
                return CaseKind.CIVIL
        return CaseKind.CIVIL

    def _source(self) -> ReferralSource:
        if self.kind is CaseKind.CRIMINAL:
            return ReferralSource.PROSECUTION
        if any(ev.event is e.ReportSent for ev in self.events):
            return ReferralSource.POLICE
        return ReferralSource.PARTIES

    def _guardians_by_order(self) -> None:
        """A guardian whose ward the log does not name looks after the last party to consent before they act."""
        last_consent = ""
        for ev in self.events:
            if ev.event is e.ConsentGiven:
                last_consent = ev.object("party") or (ev.actor if ev.role is ActorKind.PARTY else "") or last_consent
            elif ev.role is ActorKind.GUARDIAN and ev.actor and ev.actor not in self.wards:
                ward = last_consent or self.parties[-1]
                self.wards[ev.actor] = ward

    # --- the subjects of the events --------------------------------------------------------

    def _fill_subjects(self) -> None:
        events, subjects = self.events, self.subjects
        for ev, s in zip(events, subjects, strict=True):
            if "party" in s or not ev.actor:
                continue
            if ev.event is e.ConsentGiven and ev.role in (None, ActorKind.PARTY):
                s["party"] = ev.actor
            elif ev.event is e.PartyWithdrew:
                s["party"] = self.wards.get(ev.actor, ev.actor) if ev.role is ActorKind.GUARDIAN else ev.actor
        self._informs()
        mediators_seen = [ev.actor for ev in events if ev.role is ActorKind.MEDIATOR and ev.actor]
        staff_seen = [ev.actor for ev in events if ev.role is ActorKind.STAFF and ev.actor]
        assigned_mediators: set[str] = set()
        assigned_staff: set[str] = {self.first.actor} if self.opened is not None else set()
        last_consent = ""
        proposals = 0
        for ev, s in zip(events, subjects, strict=True):
            kind = ev.event
            if kind is e.ConsentGiven:
                last_consent = s.get("party", last_consent)
            elif kind is e.GuardianConsentGiven:
                s.setdefault("guardian", ev.actor)
                s.setdefault("party", self.wards.get(s["guardian"], last_consent))
            elif kind is e.GuardianConsentDispensed:
                s.setdefault("party", last_consent or self.parties[-1])
                self.dispensed.add(s["party"])
            elif kind is e.MediatorAssigned:
                s.setdefault("mediator", self._next_acting(ActorKind.MEDIATOR, ev.position, assigned_mediators))
                assigned_mediators.add(s["mediator"])
            elif kind is e.StaffAssigned:
                s.setdefault("staff", self._next_acting(ActorKind.STAFF, ev.position, assigned_staff))
                assigned_staff.add(s["staff"])
            elif kind is e.ParticipantProposed and "participant" not in s:
                proposals += 1
                s["participant"] = placeholder("participant", proposals)
            elif kind is e.AgreementSigned and "signer" not in s and ev.actor:
                s["signer"] = ev.actor
        self.implicit_staff = not any(ev.event is e.StaffAssigned for ev in events)
        self.implicit_mediators = not any(ev.event is e.MediatorAssigned for ev in events)
        self.staff_seen = list(dict.fromkeys(staff_seen))
        self.mediators_seen = list(
            dict.fromkeys([*mediators_seen, *(s["mediator"] for s in subjects if "mediator" in s)])
        )

    def _next_acting(self, capacity: ActorKind, position: int, taken: set[str]) -> str:
        """Whom an assignment that does not say assigned: the next to act in that capacity who is not yet assigned."""
        acting = [ev.actor for ev in self.events if ev.role is capacity and ev.actor]
        later = [ev.actor for ev in self.events[position:] if ev.role is capacity and ev.actor]
        found = next((p for p in later if p not in taken), None) or next((p for p in acting if p not in taken), None)
        return found or placeholder(capacity.value, len(taken) + 1)

    def _informs(self) -> None:
        """Whom each inform that does not say informed: everyone who consents before they consent, nobody
        after they withdrew, nobody twice (a search over the few informs of a case, the soonest due first)."""
        events, subjects = self.events, self.subjects
        open_ = [
            ev.position
            for ev, s in zip(events, subjects, strict=True)
            if ev.event is e.PartyInformed and "party" not in s
        ]
        if not open_:
            return
        consent_at: dict[str, int] = {}
        gone_at: dict[str, int] = {}
        taken = set()
        for ev, s in zip(events, subjects, strict=True):
            party = s.get("party", "")
            if ev.event is e.ConsentGiven and party:
                consent_at.setdefault(party, ev.position)
            elif ev.event is e.PartyWithdrew and party:
                gone_at.setdefault(party, ev.position)
            elif ev.event is e.PartyInformed and party:
                taken.add(party)
        never = len(events) + 1

        def due(p: str) -> int:
            return min(consent_at.get(p, never), gone_at.get(p, never))

        budget = [2_000]
        chosen: list[str] = []

        def search(k: int, used: set[str]) -> bool:
            budget[0] -= 1
            if k == len(open_):
                return all(p in used for p in consent_at)
            position = open_[k]
            if budget[0] < 0 or any(at <= position and p not in used for p, at in consent_at.items()):
                return False
            free = sorted((p for p in self.parties if p not in used and gone_at.get(p, never) > position), key=due)
            if not self.counted:  # or a party the log names nowhere else
                free.append(
                    placeholder("party", len(self.parties) + 1 + sum(1 for c in chosen if c not in self.parties))
                )
            for p in free:
                chosen.append(p)
                if search(k + 1, used | {p}):
                    return True
                chosen.pop()
            return False

        if not search(0, set(taken)):
            chosen[:] = []
            used = set(taken)
            for position in open_:  # no reading fits: the soonest due, and the rules judge the rest
                free = sorted((p for p in self.parties if p not in used and gone_at.get(p, never) > position), key=due)
                if not free and not self.counted:
                    self.parties.append(placeholder("party", len(self.parties) + 1))  # named nowhere else
                    free = [self.parties[-1]]
                pick = free[0] if free else self.parties[0]
                used.add(pick)
                chosen.append(pick)
        for position, party in zip(open_, chosen, strict=True):
            subjects[position - 1]["party"] = party
            if party not in self.parties:
                self.parties.append(party)

    # --- the agreement's items ---------------------------------------------------------------

    def _items(self) -> None:
        events, subjects = self.events, self.subjects
        recorded = next((ev for ev in events if ev.event is e.AgreementRecorded), None)
        self.recorded = recorded
        ids = list(recorded.all("item")) if recorded is not None else []
        settled = [(ev, s) for ev, s in zip(events, subjects, strict=True) if ev.event in _SETTLES]
        counter = 0
        for _, s in settled:
            if "item" not in s:
                while True:  # the next item without a report of its own
                    counter += 1
                    candidate = ids[counter - 1] if counter <= len(ids) else f"item-{counter}"
                    if not any(t.get("item") == candidate for _, t in settled):
                        break
                s["item"] = candidate
            if s["item"] not in ids:
                ids.append(s["item"])
        if not ids:
            ids = ["item-1"]
        self.item_ids = ids
        self.reporters: dict[str, set[str]] = {}
        self.breached_at: dict[str, datetime] = {}
        self.owed_by: dict[str, str] = {}
        withdrew_at: dict[datetime, str] = {}
        for ev, s in zip(events, subjects, strict=True):
            if ev.event is e.PartyWithdrew and self.stages[ev.position - 1] is Stage.FOLLOW_UP:
                withdrew_at[ev.at] = s.get("party", "")
            if ev.event in _SETTLES:
                item = s["item"]
                if ev.role is ActorKind.PARTY and ev.actor:
                    self.reporters.setdefault(item, set()).add(ev.actor)
                if ev.event is e.ItemBreached and item not in self.breached_at:
                    if withdrew_at.get(ev.at):
                        self.owed_by[item] = withdrew_at[ev.at]
                    else:
                        self.breached_at[item] = ev.at
        # parties that withdrew before the agreement, and how later withdrawals went on
        at_recording = recorded.position if recorded is not None else len(events) + 1
        self.gone_before = {p for pos, p in self.withdrawals.items() if pos < at_recording}
        self.owes_nothing: set[str] = set()
        self.owes_something: set[str] = set()
        for pos, party in self.withdrawals.items():
            if pos < at_recording or not party:
                continue
            stage = self.stages[pos - 1]
            ended = pos < len(events) and events[pos].event in _ENDS_AGREEMENT
            if stage is Stage.AGREEMENT:
                (self.owes_something if ended else self.owes_nothing).add(party)
            elif stage is Stage.FOLLOW_UP:  # owes nothing open but what the withdrawal breached
                self.owes_nothing.add(party)
        self.cooling_off = None
        if self.kind is CaseKind.CIVIL and recorded is not None:
            self.cooling_off = any(ev.event is e.CoolingOffStarted for ev in events[recorded.position :])

    # --- readings --------------------------------------------------------------------------

    def roles(self, extra: int = 0) -> Iterator[dict[str, Role]]:
        """The parties' roles: the log's, else as read; for a criminal case every assignment the log allows."""
        parties = [*self.parties, *(placeholder("party", len(self.parties) + n) for n in range(1, extra + 1))]
        if self.kind is CaseKind.CIVIL:
            yield dict.fromkeys(parties, Role.PARTY)
            return
        fixed = dict(self.trace.known.roles)
        for reporters in self.reporters.values():
            for party in reporters:
                fixed.setdefault(party, Role.HARMED)
        fixed = {p: r for p, r in fixed.items() if p in parties}
        open_ = [p for p in parties if p not in fixed]
        first: dict[str, Role] = dict(fixed)
        for p in open_:
            present = set(first.values())
            first[p] = Role.HARMED if Role.HARMED not in present else Role.RESPONSIBLE
        yield first
        tried = 1
        for combination in itertools.product((Role.HARMED, Role.RESPONSIBLE), repeat=len(open_)):
            if tried >= MAX_READINGS:
                return
            roles = {**fixed, **dict(zip(open_, combination, strict=True))}
            if roles == first or not {Role.HARMED, Role.RESPONSIBLE} <= set(roles.values()):
                continue
            tried += 1
            yield roles

    def extras(self) -> tuple[int, ...]:
        """How many parties the log may not name: none when it says how many there are."""
        return (0,) if self.counted else (0, 1, 2)

    def reading(self, roles: dict[str, Role], extra: int = 0, of_age: Mapping[str, date] | None = None) -> Reading:
        """The reading of the trace under these roles, with `extra` parties who never act.

        `of_age` gives the day each minor comes of age, where the log says or the checker
        supposes it (see `coming_of_age`); without, a minor stays one for the whole case.
        """
        of_age = self.of_age if of_age is None else {**self.of_age, **of_age}
        opened = self.opened or self.first
        at = opened.at
        staff = opened.actor if opened.actor and opened.role in (None, ActorKind.STAFF) else ""
        if not staff:
            staff = self.staff_seen[0] if self.staff_seen else placeholder("staff", 1)
        everyone = [*self.parties, *(placeholder("party", len(self.parties) + n) for n in range(1, extra + 1))]
        guardians: dict[str, list[str]] = {}
        for guardian, ward in self.wards.items():
            if ward in self.parties and guardian not in self.parties:
                guardians.setdefault(ward, []).append(guardian)
        parties = []
        for p in everyone:
            minor = p in self.minors
            born: date | None = None
            if minor and p in of_age:
                born = _birthday(of_age[p], self.policy.age_of_majority)
            elif minor and (p in self.dispensed or (self.kind is CaseKind.CIVIL and p not in guardians)):
                born = _birthday(at.date(), self.policy.civil_dispensation_age)
            wards_guardians = tuple(guardians.get(p, ()))
            if minor and not wards_guardians and born is None:
                wards_guardians = (f"(guardian of {p})",)  # R18 needs one; the log shows none
            parties.append(
                Party(
                    id=p,
                    role=roles.get(p, Role.PARTY),
                    minor=minor and born is None,
                    birth_date=born,
                    guardians=wards_guardians,
                )
            )
        admitted = self.kind is CaseKind.CRIMINAL and not any(ev.event is e.AdmissionRecorded for ev in self.events)
        referral = Referral(source=self.source, kind=self.kind, received_at=at, admission_of_facts=admitted)
        opening = c.ReferCase(
            actor=Actor(id=staff, kind=ActorKind.STAFF),
            at=at,
            case_id=self.trace.case_id,
            referral=referral,
            parties=tuple(parties),
            policy=self.policy,
        )
        others = [s for s in self.staff_seen if s != staff] if self.implicit_staff else []
        mediators = self.mediators_seen if self.implicit_mediators else []
        return Reading(
            opening=opening,
            staff=tuple(others),
            mediators=tuple(mediators),
            subjects=tuple(self.subjects),
            participants=tuple(self.trace.known.participants),
            items=tuple(self._plan(roles)),
            cooling_off=self.cooling_off,
            undated=tuple(p.id for p in parties if p.minor and p.birth_date is None and p.id not in self.stated),
        )

    def _plan(self, roles: dict[str, Role]) -> list[Item]:
        """The agreement's items under these roles: who owes each, and when it falls due."""
        recorded = self.recorded
        made = recorded.at if recorded is not None else self.first.at
        policy = self.policy
        if self.kind is CaseKind.CRIMINAL:
            cooling = policy.criminal_cooling_off_days
        else:
            cooling = policy.civil_cooling_off_days if self.cooling_off else 0
        earliest = made + timedelta(days=cooling) + _TICK
        latest = made + (
            timedelta(days=policy.longest_item_deadline_days) if policy.longest_item_deadline_days else _CENTURY
        )
        latest = min(latest, _LAST)
        known = dict(self.trace.known.responsible)
        kinds = dict(self.trace.known.items)
        present = [p for p in self.parties if p not in self.gone_before]
        owing_now = set()  # parties given an item, so that a withdrawal that ended the signing is explained
        items = []
        for item in self.item_ids:
            responsible = known.get(item) or self.owed_by.get(item)
            if responsible is None:
                reporters = self.reporters.get(item, set())
                wanted = [p for p in present if p in self.owes_something and p not in owing_now and p not in reporters]
                free = [p for p in present if p not in reporters and p not in self.owes_nothing]
                preferred = [p for p in free if roles.get(p) is Role.RESPONSIBLE] or free
                loose = [p for p in present if p not in reporters]
                responsible = next(iter(wanted or preferred or loose or present or self.parties))
            owing_now.add(responsible)
            due = self.breached_at.get(item)
            deadline = latest if due is None else min(max(due - _TICK, earliest), latest)
            items.append(
                Item(
                    id=item,
                    kind=kinds.get(item, ItemKind.OTHER),
                    description="",
                    responsible=responsible,
                    deadline=deadline,
                )
            )
        return items


def _stages(events: Sequence[LogEvent]) -> list[Stage]:
    """The stage before each event, by a walk that skips the moves the lifecycle lacks."""
    moves = LIFECYCLE.moves
    stage = Stage.REFERRED
    before = []
    for ev in events:
        before.append(stage)
        trigger = ev.event.trigger
        if trigger is not None:
            stage = moves.get((trigger, stage), stage)
    return before


def _birthday(day: date, years: int) -> date:
    """The birth date of someone who turns `years` on `day` (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def coming_of_age(reading: Reading, day: date, policy: Policy) -> Reading | None:
    """`reading` with each minor the log does not date coming of age on `day`, if that is a new reading.

    A log that shows a guardian acting for a party, but neither gives a birth date nor
    states the party's minority over time (CSV and XES do not; OCEL's ``minor`` attribute
    does, and a change of it dates the birthday), allows the party to come of age on any
    later day of the case; from then on they act without a guardian (R3, R10) and the
    guardian no longer for them (R14). The checker tries this reading, with the day of the
    first event that breaks one of those rules. ``None`` when no minor is undated or `day`
    is the day of the referral (a minor then was one).
    """
    opening = reading.opening
    if not reading.undated or day <= policy.day_of(opening.referral.received_at):
        return None
    born = _birthday(day, policy.age_of_majority)
    undated = set(reading.undated)
    parties = tuple(attrs.evolve(p, birth_date=born) if p.id in undated else p for p in opening.parties)
    return attrs.evolve(reading, opening=attrs.evolve(opening, parties=parties))


def readings(trace: Trace, policy: Policy) -> Iterator[Reading]:
    """The readings of a trace, the likeliest first (at most `MAX_READINGS`)."""
    scan = _Scan(trace, policy)
    tried = 0
    for extra in scan.extras():
        for roles in scan.roles(extra):
            yield scan.reading(roles, extra)
            tried += 1
            if tried >= MAX_READINGS:
                return
