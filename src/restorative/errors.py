"""Every error that restorative raises, under one root.

The tree:

    RestorativeError                 base of everything below
    ├── InvalidInput                 malformed input: empty id, naive datetime,
    │   │                            wrong type, unknown party or person
    │   ├── DecodeError              JSON or data the codec cannot turn into a value
    │   ├── ScenarioError            a simulation scenario with an impossible or unknown key
    │   └── LogError                 a log of cases (or its mapping) that cannot be read
    ├── Refused                      a well-formed command the case will not take;
    │   ├── StageError               the command is not possible in this stage
    │   ├── RuleViolation            a rule (R1-R19) refuses it now
    │   └── NotPermitted             the actor may not issue it (R14)
    ├── StoreError                   an event store could not do what was asked
    │   ├── CaseNotFound             no case with this id is stored
    │   ├── ConcurrencyError         another writer appended first; reload and retry
    │   ├── IntegrityError           stored rows were edited, deleted or reordered
    │   └── VaultError               personal data that is missing, erased or changed
    │       ├── WrongKey             the master key does not open a person's key
    │       └── ErasurePending       erased, but a reader kept the bytes on disk for now
    ├── SimulationError              the rules refused a simulated command (a bug to report)
    ├── MissingExtra                 an optional part is not installed (also an ImportError)
    └── DefinitionError              a process definition whose registrations disagree

Every `Refused` leaves the case exactly as it was (R16).
Each error carries its facts as attributes, and its message says what to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._lifecycle import Stage


class RestorativeError(Exception):
    """Base class of every error raised by restorative.

    Every error pickles with its attributes, so one raised in a worker process (the
    simulator's, the verifier's) reaches the caller whole.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(cls: type[RestorativeError], args: tuple[Any, ...], state: dict[str, Any]) -> RestorativeError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class InvalidInput(RestorativeError, ValueError):
    """A value or command is malformed: fix the input and send it again.

    Attributes:
        field: the name of the offending field, when one is known.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DecodeError(InvalidInput):
    """Data could not be decoded into a restorative value.

    Attributes:
        path: where in the data the problem is, e.g. ``$.referral.received_at``.
    """

    def __init__(self, message: str, *, path: str = "$") -> None:
        super().__init__(f"cannot decode {path}: {message}", field=path)
        self.path = path


class ScenarioError(InvalidInput):
    """A simulation scenario holds an impossible value or an unknown key.

    Attributes:
        key: the dotted key at fault, e.g. ``behaviour.consent``.
    """

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"scenario key {key}: {message}", field=key)
        self.key = key


class LogError(InvalidInput):
    """A log of cases, or the mapping that reads it, cannot be read for conformance checking.

    The message names the file and the place in it, what is wrong, and what to do.

    Attributes:
        source: the file (or mapping) at fault.
        where: the place in it, such as ``line 12`` or ``event 40`` (empty for the whole file).
    """

    def __init__(self, source: str, message: str, *, where: str = "") -> None:
        super().__init__(f"{source}, {where}: {message}" if where else f"{source}: {message}")
        self.source = source
        self.where = where


class Refused(RestorativeError):
    """A well-formed command that the case refuses; nothing was changed (R16).

    Attributes:
        rule: the id of the rule that refused it (``"R14"``), or ``None`` for a stage error.
        stage: the stage the case was in, or ``None`` when there was no case yet.
        hint: what must happen first, in words a caseworker can act on.
    """

    def __init__(self, message: str, *, rule: str | None, stage: Stage | None, hint: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.stage = stage
        self.hint = hint


class StageError(Refused):
    """The command is not possible in the case's current stage.

    Attributes:
        command: the name of the refused command.
        possible: the names of the commands the stage does take.
    """

    def __init__(self, command: str, stage: Stage | None, possible: Iterable[str]) -> None:
        self.command = command
        self.possible = tuple(sorted(possible))
        rule = "R2" if not self.possible else None
        if self.possible:
            hint = "commands possible now: " + ", ".join(self.possible)
        else:
            hint = "the case is closed and nothing changes it; a new mediation is a new case (Referral.linked_case)"
        super().__init__(
            f"{command} is not possible in stage {_name(stage)}: {hint}",
            rule=rule,
            stage=stage,
            hint=hint,
        )


class RuleViolation(Refused):
    """A rule refuses the command now; its hint says what must happen first."""

    def __init__(self, rule: str, stage: Stage | None, hint: str) -> None:
        super().__init__(f"{rule} refused in stage {_name(stage)}: {hint}", rule=rule, stage=stage, hint=hint)


class NotPermitted(Refused):
    """The actor may not issue this command on this case (R14).

    Attributes:
        actor: the id of the actor who tried.
    """

    def __init__(self, actor: str, stage: Stage | None, hint: str) -> None:
        self.actor = actor
        where = (
            "" if stage is None else f" in stage {stage.value}"
        )  # an outsider is told no stage, nor whether there is one
        super().__init__(
            f"R14 refused{where}: {actor} is not permitted: {hint}",
            rule="R14",
            stage=stage,
            hint=hint,
        )


class StoreError(RestorativeError):
    """An event store could not do what was asked; the driver's own error is the cause."""


class CaseNotFound(StoreError, KeyError):
    """No case with this id is stored.

    Attributes:
        case_id: the id asked for.
    """

    def __init__(self, case_id: str) -> None:
        super().__init__(f"no case {case_id!r} is stored")
        self.case_id = case_id

    def __str__(self) -> str:
        return str(self.args[0])


