"""The UI's command forms: one form per command `allowed` gives, and the command back from a posted form.

Every field of a command becomes an input the case can fill in sensibly (a choice of
the case's parties for a ``party_id``, checkboxes of the agreed attendees for
``attendees``); the actor and the time never do: they come from the login and the
service's clock. A command whose arguments follow from the actor (consent, signing,
withdrawal) becomes one button per accepted candidate, as `allowed` tried them.
"""

from __future__ import annotations

import enum
import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import attrs
from attrs import frozen

from .._queries import default_attendees
from .._values import (
    Actor,
    ActorKind,
    Case,
    CaseKind,
    Exemption,
    Item,
    ItemKind,
    MeetingKind,
    ParticipantRole,
    Party,
    Referral,
    ReferralSource,
    Role,
    TalkChannel,
)
from ..commands import COMMAND_TYPES, Command, ReferCase
from ..errors import InvalidInput, NotPermitted, RuleViolation, StageError
from ..process import MEDIATION

WidgetKind = Literal["hidden", "text", "select", "checkboxes", "datetime", "items"]

COMMANDS: dict[str, type[Command]] = {kind.__name__: kind for kind in COMMAND_TYPES}
"""Every command class by the name a form posts it under."""

_RULES = {rule.kind: rule for rule in MEDIATION.commands}
_REFUSALS = (InvalidInput, NotPermitted, RuleViolation, StageError)
_ITEM_ROWS = 3
_ITEM_DAYS = 30


@frozen
class Choice:
    """One option of a select or a checkbox group."""

    value: str
    label: str


@frozen
class Widget:
    """One input of a form: its field name, what the person sees, and what it holds at first."""

    name: str
    label: str
    kind: WidgetKind
    value: str = ""
    choices: tuple[Choice, ...] = ()
    checked: frozenset[str] = frozenset()
    rows: tuple[Mapping[str, str], ...] = ()
    """The rows of an ``items`` editor."""


@frozen
class Action:
    """One form on the case page: a command the actor may send, with its inputs."""

    command: str
    key: str
    title: str
    help: str
    widgets: tuple[Widget, ...]
    buttons: tuple[Choice, ...] = ()
    """Several submit buttons for one field (the field is `button_field`), e.g. kept / not kept."""
    button_field: str = ""


def words(name: str) -> str:
    """``GiveGuardianConsent`` as ``Give guardian consent``."""
    parts = re.findall(r"[A-Z][a-z]*", name)
    return " ".join([parts[0], *(p.lower() for p in parts[1:])]) if parts else name


def summary(kind: type[Any]) -> str:
    """The first line of a class's docstring."""
    return (kind.__doc__ or "").strip().splitlines()[0] if kind.__doc__ else ""


