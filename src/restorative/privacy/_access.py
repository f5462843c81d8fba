"""Who may read what (R14 for reads), with an access log of every read of personal data.

Staff read the cases assigned to them, a mediator the cases they mediate, a party their
own case (a guardian their ward's), each without the other parties' personal data, and a
referrer the reports on the cases it referred. Everyone else is refused with
`NotPermitted`, naming R14.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import attrs
from attrs import field, frozen

from .._checks import check_aware, check_id, check_optional_id, check_text
from .._rules import minor_at
from .._values import Actor, ActorKind, Case, Party, ReferralSource, Report
from ..errors import CaseNotFound, NotPermitted
from ..events import CaseReferred, Event, ReportSent
from ..store._fold import rebuild
from ..store._sql import SQLStore
from ._retention import people
from ._vault import Erasure, PersonalData, Vault


@frozen(kw_only=True)
class Access:
    """One read, as the access log records it: who read what of which case, when."""

    at: datetime = field(validator=check_aware)
    actor: str = field(validator=check_id)
    capacity: str = field(validator=check_text)
    case_id: str = field(validator=check_id)
    what: str = field(validator=check_text)
    person_id: str | None = field(default=None, validator=check_optional_id)


class AccessLog:
    """Reads recorded in the store's database (table ``restorative_access_log``), append-only."""

    def __init__(self, store: SQLStore) -> None:
        self.store = store
        with store._transaction():
            store.connection.execute(
                "CREATE TABLE IF NOT EXISTS restorative_access_log ("
                " at TEXT NOT NULL, actor TEXT NOT NULL, capacity TEXT NOT NULL, case_id TEXT NOT NULL,"
                " what TEXT NOT NULL, person_id TEXT)"
            )

    def record(self, access: Access) -> None:
        """Write one read."""
        with self.store._transaction():
            self.store.connection.execute(
                self.store._sql(
                    "INSERT INTO restorative_access_log (at, actor, capacity, case_id, what, person_id)"
                    " VALUES (?, ?, ?, ?, ?, ?)"
                ),
                (
                    access.at.astimezone(UTC).isoformat(),
                    access.actor,
                    access.capacity,
                    access.case_id,
                    access.what,
                    access.person_id,
                ),
            )

    def entries(self, case_id: str | None = None) -> list[Access]:
        """The recorded reads, oldest first (of one case, if given)."""
        query = "SELECT at, actor, capacity, case_id, what, person_id FROM restorative_access_log"
        args: tuple[str, ...] = ()
        if case_id is not None:
            query += " WHERE case_id = ?"
            args = (case_id,)
        with self.store._lock:
            rows = self.store.connection.execute(self.store._sql(query + " ORDER BY at"), args).fetchall()
        return [
            Access(at=datetime.fromisoformat(a), actor=w, capacity=k, case_id=c, what=x, person_id=p)
            for a, w, k, c, x, p in rows
        ]