class ConcurrencyError(StoreError):
    """Another writer appended to the case first (optimistic concurrency); nothing was written.

    Reload the case, decide again, and append at the new version (`restorative.store.retry`).

    Attributes:
        case_id: the case.
        expected: the version the writer expected.
        actual: the version the store holds.
    """

    def __init__(self, case_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"case {case_id} is at version {actual}, not {expected}: another writer came first; reload and retry"
        )
        self.case_id = case_id
        self.expected = expected
        self.actual = actual


class IntegrityError(StoreError):
    """Stored rows do not match their hash chain: edited, deleted, reordered or unreadable.

    Attributes:
        case_id: the case.
        sequence: the first sequence number that does not check out.
        reason: what is wrong with it.
    """

    def __init__(self, case_id: str, sequence: int, reason: str) -> None:
        super().__init__(f"case {case_id}, event {sequence}: {reason}")
        self.case_id = case_id
        self.sequence = sequence
        self.reason = reason


class VaultError(StoreError):
    """The personal-data vault cannot give what was asked for one person.

    Attributes:
        person_id: the person's opaque id.
        reason: what is wrong.
    """

    def __init__(self, person_id: str, reason: str) -> None:
        super().__init__(f"person {person_id} {reason}")
        self.person_id = person_id
        self.reason = reason


class WrongKey(VaultError):
    """The master key given to the vault does not open a person's key: a wrong key, or a changed row.

    Nothing is decrypted with a wrong key: the vault refuses rather than return garbage.
    """

    def __init__(self, person_id: str) -> None:
        super().__init__(
            person_id,
            "cannot be read with this master key: use the key the vault was written with "
            "(or the row holding the person's key was changed)",
        )


class ErasurePending(VaultError):
    """An erasure is recorded and committed, but the erased bytes are still on disk for now.

    The person's key and record are deleted and the `Erasure` is recorded: do not erase
    again. But another connection was reading the SQLite database from an older snapshot,
    so its write-ahead log (the ``-wal`` file) could not be emptied, and it still holds
    the sealed key and record byte for byte (the database file may hold its old copy
    too). The database records that the erasure is pending; the vault finishes it on its
    next write, on `Vault.checkpoint()` (which says whether it did), and when a vault is
    next opened, and every commit through the store's connection checkpoints the log
    meanwhile. Until one of them has finished, treat the data as still on disk.

    Attributes:
        erasures: the erasures that were made (`restorative.privacy.Erasure` records).
    """

    def __init__(self, erasures: Iterable[Any]) -> None:
        self.erasures = tuple(erasures)
        ids = [erasure.person_id for erasure in self.erasures]
        if not ids:
            who, verb = "(earlier erasures)", "are"
        elif len(ids) == 1:
            who, verb = ids[0], "is"
        else:
            who, verb = f"{ids[0]} and {len(ids) - 1} more", "are"
        reason = (
            f"{verb} erased, but another connection's read kept the deleted bytes in the SQLite write-ahead log: "
            "finish with Vault.checkpoint() once that reader is done (a later write through the vault retries)"
        )
        StoreError.__init__(self, f"{who} {reason}")
        self.person_id = who
        self.reason = reason


class SimulationError(RestorativeError):
    """The rules refused a command the simulator chose: the simulator, not the case, is wrong.

    The simulator only sends commands that `allowed` offers and whose arguments it built
    from the case, so this is a bug in restorative; the message has what is needed to
    reproduce it.

    Attributes:
        case_id: the simulated case.
        index: its index in the scenario (with the seed, enough to replay it alone).
        refusal: the error the decider raised.
    """

    def __init__(self, case_id: str, index: int, refusal: Exception) -> None:
        super().__init__(
            f"simulated case {case_id} (index {index}) was refused: {refusal}; "
            "please report this with the scenario and its seed"
        )
        self.case_id = case_id
        self.index = index
        self.refusal = refusal


class MissingExtra(RestorativeError, ImportError):
    """Something asked for needs an optional package that is not installed; nothing was written.

    Install the extra the message names, e.g. ``pip install 'restorative[sim]'``.

    Attributes:
        feature: what needs it, e.g. ``Parquet export``.
        module: the package that is missing, e.g. ``pyarrow``.
        extra: the extra of restorative that installs it, e.g. ``sim``.
    """

    def __init__(self, feature: str, module: str, extra: str) -> None:
        super().__init__(f"{feature} needs {module}, which is not installed: pip install 'restorative[{extra}]'")
        self.feature = feature
        self.module = module
        self.extra = extra


class DefinitionError(RestorativeError):
    """A process definition's parts do not fit together; raised when the definition is built (at import).

    Attributes:
        definition: the definition's name.
        problems: every disagreement found, each in words (a command nobody decides, an
            event folded twice, a trigger the lifecycle does not know).
    """

    def __init__(self, definition: str, problems: Iterable[str]) -> None:
        self.definition = definition
        self.problems = tuple(problems)
        super().__init__(f"process definition {definition!r} is inconsistent: " + "; ".join(self.problems))


def _name(stage: Stage | None) -> str:
    return "(no case yet)" if stage is None else stage.value


__all__ = [
    "CaseNotFound",
    "ConcurrencyError",
    "DecodeError",
    "DefinitionError",
    "ErasurePending",
    "IntegrityError",
    "InvalidInput",
    "LogError",
    "MissingExtra",
    "NotPermitted",
    "Refused",
    "RestorativeError",
    "RuleViolation",
    "ScenarioError",
    "SimulationError",
    "StageError",
    "StoreError",
    "VaultError",
    "WrongKey",
]
