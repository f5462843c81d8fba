"""Exhaustive exploration of bounded cases, and shortest paths; see `restorative.verify`."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

from attrs import field, frozen

from .. import _arguments as arguments
from .. import commands as c
from .._checks import check_non_negative, check_type, shown
from .._lifecycle import FINAL_STAGES, Stage, Transition, walk
from .._policy import Continuation, Policy
from .._replace import replace
from .._timeline import describe_command
from .._values import Actor, ActorKind, Case, CaseKind, Party, Referral, ReferralSource, Role
from ..commands import Command
from ..errors import InvalidInput
from ..events import Event
from ..process import MEDIATION
from . import _alphabet
from . import _oracle as _invariants
from ._alphabet import Cast, state_key
from ._oracle import Decide, Violation

_decide = MEDIATION.decide
evolve = MEDIATION.evolve
replay = MEDIATION.replay

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""When every explored case is referred."""

CUSTOM_POLICY = Policy(
    name="verify-custom",
    criminal_cooling_off_days=0,
    civil_cooling_off_by_default=True,
    civil_cooling_off_days=7,
    preparatory_talks_required=False,
    max_mediators=1,
    longest_item_deadline_days=60,
    continuation=Continuation.ANY_WITHDRAWAL_ENDS,
)
"""A policy unlike Norway's on every flag the rules read: the second policy the verifier explores."""


def transitions() -> frozenset[Transition]:
    """Return every transition of the mediation lifecycle, moves and steps."""
    return frozenset(MEDIATION.lifecycle.transitions)


