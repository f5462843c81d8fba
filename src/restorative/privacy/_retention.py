"""Retention: erase the personal data of closed cases when it is due, and say what was done."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from attrs import frozen

from .._lifecycle import FINAL_STAGES
from .._values import Case
from ..errors import ErasurePending, InvalidInput
from ..store._sql import SQLStore
from ._vault import Erasure, Vault, notes_id


@frozen(kw_only=True)
class Purge:
    """What `purge` did (or, for a dry run, would do).

    Attributes:
        due: the closed cases whose people were erased.
        kept: cases left alone, with the reason (open, or within the policy's retention period).
        erased: the erasures made, one per person.
        spared: people of due cases who were kept, with the reason (in a case still kept).
        dry_run: whether nothing was changed.
        plaintext: due cases whose log holds birth dates in plain text (stored before a vault
            sealed them): erasure cannot reach those, only rewriting the log could.
    """

    due: tuple[str, ...]
    kept: tuple[tuple[str, str], ...]
    erased: tuple[Erasure, ...]
    spared: tuple[tuple[str, str], ...]
    dry_run: bool
    plaintext: tuple[str, ...] = ()

    def summary(self) -> str:
        """A short account, for the command line."""
        verb = "would erase" if self.dry_run else "erased"
        lines = [f"{len(self.due)} closed cases due; {verb} {len(self.erased)} people; kept {len(self.kept)} cases"]
        lines += [f"  due   {case_id}" for case_id in self.due]
        lines += [f"  kept  {case_id}: {why}" for case_id, why in self.kept]
        lines += [f"  spared {person}: {why}" for person, why in self.spared]
        lines += [
            f"  WARNING {case_id}: its log holds birth dates in plain text, stored before a vault sealed them"
            for case_id in self.plaintext
        ]
        return "\n".join(lines)


def _day(at: datetime) -> str:
    """The UTC day of a time, as the command line prints it."""
    return at.astimezone(UTC).date().isoformat()


def people(case: Case) -> list[str]:
    """The people whose personal data a case concerns: parties, their guardians, participants.

    Mediators and staff are not included: they are the service's own people.
    """
    found: list[str] = []
    for party in case.parties:
        found.append(party.id)
        found.extend(party.guardians)
    found.extend(p.id for p in case.participants)
    return list(dict.fromkeys(found))


def purge(
    store: SQLStore,
    vault: Vault | None,
    *,
    before: datetime,
    now: datetime,
    actor: str = "restorative-purge",
    dry_run: bool = False,
) -> Purge:
    """Erase the people of every closed case last changed before `before` whose retention is over.

    A case is kept while it is open, when its policy sets no `retention_days` (its data is
    kept until someone erases it), and while its retention period has not passed at `now`
    since its last change. A person who also takes part in a kept case is spared. Each
    erasure records the case it was due for as its reason.

    Args:
        store: the cases.
        vault: the personal data, in the same database (``None``: none was ever kept, so
            nothing is erased; the report still lists the cases that are due).
        before: erase for cases whose last change is before this moment.
        now: the moment to judge retention by (the engine never reads the clock).
        actor: who the erasures are recorded as.
        dry_run: report what would be erased, and change nothing.

    Raises:
        ErasurePending: every erasure due was made and committed, but another connection's
            read kept their bytes in SQLite's write-ahead log (see `Vault.erase`); purging
            again, or `Vault.checkpoint()`, finishes once that reader is done.
    """
    if before.tzinfo is None or now.tzinfo is None:
        raise InvalidInput("before and now need a time zone", field="before")
    due: list[str] = []
    kept: list[tuple[str, str]] = []
    held: dict[str, str] = {}  # person -> a kept case they take part in
    due_people: dict[str, str] = {}  # person -> the first due case they take part in
    for case_id in store.case_ids():  # every stored case, listed or not; the chain-checked case decides
        case = store.load(case_id)
        retention = case.policy.retention_days
        if case.stage not in FINAL_STAGES:
            why = f"open, in stage {case.stage.value}"
        elif case.updated_at >= before:
            why = f"closed on {_day(case.updated_at)}, not before {_day(before)} (UTC)"
        elif retention is None:
            why = "its policy keeps personal data until someone erases it (no retention_days)"
        elif case.updated_at + timedelta(days=retention) > now:
            why = f"within its policy's retention period of {retention} days"
        else:
            due.append(case.id)
            for person in people(case):
                due_people.setdefault(person, case.id)
            continue
        kept.append((case.id, why))
        for person in people(case):
            held.setdefault(person, case.id)
    erased: list[Erasure] = []
    spared: list[tuple[str, str]] = []

    def erase(owner: str, case_id: str) -> None:
        reason = f"retention: case {case_id} closed and due for erasure"
        if dry_run or vault is None:
            erased.append(Erasure(person_id=owner, at=now, actor=actor, reason=reason))
        else:  # erased one by one, finished once: a reader would otherwise be waited for at every person
            erasure = Erasure(person_id=owner, at=now, actor=actor, reason=reason)
            vault._erase(erasure)
            erased.append(erasure)

    for case_id in due:  # a due case's meeting notes go with it
        if vault is not None and vault.holds(notes_id(case_id)):
            erase(notes_id(case_id), case_id)
    for person, case_id in due_people.items():
        if person in held:
            spared.append((person, f"also in case {held[person]}, which is kept"))
        elif vault is not None and vault.holds(person):
            erase(person, case_id)
    # one wait for readers, after every erasure; an earlier purge's pending erasure is finished here too
    finishing = vault is not None and not dry_run and store.own_transactions and (erased or vault.erasure_pending)
    if finishing and vault is not None and not vault.checkpoint():
        raise ErasurePending(erased)
    plaintext = tuple(case_id for case_id in due if _plain_birth_dates(store, case_id))
    return Purge(
        due=tuple(due),
        kept=tuple(kept),
        erased=tuple(erased),
        spared=tuple(spared),
        dry_run=dry_run,
        plaintext=plaintext,
    )


def _plain_birth_dates(store: SQLStore, case_id: str) -> bool:
    """Whether the case's first row (its referral) holds a birth date as text rather than sealed."""
    with store._lock:
        row = store.connection.execute(
            store._sql("SELECT data FROM restorative_events WHERE case_id = ? AND sequence = 1"), (case_id,)
        ).fetchone()
    if row is None:
        return False
    parties = json.loads(row[0]).get("parties") or ()
    return any(isinstance(p, dict) and isinstance(p.get("birth_date"), str) for p in parties)