def local_input(at: datetime) -> str:
    """A moment as a ``datetime-local`` input holds it, in UTC to the minute."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def actions(
    case: Case, actor: Actor, now: datetime, *, staff: Sequence[str] = (), mediators: Sequence[str] = ()
) -> list[Action]:
    """The forms for every command `allowed(case, actor)` gives now, in the library's order.

    Args:
        case: the whole case (not a privacy view: the forms need what the rules need).
        actor: who is logged in.
        now: the service clock's time.
        staff: staff ids to suggest (from the token table).
        mediators: mediator ids to suggest.
    """
    found: list[Action] = []
    for kind in MEDIATION.allowed(case, actor, now):
        rule = _RULES[kind]
        candidates = None if rule.candidates is None else rule.candidates(case, actor, now)
        if candidates is None:
            found.append(_form(kind, case, actor, now, staff=staff, mediators=mediators))
            continue
        for candidate in candidates:
            try:
                MEDIATION.decide(case, candidate)
            except _REFUSALS:
                continue
            found.append(_button(candidate, actor))
    return found


def _value(value: Any) -> str:
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else str(value)


def _button(command: Command, actor: Actor) -> Action:
    """A command the library already filled in: its fields go as hidden inputs."""
    kind = type(command)
    fields = {f.name: getattr(command, f.name) for f in attrs.fields(kind) if f.name not in ("actor", "at")}
    others = [str(v) for v in fields.values() if isinstance(v, str) and v != actor.id]
    title = words(kind.__name__) + (f" ({', '.join(others)})" if others else "")
    key = "-".join([kind.__name__, *others])
    if kind.__name__ == "ReportItem":  # the library tries "fulfilled"; the person says which
        item = str(fields["item_id"])
        return Action(
            command=kind.__name__,
            key=key,
            title=f"Report item {item}",
            help=summary(kind),
            widgets=(Widget("item_id", "Item", "hidden", item),),
            buttons=(Choice("true", "Fulfilled"), Choice("false", "Not fulfilled")),
            button_field="fulfilled",
        )
    widgets = tuple(Widget(name, name, "hidden", _value(value)) for name, value in fields.items())
    return Action(command=kind.__name__, key=key, title=title, help=summary(kind), widgets=widgets)


def _active(case: Case) -> list[Party]:
    return [p for p in case.parties if not p.withdrawn]


def _people(case: Case) -> list[str]:
    seen: dict[str, None] = {}
    for party in case.parties:
        seen[party.id] = None
        for guardian in party.guardians:
            seen[guardian] = None
    for participant in case.participants:
        seen[participant.id] = None
    for mediator in case.mediators:
        seen[mediator] = None
    return list(seen)


def _select(name: str, label: str, values: Iterable[str], default: str = "", *, blank: str | None = None) -> Widget:
    options = [Choice(v, v) for v in values]
    if blank is not None:
        options.insert(0, Choice("", blank))
    first = default or (options[0].value if options else "")
    return Widget(name, label, "select", first, tuple(options))


def _enum_select(name: str, label: str, kind: type[enum.Enum], default: str = "") -> Widget:
    options = tuple(Choice(str(m.value), str(m.value).replace("_", " ")) for m in kind)
    return Widget(name, label, "select", default or options[0].value, options)


def _form(
    kind: type[Command], case: Case, actor: Actor, now: datetime, *, staff: Sequence[str], mediators: Sequence[str]
) -> Action:
    """A command that needs input: one widget per field, filled in from the case."""
    name = kind.__name__
    widgets: list[Widget] = []
    for f in attrs.fields(kind):
        if f.name in ("actor", "at"):
            continue
        own_default = isinstance(f.default, attrs.Factory) and f.default.takes_self  # type: ignore[arg-type]
        if own_default and actor.kind is ActorKind.PARTY:
            continue  # a party acts for themself: the command takes their id
        widget = _widget(name, f.name, case, actor, now, staff=staff, mediators=mediators)
        if widget is not None:
            widgets.append(widget)
    return Action(command=name, key=name, title=words(name), help=summary(kind), widgets=tuple(widgets))


def _widget(
    command: str,
    field: str,
    case: Case,
    actor: Actor,
    now: datetime,
    *,
    staff: Sequence[str],
    mediators: Sequence[str],
) -> Widget | None:
    parties = _active(case)
    if field == "party_id":
        if command == "InformParty":
            default = next((p.id for p in parties if not p.informed), "")
        elif command == "HoldPreparatoryTalk":
            default = next((p.id for p in parties if not p.prepared), "")
        else:
            default = actor.id if case.party(actor.id) is not None else ""
        return _select(field, "Party", [p.id for p in parties], default)
    if field == "mediator_id":
        if command == "AssignMediator":
            suggested = [m for m in mediators if m not in case.mediators]
            return Widget(
                field, "Mediator id", "text", suggested[0] if suggested else "", tuple(Choice(m, m) for m in suggested)
            )
        return _select(field, "Mediator", case.mediators, actor.id if actor.id in case.mediators else "")
    if field == "staff_id":
        suggested = [s for s in staff if s not in case.staff]
        return Widget(field, "Staff id", "text", "", tuple(Choice(s, s) for s in suggested))
    if field == "towards":
        return _select(field, "Towards", [p for p in _people(case) if p not in case.mediators])
    if field == "participant_id":
        if command == "ProposeParticipant":
            return Widget(field, "Participant id", "text")
        if command == "DiscloseParticipant":
            return _select(field, "Participant", [p.id for p in case.participants if not p.disclosed])
        return _select(field, "Participant", [p.id for p in case.participants if actor.id not in p.approved_by])
    if field == "accompanies":
        own = actor.id if case.party(actor.id) is not None else ""
        return _select(field, "Accompanies", [p.id for p in parties], own, blank="nobody")
    if field == "person_id":
        meeting = case.meeting
        expected = meeting.attendees if meeting is not None else tuple(_people(case))
        waiting = [p for p in expected if p not in case.confidential]
        return _select(field, "Person", waiting or expected)
    if field == "signer_id":
        return _select(field, "Signer", _people(case), actor.id)
    if field == "attendees":
        options = [*(p.id for p in parties), *case.mediators, *(p.id for p in case.participants)]
        return Widget(
            field,
            "Attendees",
            "checkboxes",
            choices=tuple(Choice(o, o) for o in dict.fromkeys(options)),
            checked=frozenset(default_attendees(case)),
        )
    if field == "remote":
        return Widget(field, "Attending remotely", "checkboxes", choices=tuple(Choice(p.id, p.id) for p in parties))
    if field == "present":
        expected = case.meeting.attendees if case.meeting is not None else ()
        return Widget(
            field, "Present", "checkboxes", choices=tuple(Choice(p, p) for p in expected), checked=frozenset(expected)
        )
    if field == "starts_at":
        return Widget(field, "Starts at (UTC)", "datetime", local_input(now))
    if field == "items":
        responsible = next((p.id for p in parties if p.role is Role.RESPONSIBLE), parties[0].id if parties else "")
        deadline = local_input(now + timedelta(days=_ITEM_DAYS))
        rows = tuple(
            {
                "id": f"item-{n + 1}",
                "kind": "apology" if n == 0 else "other",
                "description": "",
                "responsible": responsible,
                "deadline": deadline,
            }
            for n in range(_ITEM_ROWS)
        )
        return Widget(field, "Items", "items", choices=tuple(Choice(p.id, p.id) for p in parties), rows=rows)
    if field == "cooling_off":
        return Widget(
            field,
            "Cooling-off period",
            "select",
            "",
            (Choice("", "the policy's default"), Choice("true", "yes"), Choice("false", "no")),
        )
    if field == "reason":
        return Widget(field, "Reason", "text")
    if field == "channel":
        return _enum_select(field, "Channel", TalkChannel)
    if field == "exemption":
        return _enum_select(field, "Exemption", Exemption)
    if field == "role":
        return _enum_select(field, "Role", ParticipantRole)
    if field == "kind":
        return _enum_select(field, "Kind", MeetingKind)
    if field == "item_id":
        items = case.agreement.items if case.agreement is not None else ()
        return _select(field, "Item", [i.id for i in items])
    if field == "fulfilled":
        return Widget(field, "Fulfilled", "select", "true", (Choice("true", "yes"), Choice("false", "no")))
    return Widget(field, field.replace("_", " ").capitalize(), "text")


def refill(action: Action, form: Form) -> Action:
    """`action` with the values a refused form posted, so that the person can correct them and send again."""
    return attrs.evolve(action, widgets=tuple(_refilled(widget, form) for widget in action.widgets))


def _refilled(widget: Widget, form: Form) -> Widget:
    if widget.kind in ("text", "select", "datetime") and widget.name in form:
        return attrs.evolve(widget, value=str(form.getall(widget.name)[-1]))
    if widget.kind == "checkboxes":
        posted = form.getall(widget.name) if widget.name in form else []
        return attrs.evolve(widget, checked=frozenset(str(v) for v in posted))
    if widget.kind == "items" and "item.id" in form:
        keys = ("id", "kind", "description", "responsible", "deadline")
        columns = {key: [str(v) for v in form.getall(f"item.{key}")] if f"item.{key}" in form else [] for key in keys}
        count = max(len(values) for values in columns.values())
        rows = tuple(
            {key: (values[n] if n < len(values) else "") for key, values in columns.items()} for n in range(count)
        )
        return attrs.evolve(widget, rows=rows)
    return widget


# ---------------------------------------------------------------- reading a posted form


class Form(typing.Protocol):
    """What Litestar's form data offers: every value of a name, in order."""

    def getall(self, key: str) -> list[Any]:
        """Every value posted under `key`."""
        ...  # pragma: no cover

    def __contains__(self, key: object) -> bool: ...  # pragma: no cover