@frozen(kw_only=True)
class Configuration:
    """One bounded family of cases: who is referred, under which policy, with what on offer.

    Args:
        parties: how many parties (2 to 4).
        kind: criminal (referred by the prosecution) or civil (referred by the police).
        minor: whether the first party is a minor, aged `minor_age`, with `guardians` guardians.
        minor_age: the minor's age on the day of referral.
        guardians: how many guardians the minor has.
        policy: the policy the case runs under.
        cast: what the alphabet offers beyond the essentials (support persons, adjournments...).
    """

    parties: int = field(default=2)
    kind: CaseKind = field(default=CaseKind.CRIMINAL, validator=check_type(CaseKind))
    minor: bool = field(default=False, validator=check_type(bool))
    minor_age: int = field(default=16, validator=check_non_negative)
    guardians: int = field(default=1, validator=check_non_negative)
    policy: Policy = field(factory=Policy.norway, validator=check_type(Policy))
    cast: Cast = field(factory=Cast, validator=check_type(Cast))

    @parties.validator
    def _check_parties(self, _: Any, value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not 2 <= value <= 4:
            raise InvalidInput(f"parties must be 2 to 4, not {shown(value)}", field="parties")

    @property
    def label(self) -> str:
        """A short readable name, e.g. ``3 parties, civil, minor, verify-custom``."""
        names = ("support", "lawyer", "second_mediator", "conflicts", "second_staff")
        extras = [name for name in names if getattr(self.cast, name)]
        minor = f", minor aged {self.minor_age} with {self.guardians} guardian(s)" if self.minor else ""
        text = f"{self.parties} parties, {self.kind.value}{minor}"
        return ", ".join([text, self.policy.name, *(name.replace("_", " ") for name in extras)])

    @classmethod
    def defaults(cls, parties: int = 2) -> tuple[Configuration, ...]:
        """Return the default bounded set for a party count.

        Criminal and civil, with and without a minor, under Norway's and the custom policy,
        each with one mediator, one member of staff and up to one adjournment (the minor is
        16 with one guardian); then one configuration per extra feature (support persons; a
        second mediator with conflicts of interest; a second member of staff and a lawyer;
        a civil 14-year-old, under the dispensation age, with two guardians), so features
        add states instead of multiplying them.
        """
        core = [
            cls(parties=parties, kind=kind, minor=minor, policy=policy)
            for kind in (CaseKind.CRIMINAL, CaseKind.CIVIL)
            for minor in (False, True)
            for policy in (Policy.norway(), CUSTOM_POLICY)
        ]
        features = [
            cls(parties=parties, kind=CaseKind.CRIMINAL, cast=Cast(support=True)),
            cls(parties=parties, kind=CaseKind.CIVIL, cast=Cast(second_mediator=True, conflicts=True)),
            cls(parties=parties, kind=CaseKind.CRIMINAL, cast=Cast(second_staff=True, lawyer=True)),
            cls(parties=parties, kind=CaseKind.CIVIL, minor=True, minor_age=14, guardians=2),
        ]
        return (*core, *features)

    def referral(self, *, case_id: str = "verify", at: datetime = T0) -> c.ReferCase:
        """Return the command that opens a case of this configuration, received and referred at `at`."""
        criminal = self.kind is CaseKind.CRIMINAL
        parties = []
        for n in range(self.parties):
            role = Role.PARTY if not criminal else Role.HARMED if n % 2 == 0 else Role.RESPONSIBLE
            minor = self.minor and n == 0
            parties.append(
                Party(
                    id=f"p{n}",
                    role=role,
                    birth_date=date(at.year - self.minor_age, 1, 1) if minor else None,
                    guardians=tuple(f"g{k}" for k in range(self.guardians)) if minor else (),
                )
            )
        source = ReferralSource.PROSECUTION if criminal else ReferralSource.POLICE
        return c.ReferCase(
            actor=Actor(id=_alphabet.STAFF[0], kind=ActorKind.STAFF),
            at=at,
            case_id=case_id,
            referral=Referral(source=source, kind=self.kind, received_at=at),
            parties=tuple(parties),
            policy=self.policy,
        )


@frozen(kw_only=True)
class Finding:
    """A violation with the shortest history that shows it.

    Args:
        rule: the broken rule's id, or ``dead-end``, ``unreached-stage``,
            ``unexercised-transition`` for the checks on the whole graph.
        message: what was seen.
        configuration: the configuration's label (empty for whole-run checks).
        commands: the commands from the referral to the violation, the last one the culprit.
    """

    rule: str
    message: str
    configuration: str = ""
    commands: tuple[Command, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict: rule, message, configuration and the history as readable lines."""
        return {
            "rule": self.rule,
            "message": self.message,
            "configuration": self.configuration,
            "history": [describe_command(command) for command in self.commands],
        }

    def __str__(self) -> str:
        lines = [f"{self.rule}: {self.message}"]
        if self.configuration:
            lines.append(f"  in {self.configuration}, after:")
        lines += [f"  {n:>3}. {describe_command(command)}" for n, command in enumerate(self.commands, 1)]
        return "\n".join(lines)


@frozen(kw_only=True)
class Exploration:
    """What `explore` saw.

    Args:
        parties: the party counts explored.
        configurations: how many configurations were explored.
        states: distinct states reached, over all configurations.
        transitions: accepted commands tried (edges of the state graph, self-loops included).
        refusals: refused commands checked.
        seconds: wall time.
        violations: every finding, shortest first per rule and configuration.
        stages: the stages reached.
        exercised: the machine transitions exercised.
    """

    parties: tuple[int, ...]
    configurations: int
    states: int
    transitions: int
    refusals: int
    seconds: float
    violations: tuple[Finding, ...]
    stages: frozenset[Stage]
    exercised: frozenset[Transition]

    @property
    def ok(self) -> bool:
        """Whether every check held."""
        return not self.violations

    def summary(self) -> dict[str, Any]:
        """Return the JSON summary that `restorative verify --json` prints."""
        return {
            "parties": self.parties[0] if len(self.parties) == 1 else list(self.parties),
            "configurations": self.configurations,
            "states": self.states,
            "transitions": self.transitions,
            "refusals": self.refusals,
            "seconds": round(self.seconds, 3),
            "violations": [finding.to_json() for finding in self.violations],
        }


class _Graph:
    """The explored state graph of one configuration."""

    def __init__(self, configuration: Configuration) -> None:
        self.configuration = configuration
        self.cases: list[Case] = []
        self.parent: list[int] = []
        self.via: list[Command | None] = []
        self.events: list[tuple[Event, ...]] = []
        self.successors: list[list[int]] = []
        self.index: dict[Hashable, int] = {}

    def add(self, case: Case, parent: int, via: Command | None, events: tuple[Event, ...]) -> tuple[int, bool]:
        key = state_key(case)
        known = self.index.get(key)
        if known is not None:
            return known, False
        number = len(self.cases)
        self.index[key] = number
        self.cases.append(case)
        self.parent.append(parent)
        self.via.append(via)
        self.events.append(events)
        self.successors.append([])
        return number, True

    def commands(self, number: int, last: Command | None = None) -> tuple[Command, ...]:
        path: list[Command] = [] if last is None else [last]
        while number >= 0:
            command = self.via[number]
            if command is not None:
                path.append(command)
            number = self.parent[number]
        return tuple(reversed(path))

    def history(self, number: int) -> list[Event]:
        chain: list[tuple[Event, ...]] = []
        while number >= 0:
            chain.append(self.events[number])
            number = self.parent[number]
        return [event for events in reversed(chain) for event in events]


class _Run:
    """One exploration: the graphs, the counters and the findings."""

    def __init__(self, decide: Decide) -> None:
        self.decide = decide
        self.states = 0
        self.edges = 0
        self.refusals = 0
        self.findings: list[Finding] = []
        self.reported: set[tuple[str, str]] = set()
        self.stages: set[Stage] = set()
        self.exercised: set[Transition] = set()
        self.replayed: set[tuple[Stage, Stage]] = set()

    def merge(self, other: _Run) -> None:
        self.states += other.states
        self.edges += other.edges
        self.refusals += other.refusals
        self.findings += other.findings
        self.stages |= other.stages
        self.exercised |= other.exercised

    def find(self, graph: _Graph, number: int, violations: Iterable[Violation], last: Command | None = None) -> None:
        for violation in violations:
            label = graph.configuration.label
            if (violation.rule, label) in self.reported:
                continue  # breadth first: the first finding per rule is a shortest one
            self.reported.add((violation.rule, label))
            self.findings.append(
                Finding(
                    rule=violation.rule,
                    message=violation.message,
                    configuration=label,
                    commands=graph.commands(number, last),
                )
            )

    def explore(self, configuration: Configuration) -> _Graph:
        graph = _Graph(configuration)
        opening = configuration.referral()
        root = self.decide(None, opening)
        graph.add(replay(root), -1, opening, root)
        queue = deque([0])
        decide = self.decide
        while queue:
            number = queue.popleft()
            case = graph.cases[number]
            self.stages.add(case.stage)
            if case.stage in FINAL_STAGES:
                self._replay(graph, number, case)
            for command in _alphabet.commands(case, configuration.cast):
                try:
                    events = decide(case, command)
                except Exception as error:
                    self.refusals += 1
                    self.find(graph, number, _invariants.refused(case, command, error), command)
                    continue
                self.edges += 1
                after = case
                stage = case.stage
                self.exercised.add((command.trigger, stage, None))
                self.exercised.update(_moved(events, stage))
                for event in events:
                    after = evolve(after, event)
                self.find(graph, number, _invariants.accepted(case, command, after, events), command)
                self._stranger(graph, number, case, command)
                successor, new = graph.add(after, number, command, events)
                graph.successors[number].append(successor)
                if new:
                    queue.append(successor)
        self.states += len(graph.cases)
        self._liveness(graph)
        return graph

    def _replay(self, graph: _Graph, number: int, case: Case) -> None:
        """R15: a final case equals the replay of its history.

        Withdrawals end a case from almost every state, so a withdrawn case is replayed
        once per stage it was withdrawn from; every other final state is replayed.
        """
        parent = graph.cases[graph.parent[number]]
        if isinstance(graph.via[number], c.Withdraw):
            seen = (parent.stage, case.stage)
            if seen in self.replayed:
                return
            self.replayed.add(seen)
        self.find(graph, number, _invariants.history(graph.history(number), case))

    def _stranger(self, graph: _Graph, number: int, case: Case, command: Command) -> None:
        """R14: the same command from someone the case does not know is refused."""
        stranger = replace(command, actor=_alphabet.STRANGER)
        try:
            self.decide(case, stranger)
        except Exception:
            return
        self.find(graph, number, [Violation("R14", f"{type(command).__name__} was accepted from a stranger")], stranger)

    def _liveness(self, graph: _Graph) -> None:
        """Every open state can still reach a final one."""
        incoming: list[list[int]] = [[] for _ in graph.cases]
        for source, targets in enumerate(graph.successors):
            for target in targets:
                incoming[target].append(source)
        alive = {n for n, case in enumerate(graph.cases) if case.stage in FINAL_STAGES}
        queue = deque(alive)
        while queue:
            for source in incoming[queue.popleft()]:
                if source not in alive:
                    alive.add(source)
                    queue.append(source)
        for number in range(len(graph.cases)):
            if number not in alive:
                stage = graph.cases[number].stage.value
                stuck = Violation("dead-end", f"no final stage is reachable from this {stage} state")
                self.find(graph, number, [stuck])
                break


def _moved(events: Sequence[Event], stage: Stage) -> list[Transition]:
    """The moves the events make from `stage`, by the stage walk (up to one it cannot make)."""
    found: list[Transition] = []
    try:
        for event, before, after in walk(events, stage):
            if event.trigger is not None:
                found.append((event.trigger, before, after))
    except InvalidInput:
        pass  # an impossible move: the oracle reports it (R2)
    return found


def _explore_one(configuration: Configuration, decide: Decide) -> _Run:
    run = _Run(decide)
    run.explore(configuration)
    run.replayed.clear()
    return run


Progress = Callable[[int, int, Configuration], None]
"""Called after each configuration with (done, total, configuration)."""


def explore(
    parties: int | Sequence[int] = 2,
    *,
    configurations: Sequence[Configuration] | None = None,
    decide: Decide = _decide,
    progress: Progress | None = None,
    workers: int = 1,
) -> Exploration:
    """Explore every reachable state of the bounded cases and check every rule in each.

    Args:
        parties: the party count(s) whose default configurations to explore.
        configurations: explore these instead of the defaults.
        decide: the decider to verify; `restorative.decide` unless testing a variant.
        progress: called after each configuration, e.g. to draw a progress bar.
        workers: processes to spread the configurations over; `decide` must then be
            picklable (a module-level function). Findings come in configuration order
            whatever the number of workers.

    Returns:
        The counts, the time taken and every finding, each with a shortest history.

    Raises:
        InvalidInput: an argument of the wrong type, or a party count other than 2 to 4.
    """
    started = time.perf_counter()
    counts = _party_counts("explore", parties)
    if not callable(decide):
        arguments.refuse("explore", "decide", "a decider, such as restorative.decide", decide)
    arguments.call("explore", "progress", progress)
    arguments.count("explore", "workers", workers, 1)
    chosen = (
        _configurations("explore", configurations)
        if configurations is not None
        else tuple(conf for n in counts for conf in Configuration.defaults(n))
    )
    run = _Run(decide)
    if workers > 1 and len(chosen) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            # The feature configurations come last and are the largest: start them first.
            futures = {n: pool.submit(_explore_one, chosen[n], decide) for n in reversed(range(len(chosen)))}
            for done, configuration in enumerate(chosen, 1):
                run.merge(futures[done - 1].result())
                if progress is not None:
                    progress(done, len(chosen), configuration)
    else:
        for done, configuration in enumerate(chosen, 1):
            run.merge(_explore_one(configuration, decide))
            if progress is not None:
                progress(done, len(chosen), configuration)
    if configurations is None:
        for stage in Stage:
            if stage not in run.stages:
                run.findings.append(Finding(rule="unreached-stage", message=f"no case reached {stage.value}"))
        for trigger, source, dest in sorted(transitions() - run.exercised, key=str):
            target = "" if dest is None else f" -> {dest.value}"
            run.findings.append(
                Finding(rule="unexercised-transition", message=f"{trigger} from {source.value}{target} never ran")
            )
    return Exploration(
        parties=tuple(sorted({conf.parties for conf in chosen})),
        configurations=len(chosen),
        states=run.states,
        transitions=run.edges,
        refusals=run.refusals,
        seconds=time.perf_counter() - started,
        violations=tuple(run.findings),
        stages=frozenset(run.stages),
        exercised=frozenset(run.exercised),
    )


@frozen(kw_only=True)
class Path:
    """A shortest command sequence from the referral to a stage or through a transition.

    Args:
        target: ``stage consent`` or ``accept: referred -> consent`` (a step has no arrow).
        configuration: the configuration it was found in.
        commands: the commands, starting with the referral.
        stage: the stage the case is in after the last command.
    """

    target: str
    configuration: Configuration
    commands: tuple[Command, ...]
    stage: Stage


def _party_counts(function: str, parties: Any, *, many: bool = True) -> tuple[int, ...]:
    """The party counts `parties` names (one, or a sequence of them when `many`), each 2 to 4."""
    wanted = "2, 3 or 4" + (", or a sequence of them" if many else "")
    if many and isinstance(parties, Sequence) and not isinstance(parties, str | bytes):
        counts = tuple(parties)
    elif isinstance(parties, int) and not isinstance(parties, bool):
        counts = (parties,)
    else:
        arguments.refuse(function, "parties", wanted, parties)
    for count in counts:
        if not isinstance(count, int) or isinstance(count, bool) or not 2 <= count <= 4:
            arguments.refuse(function, "parties", wanted, parties)
    return counts


def _configurations(function: str, configurations: Any) -> tuple[Configuration, ...]:
    """`configurations` as a tuple, if it is a sequence (not a text) of `Configuration` values."""
    if isinstance(configurations, str | bytes) or not isinstance(configurations, Sequence):
        arguments.refuse(function, "configurations", "a sequence of Configuration values, or None", configurations)
    return tuple(arguments.entries(function, "configurations", configurations, Configuration, "Configuration values"))


def _target(transition: Transition) -> str:
    trigger, source, dest = transition
    return f"{trigger}: {source.value}" + ("" if dest is None else f" -> {dest.value}")


def paths(parties: int = 2, *, configurations: Sequence[Configuration] | None = None) -> tuple[Path, ...]:
    """Find the shortest command sequence to every stage and through every transition of the machine.

    Configurations are searched in order and each target keeps its shortest path over
    all of them, so a test generated from a path starts from a real referral and drives
    the real decider.
    """
    (count,) = _party_counts("paths", parties, many=False)
    chosen = _configurations("paths", configurations) if configurations is not None else Configuration.defaults(count)
    best: dict[str, Path] = {}

    def offer(target: str, configuration: Configuration, commands: tuple[Command, ...], stage: Stage) -> None:
        known = best.get(target)
        if known is None or len(commands) < len(known.commands):
            best[target] = Path(target=target, configuration=configuration, commands=commands, stage=stage)

    for configuration in chosen:
        graph = _Run(_decide).explore(configuration)
        for number, case in enumerate(graph.cases):
            prefix = graph.commands(number)
            offer(f"stage {case.stage.value}", configuration, prefix, case.stage)
            for command in _alphabet.commands(case, configuration.cast):
                try:
                    events = _decide(case, command)
                except Exception:
                    continue
                moved = _moved(events, case.stage)
                targets = [_target((command.trigger, case.stage, None)), *map(_target, moved)]
                stage = moved[-1][2] if moved else case.stage
                for target in targets:
                    offer(target, configuration, (*prefix, command), stage or case.stage)
    wanted = [f"stage {stage.value}" for stage in Stage] + sorted(_target(t) for t in transitions())
    return tuple(best[target] for target in wanted if target in best)
