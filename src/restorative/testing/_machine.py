"""`CaseStateMachine`: a Hypothesis stateful test of any system that runs cases, with our rule checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import ClassVar

try:
    from hypothesis import event as note
    from hypothesis import strategies as st
    from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
except ModuleNotFoundError as missing:
    from ._extra import without_hypothesis

    raise without_hypothesis("restorative.testing.CaseStateMachine", missing) from None

from .._lifecycle import ACTIVE_STAGES, Stage
from .._replace import replace
from .._timeline import describe_command
from .._values import Actor, ActorKind, Case
from ..commands import Command, ReferCase, Withdraw
from ..errors import RestorativeError
from ..events import Event
from ..process._mediation import decide, replay
from ..verify import _alphabet
from ..verify import _oracle as _invariants
from ..verify._alphabet import STRANGER, Cast
from ..verify._oracle import Violation
from . import strategies as rst
from ._adapters import Adapter, DeciderAdapter
from ._drive import History, later


class CaseStateMachine(RuleBasedStateMachine):
    """Random walks through one case, sent to an `Adapter`, checked against every rule.

    Subclass it and override `make_adapter` to plug in your service layer or HTTP
    client; the subclass's ``TestCase`` attribute is a unittest case pytest collects:

    ```python
    class TestMyService(CaseStateMachine):
        def make_adapter(self):
            return MyServiceAdapter(fresh_database())

    TestMyService.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None)
    ```

    Hypothesis' defaults (100 walks of up to 50 steps, 200 ms per walk) make a slow
    suite and, against a real database, `DeadlineExceeded` failures that are no broken
    rule; docs/testing.md explains the settings above.

    Each step sends a command (valid, invalid, from a stranger, from the past, or
    later in time) to the adapter, then checks the answer:

    * the rule checks of `restorative.verify` on every accepted and refused command
      (R1-R16), and after every step that the history replays to the case (R15);
    * with `compare_with_reference` (the default), that the adapter accepted exactly
      what `restorative.decide` accepts, with the same events, and refused with the
      same rule; a refused command leaves the adapter's case as it was (R16).

    A failure names the rule, the command and the whole history so far.
    """

    compare_with_reference: ClassVar[bool] = True
    """Also require the adapter to agree with `restorative.decide` command by command."""
    casts: ClassVar[st.SearchStrategy[Cast]] = rst.casts()
    """What a walk may try besides the essentials, drawn once per walk: walks that try
    fewer things go deeper into the ones they try."""

    def __init__(self) -> None:
        super().__init__()
        self.adapter = self.make_adapter()
        self._history: History | None = None
        self.cast = rst.FULL_CAST

    def make_adapter(self) -> Adapter:
        """The system under test; by default the pure decider itself. Override this."""
        return DeciderAdapter()

    # --- state -------------------------------------------------------------------------

    @property
    def history(self) -> History:
        """The case so far, as the adapter's events made it."""
        assert self._history is not None, "the case is opened by the first step"
        return self._history

    @property
    def case(self) -> Case:
        """The case as it stands."""
        return self.history.case

    def fail(self, violations: Sequence[Violation], command: Command) -> None:
        """Fail the test, naming each broken rule, the command and the history."""
        lines = [f"{v.rule} broken: {v.message}" for v in violations]
        lines.append(f"command: {describe_command(command)}")
        lines.append("history:")
        lines += ["  " + line for line in self.history.timeline().splitlines()]
        raise AssertionError("\n".join(lines))

    # --- steps -------------------------------------------------------------------------

    @initialize(data=st.data(), start=st.sampled_from(ACTIVE_STAGES))
    def open_case(self, data: st.DataObject, start: Stage) -> None:
        """Refer a case through the adapter and take it to a drawn stage by real commands.

        The commands come from `strategies.histories`, so walks start anywhere in the
        process; each is sent to the adapter and checked like every later step.
        """
        self.cast = data.draw(type(self).casts)
        opening = data.draw(rst.histories(start, cast=st.just(self.cast), max_steps=20))
        command = opening.commands[0]
        assert isinstance(command, ReferCase)
        events = tuple(self.adapter.send(command.case_id, command))
        if self.compare_with_reference:
            expected = decide(None, command)
            assert events == expected, f"the referral recorded {events}, expected {expected}"
        assert events, "the referral recorded no event"
        case = replay(events)
        self._history = History(case=case, commands=(command,), events=events)
        for command in opening.commands[1:]:
            self.send(command)

    def options(self, ending: bool) -> list[Command]:
        """The alphabet for the case now; commands that may end the case only if `ending`."""
        commands = _alphabet.commands(self.case, self.cast)
        return [c for c in commands if ending or not _ends(c)]

    @rule(data=st.data(), ending=st.integers(0, 5))
    def any_command(self, data: st.DataObject, ending: int) -> None:
        """Any command of the alphabet, accepted or refused; one that may end the case one time in six."""
        options = self.options(ending == 0)
        if options:
            self.send(data.draw(st.sampled_from(options)))

    @rule(data=st.data(), steps=st.integers(1, 25))
    def advance(self, data: st.DataObject, steps: int) -> None:
        """Up to `steps` commands that keep the case going, so walks reach late stages.

        Three in four are commands `restorative.decide` accepts; the fourth may be any
        command, so a system that accepts more than it should is led down that path.
        """
        for _ in range(steps):
            options = self.options(ending=False)
            if data.draw(st.integers(0, 3)) != 0:
                options = [c for c in options if _accepted(self.case, c)]
            if not options:
                return
            self.send(data.draw(st.sampled_from(options)))

    @rule(data=st.data(), hours=st.integers(1, 24 * 40), ending=st.integers(0, 5))
    def command_later(self, data: st.DataObject, hours: int, ending: int) -> None:
        """A command sent after some time has passed (deadlines and cooling-off may have run out)."""
        options = self.options(ending == 0)
        if options:
            self.send(later(data.draw(st.sampled_from(options)), timedelta(hours=hours)))

    @precondition(lambda self: self._history is not None)
    @rule(data=st.data())
    def a_command_from_another_walk(self, data: st.DataObject) -> None:
        """A command of another walk from the same referral, sent now.

        The alphabet offers only what the case's stage takes; this is how a command meets a
        stage that does not take it (a consent while the case is still referred), or a
        closed case (R2), and the system must refuse it as `restorative.decide` does.
        """
        opening = self.history.commands[0]
        assert isinstance(opening, ReferCase)
        other = data.draw(rst.histories(referral=st.just(opening), cast=st.just(self.cast), max_steps=10))
        if len(other.commands) > 1:
            command = data.draw(st.sampled_from(other.commands[1:]))
            self.send(replace(command, at=max(command.at, self.case.updated_at)))

    @rule(data=st.data())
    def command_from_a_stranger(self, data: st.DataObject) -> None:
        """R14: a command from someone the case does not know is refused."""
        options = list(_alphabet.commands(self.case, rst.FULL_CAST))
        if options:
            self.send(replace(data.draw(st.sampled_from(options)), actor=STRANGER))  # `accepted` flags R14

    @rule(data=st.data(), hours=st.integers(1, 100))
    def command_from_the_past(self, data: st.DataObject, hours: int) -> None:
        """R15: a command dated before the case's last event is refused."""
        options = list(_alphabet.commands(self.case, self.cast))
        if options:
            self.send(later(data.draw(st.sampled_from(options)), -timedelta(hours=hours)))  # `accepted` flags R15

    @precondition(lambda self: self._history is not None and not self.case.stage.is_final)
    @rule(data=st.data(), chance=st.integers(0, 5))
    def someone_withdraws(self, data: st.DataObject, chance: int) -> None:
        """R1: every party still in the case may withdraw, or have a guardian withdraw them (one time in six)."""
        if chance:
            return
        party = data.draw(st.sampled_from(self.case.active_parties))
        who = [Actor(id=party.id, kind=ActorKind.PARTY)]
        who += [Actor(id=g, kind=ActorKind.GUARDIAN) for g in party.guardians if party.minor]
        self.send(Withdraw(actor=data.draw(st.sampled_from(who)), at=self.case.updated_at, party_id=party.id))

    # --- the check -----------------------------------------------------------------------

    def send(self, command: Command) -> bool:
        """Send `command` to the adapter, check the answer, and return whether it was accepted."""
        before = self.case
        refusal: RestorativeError | None = None
        crash: Exception | None = None
        events: tuple[Event, ...] = ()
        try:
            events = tuple(self.adapter.send(before.id, command))
        except RestorativeError as error:
            refusal = error
        except Exception as error:  # any other failure of the system under test is a finding too
            crash = error
        # Failures are raised outside the except blocks: an AssertionError raised inside one carries
        # the system's error as its context, and Hypothesis would count one defect as many failures.
        if crash is not None:
            self.fail([Violation("R16", f"the adapter failed with {type(crash).__name__}: {crash}")], command)
        if refusal is not None:
            self._refused(before, command, refusal)
            return False
        new = self.history.after(command, events)
        after = new.case
        violations = list(_invariants.accepted(before, command, after, events))
        if self.compare_with_reference:
            violations += _against_reference(before, command, events)
        if violations:
            self.fail(violations, command)
        self._history = new
        return True

    def _refused(self, before: Case, command: Command, error: RestorativeError) -> None:
        violations = list(_invariants.refused(before, command, error))
        if self.compare_with_reference:
            try:
                decide(before, command)
            except RestorativeError as expected:
                rule_now, rule_expected = getattr(error, "rule", None), getattr(expected, "rule", None)
                if rule_now != rule_expected:
                    violations.append(
                        Violation(rule_expected or "R16", f"refused by {rule_now}, expected {rule_expected}: {error}")
                    )
            else:
                violations.append(Violation("R16", f"refused a command restorative accepts: {error}"))
        stored = self.adapter.load(before.id)
        if stored is not None and stored != before:
            violations.append(Violation("R16", "the refused command changed the stored case"))
        if violations:
            self.fail(violations, command)

    # --- invariants ----------------------------------------------------------------------

    @invariant()
    def history_replays_to_the_case(self) -> None:
        """R15: the case is the fold of its events, and time never goes backwards."""
        if self._history is None:
            return
        violations = list(_invariants.history(self.history.events, self.case))
        if violations:
            self.fail(violations, self.history.commands[-1])

    @invariant()
    def adapter_holds_the_same_case(self) -> None:
        """The adapter's stored case, if it can load one, equals the case its events make."""
        if self._history is None:
            return
        stored = self.adapter.load(self.case.id)
        if stored is not None and stored != self.case:
            self.fail(
                [Violation("R15", "the adapter's stored case differs from its events")], self.history.commands[-1]
            )

    def teardown(self) -> None:
        """Record how far the walk got, for `hypothesis --hypothesis-show-statistics`."""
        if self._history is not None:
            note(f"reached {self.case.stage.value}")
        self.adapter.close()


_ENDINGS = ("withdraw", "decline", "fail")


def _ends(command: Command) -> bool:
    return command.trigger in _ENDINGS or getattr(command, "fulfilled", True) is False


def _accepted(case: Case, command: Command) -> bool:
    try:
        decide(case, command)
    except RestorativeError:
        return False
    return True


def _against_reference(before: Case, command: Command, events: tuple[Event, ...]) -> list[Violation]:
    try:
        expected = decide(before, command)
    except RestorativeError as error:
        rule_id = getattr(error, "rule", None) or "R16"
        return [Violation(rule_id, f"accepted a command restorative refuses: {error}")]
    if events != expected:
        return [Violation("R15", f"recorded {len(events)} events where restorative records {len(expected)}")]
    return []