def _one(form: Form, name: str) -> str | None:
    values = form.getall(name) if name in form else []
    return str(values[-1]).strip() if values else None


def parse_moment(text: str, field: str) -> datetime:
    """A ``datetime-local`` value (UTC) or an ISO 8601 time with an offset, as an aware datetime.

    Raises:
        InvalidInput: it is neither.
    """
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{field} must be a date and time such as 2026-09-07T13:00, got {text!r}", field=field
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _flag(text: str, field: str) -> bool:
    if text in ("true", "on", "yes", "1"):
        return True
    if text in ("false", "no", "0", ""):
        return False
    raise InvalidInput(f"{field} must be true or false, got {text!r}", field=field)


def _items(form: Form) -> tuple[Item, ...]:
    columns = {
        key: [str(v) for v in form.getall(f"item.{key}")] if f"item.{key}" in form else []
        for key in ("id", "kind", "description", "responsible", "deadline")
    }
    items = []
    for n, description in enumerate(columns["description"]):
        if not description.strip():
            continue  # an empty row of the editor
        row = {key: (values[n].strip() if n < len(values) else "") for key, values in columns.items()}
        try:
            kind = ItemKind(row["kind"])
        except ValueError:
            raise InvalidInput(f"unknown item kind {row['kind']!r}", field="items") from None
        items.append(
            Item(
                id=row["id"],
                kind=kind,
                description=description.strip(),
                responsible=row["responsible"],
                deadline=parse_moment(row["deadline"], "deadline"),
            )
        )
    if not items:
        raise InvalidInput("an agreement needs at least one item: describe what was agreed", field="items")
    return tuple(items)


