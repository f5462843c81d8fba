"""Random walks through cases with the testing kit's `CaseStateMachine`, used on ourselves.

Three systems under test: the pure decider, an SQLite store and the in-memory store,
each walked with valid and invalid commands from parties, guardians, mediators, staff,
participants and strangers, and checked against every rule after every step (the
checks are the oracle of `restorative.verify`, shared with the exhaustive verifier). On the
decider we also check what only the library itself promises: `allowed` lists
withdrawal wherever R1 promises it and nothing in a final stage (R2),
`counts_as_consenting` says what the oracle's R3 says, and every value survives the
JSON round trip.
"""

from __future__ import annotations

from hypothesis import settings
from hypothesis.stateful import invariant

import restorative as r
from restorative.store import MemoryStore, SQLiteStore
from restorative.testing import Adapter, CaseStateMachine, StoreAdapter
from restorative.verify._oracle import consents


def _people(case: r.Case) -> list[r.Actor]:
    actors = [r.Actor(id=p.id, kind=r.ActorKind.PARTY) for p in case.parties]
    actors += [r.Actor(id=g, kind=r.ActorKind.GUARDIAN) for p in case.parties for g in p.guardians]
    actors += [r.Actor(id=m, kind=r.ActorKind.MEDIATOR) for m in case.mediators]
    actors += [r.Actor(id=s, kind=r.ActorKind.STAFF) for s in case.staff]
    return actors + [r.Actor(id=q.id, kind=r.ActorKind.PARTICIPANT) for q in case.participants]


class DeciderMachine(CaseStateMachine):
    """The pure decider, plus the promises of `allowed` and the codec."""

    @invariant()
    def allowed_matches_the_rules(self) -> None:  # R1, R2
        if self._history is None:
            return
        case = self.case
        if case.stage.is_final:
            assert all(r.allowed(case, actor) == () for actor in _people(case))
            return
        for party in case.active_parties:
            assert r.Withdraw in r.allowed(case, r.Actor(id=party.id, kind=r.ActorKind.PARTY))
        # `among` narrows the question without changing the answer
        subset = (r.Withdraw, r.GiveConsent, r.SignAgreement, r.ReportItem, r.AdjournMeeting, r.AcceptCase)
        for actor in _people(case):
            full = r.allowed(case, actor)
            assert r.allowed(case, actor, among=subset) == tuple(k for k in full if k in subset)

    @invariant()
    def counts_as_consenting_is_r3(self) -> None:  # the public query agrees with the oracle's R3
        if self._history is None:
            return
        case = self.case
        for party in case.parties:
            assert consents(case, party, case.updated_at) == r.counts_as_consenting(case, party.id)

    @invariant()
    def json_round_trip_is_identity(self) -> None:
        if self._history is None:
            return
        assert r.from_json(r.to_json(self.case), r.Case) == self.case
        for event in self.history.events[-3:]:
            assert r.event_from_json(r.to_json(event)) == event


class SQLiteMachine(CaseStateMachine):
    """Every command through `SQLiteStore.handle`; the stored case must equal the events' case."""

    def make_adapter(self) -> Adapter:
        return StoreAdapter(SQLiteStore(":memory:"))


class MemoryMachine(CaseStateMachine):
    """Every command through `MemoryStore.handle`."""

    def make_adapter(self) -> Adapter:
        return StoreAdapter(MemoryStore())


TestDecider = DeciderMachine.TestCase
TestSQLiteStore = SQLiteMachine.TestCase
TestSQLiteStore.settings = settings(settings(), max_examples=max(20, settings().max_examples // 5))
TestMemoryStore = MemoryMachine.TestCase
TestMemoryStore.settings = settings(settings(), max_examples=max(20, settings().max_examples // 5))