class Reader:
    """Reads of a store and its vault on behalf of an actor, who sees only what they may.

    Args:
        store: the cases.
        vault: the personal data (needed for `person`).
        log: where to record reads (`AccessLog`), or ``None`` for no log.
        clock: the time a read is logged at, and at which a guardian's ward must still be a
            minor for the guardian to read (R14).
    """

    def __init__(
        self,
        store: SQLStore,
        vault: Vault | None = None,
        *,
        log: AccessLog | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.vault = vault
        self.log = log
        self.clock = clock
        self._lock = threading.Lock()

    def load(self, case_id: str, actor: Actor) -> Case:
        """The case as `actor` may see it (other parties' birth dates removed for a party or guardian).

        Raises:
            NotPermitted: the actor has no access to the case (R14).
        """
        case = self._case(case_id, actor)
        own = self._own(case, actor)
        self._record(actor, case_id, "case")
        return case if own is None else attrs.evolve(case, parties=_others_hidden(case.parties, own))

    def history(self, case_id: str, actor: Actor) -> list[Event]:
        """The case's events as `actor` may see them; see `load`."""
        case, events = self._events(case_id, actor)
        own = self._own(case, actor)
        self._record(actor, case_id, "history")
        if own is None:
            return events
        return [
            attrs.evolve(e, parties=_others_hidden(e.parties, own)) if isinstance(e, CaseReferred) else e
            for e in events
        ]

    def person(self, case_id: str, person_id: str, actor: Actor) -> PersonalData | Erasure:
        """A person's data from the vault: staff and mediators for anyone in their case, a party
        for themself, a guardian for themself and their ward.

        Raises:
            NotPermitted: the actor may not see this person's data (R14).
        """
        if self.vault is None:
            raise NotPermitted(actor.id, None, "this reader has no vault to read personal data from")
        case = self._case(case_id, actor)
        own = self._own(case, actor)
        if person_id not in people(case):
            raise NotPermitted(actor.id, case.stage, f"{person_id} takes no part in case {case_id}")
        if own is not None and person_id not in own:
            raise NotPermitted(actor.id, case.stage, f"a {actor.kind.value} sees only their own personal data")
        found = self.vault.get(person_id)
        self._record(actor, case_id, "personal data", person_id)
        return found

    def reports(self, case_id: str, referrer: ReferralSource) -> list[Report]:
        """The reports a referrer received on a case it referred, and nothing else of the case.

        Raises:
            NotPermitted: the case was referred by someone else (R14).
        """
        try:
            case, events = self._events(case_id, Actor(id=referrer.value, kind=ActorKind.STAFF))
        except NotPermitted:
            raise _outsider(referrer.value, _REFERRER) from None
        if case.referral.source is not referrer:
            raise _outsider(referrer.value, _REFERRER)
        reports = [e.report for e in events if isinstance(e, ReportSent)]
        self._record(Actor(id=referrer.value, kind=ActorKind.STAFF), case_id, "reports", capacity="referrer")
        return reports

    def _case(self, case_id: str, actor: Actor) -> Case:
        """The case, or `NotPermitted` when there is none: outsiders learn nothing, not even that."""
        try:
            return self.store.load(case_id)
        except CaseNotFound:
            raise _outsider(actor.id) from None

    def _events(self, case_id: str, actor: Actor) -> tuple[Case, list[Event]]:
        """The case and its events from one read of the log (the chain checked, as `load` does)."""
        try:
            events = [stored.event for stored in self.store.history(case_id)]
        except CaseNotFound:
            raise _outsider(actor.id) from None
        return rebuild(case_id, events), events

    def _own(self, case: Case, actor: Actor) -> frozenset[str] | None:
        """Check access (R14); for a party or guardian, the people whose data they may see."""
        kind = actor.kind
        if kind is ActorKind.STAFF and actor.id in case.staff:
            return None
        if kind is ActorKind.MEDIATOR and actor.id in case.mediators:
            if any(mediator == actor.id for mediator, _ in case.conflicts):
                raise NotPermitted(
                    actor.id, case.stage, "a mediator with a declared conflict of interest may not read (R5)"
                )
            return None
        if kind is ActorKind.PARTY and case.party(actor.id) is not None:
            return frozenset({actor.id})
        if kind is ActorKind.GUARDIAN:  # a guardian only of a minor party: adults speak for themselves
            now = self.clock()  # a guardian's standing ends when the ward comes of age (vergemålsloven)
            wards = {p.id for p in case.parties if actor.id in p.guardians and minor_at(case, p, now)}
            if wards:
                return frozenset({actor.id, *wards})
        raise _outsider(actor.id)

    def _record(
        self, actor: Actor, case_id: str, what: str, person_id: str | None = None, *, capacity: str = ""
    ) -> None:
        if self.log is None:
            return
        access = Access(
            at=self.clock(),
            actor=actor.id,
            capacity=capacity or actor.kind.value,
            case_id=case_id,
            what=what,
            person_id=person_id,
        )
        with self._lock:
            self.log.record(access)


_WHO = "reads are for the case's assigned staff, its mediators, its parties and the guardians of minor parties"
_REFERRER = "a referrer sees the reports on the cases it referred"


def _outsider(actor_id: str, hint: str = _WHO) -> NotPermitted:
    """The one refusal of a read by an outsider: the same, with no stage, whether or not the case exists."""
    return NotPermitted(actor_id, None, hint)


def _others_hidden(parties: tuple[Party, ...], own: frozenset[str]) -> tuple[Party, ...]:
    return tuple(p if p.id in own else attrs.evolve(p, birth_date=None) for p in parties)