def command_from_form(name: str, form: Form, actor: Actor, now: datetime) -> Command:
    """The command `name` with the fields a form posted, sent by `actor` at `now`.

    A field the form leaves out takes the command's default (a party's own id, say).

    Raises:
        InvalidInput: an unknown command, or a field that is missing or malformed.
    """
    kind = COMMANDS.get(name)
    if kind is None or kind is ReferCase:
        raise InvalidInput(f"unknown command {name!r}", field="command")
    hints = typing.get_type_hints(kind)
    arguments: dict[str, Any] = {}
    for f in attrs.fields(kind):
        if f.name in ("actor", "at"):
            continue
        hint = hints[f.name]
        if f.name == "items":
            arguments["items"] = _items(form)
            continue
        if typing.get_origin(hint) is tuple:
            arguments[f.name] = tuple(str(v) for v in form.getall(f.name) if str(v).strip()) if f.name in form else ()
            continue
        text = _one(form, f.name)
        if text is None:
            if f.default is attrs.NOTHING:
                raise InvalidInput(f"{words(name)} needs {f.name.replace('_', ' ')}", field=f.name)
            continue
        arguments[f.name] = _convert(hint, text, f.name)
    try:
        return kind(actor=actor, at=now, **arguments)
    except TypeError as error:  # pragma: no cover - every field is handled above
        raise InvalidInput(str(error)) from None


def _convert(hint: Any, text: str, field: str) -> Any:
    options = (
        typing.get_args(hint) if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union else ()
    )
    if options:
        if text == "" and type(None) in options:
            return None
        hint = next(o for o in options if o is not type(None))
    if hint is bool:
        return _flag(text, field)
    if hint is datetime:
        return parse_moment(text, field)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(text)
        except ValueError:
            raise InvalidInput(f"{field}: unknown value {text!r}", field=field) from None
    return text


# ---------------------------------------------------------------- the new-case form


def referral_from_form(form: Form, actor: Actor, now: datetime) -> ReferCase:
    """The `ReferCase` command of the new-case form.

    Raises:
        InvalidInput: a missing or malformed field.
    """
    case_id = _one(form, "case_id") or ""
    try:
        kind = _one(form, "kind") or "criminal"
        source = ReferralSource(_one(form, "source") or "prosecution")
    except ValueError:
        raise InvalidInput("unknown referral source", field="source") from None
    received = _one(form, "received_at")
    referral = Referral(
        source=source,
        kind=_case_kind(kind),
        received_at=parse_moment(received, "received_at") if received else now,
        admission_of_facts=_flag(_one(form, "admission_of_facts") or "", "admission_of_facts"),
        reference=_one(form, "reference") or "",
        linked_case=_one(form, "linked_case") or None,
    )
    columns = {
        key: [str(v) for v in form.getall(f"party.{key}")] if f"party.{key}" in form else []
        for key in ("id", "role", "birth_date", "minor", "guardians")
    }
    parties = []
    for n, party_id in enumerate(columns["id"]):
        if not party_id.strip():
            continue
        row = {key: (values[n].strip() if n < len(values) else "") for key, values in columns.items()}
        try:
            role = Role(row["role"])
            born = date.fromisoformat(row["birth_date"]) if row["birth_date"] else None
        except ValueError as error:
            raise InvalidInput(f"party {party_id.strip()}: {error}", field="parties") from None
        parties.append(
            Party(
                id=party_id.strip(),
                role=role,
                birth_date=born,
                minor=_flag(row["minor"], "minor"),
                guardians=tuple(g for g in re.split(r"[\s,]+", row["guardians"]) if g),
            )
        )
    return ReferCase(actor=actor, at=now, case_id=case_id, referral=referral, parties=tuple(parties))


def _case_kind(text: str) -> CaseKind:
    try:
        return CaseKind(text)
    except ValueError:
        raise InvalidInput(f"unknown case kind {text!r}", field="kind") from None
