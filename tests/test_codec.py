"""JSON round trips of every value, command and event, and clear errors for bad data."""

from __future__ import annotations

import enum
import json
import types
import typing
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import restorative as r
from restorative.errors import DecodeError
from tests.flows import STAFF, T0, Flow

IDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-æøå", min_size=1, max_size=12)
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30))])
AWARE = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=ZONES)


def _strategy(kind: Any) -> st.SearchStrategy[Any]:
    """A strategy for a field type of our values, commands and events."""
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(_strategy(a) for a in args))
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            inner = args[0]
            if inner is str:
                return st.lists(IDS, unique=True, max_size=3).map(tuple)
            return st.lists(_strategy(inner), max_size=3, unique_by=lambda v: getattr(v, "id", v)).map(tuple)
        return st.tuples(*(_strategy(a) for a in args))
    if kind is type(None):
        return st.none()
    if kind is str:
        return IDS
    if kind is bool:
        return st.booleans()
    if kind is int:
        return st.integers(0, 10_000)
    if kind is datetime:
        return AWARE
    if kind is date:
        return st.dates()
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return st.sampled_from(kind)
    if kind is r.Policy:
        return st.builds(
            r.Policy,
            name=IDS,
            criminal_cooling_off_days=st.integers(0, 30),
            max_mediators=st.integers(1, 4),
            longest_item_deadline_days=st.none() | st.integers(31, 365),  # beyond any cooling-off drawn
            retention_days=st.none() | st.integers(1, 3650),
            continuation=st.sampled_from(r.Continuation),
        )
    if kind is r.Party:
        return st.builds(
            r.Party, id=IDS, role=st.sampled_from(r.Role), guardians=st.lists(IDS, unique=True, max_size=2).map(tuple)
        )
    if attrs.has(kind):
        return _builds(kind)
    raise NotImplementedError(f"no strategy for {kind!r}")


def values(cls: type[Any]) -> st.SearchStrategy[Any]:
    """Any valid instance of a value, command or event class of ours."""
    return _strategy(cls)


def _builds(cls: type[Any]) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    fields = {a.name: _strategy(hints[a.name]) for a in attrs.fields(cls)}
    if cls is r.ProposeParticipant:
        fields["accompanies"] = st.none() | IDS
    return st.builds(cls, **fields)


EVERYTHING = [
    r.Case,
    r.Party,
    r.Participant,
    r.Referral,
    r.Item,
    r.Agreement,
    r.Meeting,
    r.Report,
    r.Policy,
    r.Actor,
    *r.COMMAND_TYPES,
    *r.EVENT_TYPES,
]


@pytest.mark.parametrize("cls", EVERYTHING, ids=lambda c: c.__name__)
@settings(max_examples=30)
@given(data=st.data())
def test_json_round_trip_is_identity(cls: type[Any], data: st.DataObject) -> None:
    value = data.draw(values(cls))
    text = r.to_json(value)
    assert value == r.from_json(text, cls)
    assert value == r.from_data(json.loads(text), cls)


@given(data=st.data())
def test_events_and_commands_decode_by_their_tag(data: st.DataObject) -> None:
    event = data.draw(st.sampled_from(r.EVENT_TYPES).flatmap(values))
    assert event == r.event_from_json(r.to_json(event))
    command = data.draw(st.sampled_from(r.COMMAND_TYPES).flatmap(values))
    assert command == r.command_from_json(r.to_json(command))


def test_encoded_events_carry_type_and_schema() -> None:
    flow = Flow().to_follow_up()
    for event in flow.events:
        data = r.to_data(event)
        assert type(event).__name__ == data["type"]
        assert r.SCHEMA_VERSION == data["schema"]
        assert event == r.event_from_data(data)
    assert flow.case == r.from_json(r.to_json(flow.case), r.Case)


def _consent_data() -> dict[str, Any]:
    data = r.to_data(Flow().to_consent().events[-1])
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d.update(type="NoSuchEvent"), "$.type"),
        (lambda d: d.pop("type"), "$.type"),
        (lambda d: d.update(schema=99), "$.schema"),
        (lambda d: d.pop("schema"), "$.schema"),
        (lambda d: d.pop("at"), "$.at"),
        (lambda d: d.update(at="2026-01-01T10:00:00"), "$.at"),
        (lambda d: d.update(at="yesterday"), "$.at"),
        (lambda d: d.update(at=17), "$.at"),
        (lambda d: d.update(actor={"id": "x", "kind": "emperor"}), "$.actor.kind"),
        (lambda d: d.update(actor={"id": 5, "kind": "staff"}), "$.actor.id"),
        (lambda d: d.update(mediator_id=["a"]), "$.mediator_id"),
        (lambda d: d.update(surprise=True), "$"),
    ],
)
def test_garbage_raises_a_decode_error_naming_the_place(mutate: Any, where: str) -> None:
    data = _consent_data()
    mutate(data)
    with pytest.raises(DecodeError) as caught:
        r.event_from_data(data)
    assert where == caught.value.path
    assert where in str(caught.value) or caught.value.path == "$"


@pytest.mark.parametrize("text", ["", "{", "[]", "null", "42", '"text"', b"\xff\xfe"])
def test_not_an_event_raises_a_decode_error(text: str | bytes) -> None:
    with pytest.raises(DecodeError):
        r.event_from_json(text)
    with pytest.raises(DecodeError):
        r.command_from_json(text)


def test_value_validation_errors_surface_as_decode_errors() -> None:
    data = r.to_data(r.Actor(id="staff-1", kind=r.ActorKind.STAFF))
    data["id"] = ""
    with pytest.raises(DecodeError) as caught:
        r.from_data(data, r.Actor)
    assert "non-empty" in str(caught.value)


def test_a_command_decoded_as_the_wrong_class_is_refused() -> None:
    data = r.to_data(r.AcceptCase(actor=r.Actor(id="s", kind=r.ActorKind.STAFF), at=datetime(2026, 1, 1, tzinfo=UTC)))
    with pytest.raises(DecodeError):
        r.from_data(data, r.DeclineCase)
    with pytest.raises(DecodeError):
        r.event_from_data(data)


@pytest.mark.parametrize("cls", EVERYTHING, ids=lambda c: c.__name__)
@settings(max_examples=30)
@given(data=st.data())
def test_the_fast_path_agrees_with_cattrs(cls: type[Any], data: st.DataObject) -> None:
    from restorative import _codec

    value = data.draw(values(cls))
    tagged = cls in _codec._TAGGED
    slow = _codec._converter.unstructure(value, _codec._TAGGED[cls]) if tagged else _codec._converter.unstructure(value)
    if tagged:  # the fast encoders of commands and events write their schema version themselves
        slow["schema"] = _codec.SCHEMA_VERSION
    fast = _codec._ENCODERS[cls](value)
    assert json.dumps(slow) == json.dumps(fast)
    decoder = _codec._TAGGED_DECODERS[cls.__name__] if tagged else _codec._DECODERS[cls]
    assert value == decoder(json.loads(json.dumps(fast)))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(at="2026-01-01T10:00:00"),
        lambda d: d.update(party_id=5),
        lambda d: d.update(actor={"id": "x", "kind": "emperor"}),
        lambda d: d.update(actor={"id": "x", "kind": "staff", "more": 1}),
        lambda d: d.update(surprise=True),
        lambda d: d.pop("party_id"),
    ],
)
def test_the_fast_path_refuses_what_cattrs_refuses(mutate: Any) -> None:
    from restorative import _codec
    from restorative._fastcodec import Mismatch

    flow = Flow().to_consent()
    flow.do(r.InformParty, r.Actor(id="med-1", kind=r.ActorKind.MEDIATOR), party_id="harmed")
    data = r.to_data(flow.events[-1])
    mutate(data)
    with pytest.raises((Mismatch, KeyError, ValueError, TypeError)):
        _codec._TAGGED_DECODERS["PartyInformed"](data)
    with pytest.raises(DecodeError):
        r.event_from_data(data)


def test_generated_codecs_show_their_source_in_a_traceback() -> None:
    import traceback

    from restorative._fastcodec import GENERATOR

    decode = GENERATOR.decoder(r.Item)
    try:
        decode({"id": 7})
    except Exception as error:
        shown = "".join(traceback.format_exception(error))
    else:
        raise AssertionError("an id that is a number is not an item's id")
    assert "<restorative generated decode Item>" in shown
    assert "v_id = " in shown  # the generated line itself, read back from linecache


# --- bounded refusals (issue 14, item 7) ---

_REFER: dict[str, Any] = r.to_data(
    r.ReferCase(
        actor=STAFF,
        at=T0,
        case_id="case-1",
        referral=Flow().referral,
        parties=(r.Party(id="harmed", role=r.Role.HARMED), r.Party(id="resp", role=r.Role.RESPONSIBLE)),
    )
)
_DECODERS: list[Any] = [
    r.command_from_data,
    lambda data: r.from_data(data, r.ReferCase),
    lambda data: r.from_data(data, r.Command),
    lambda data: r.command_from_json(json.dumps(data)),
    lambda data: r.from_json(json.dumps(data), r.ReferCase),
]
_DECODER_IDS = ["command_from_data", "from_data", "from_data-union", "command_from_json", "from_json"]
MESSAGE_LIMIT = 2_000


def _refused(decode: Any, data: Any) -> DecodeError:
    with pytest.raises(DecodeError) as caught:
        decode(data)
    assert len(str(caught.value)) <= MESSAGE_LIMIT
    return caught.value


@pytest.mark.parametrize("decode", _DECODERS, ids=_DECODER_IDS)
@pytest.mark.parametrize("length", [99_999, 10**6], ids=["under-the-text-limit", "over-the-text-limit"])
def test_a_long_text_where_a_list_belongs_is_refused_with_a_short_message(decode: Any, length: int) -> None:
    error = _refused(decode, dict(_REFER, parties="x" * length))
    assert "$.parties" == error.path


class _Counting(typing.Sequence[Any]):
    """A sequence that counts how often it is read."""

    def __init__(self) -> None:
        self.reads = 0

    def __len__(self) -> int:
        self.reads += 1
        return 10**6

    def __getitem__(self, index: Any) -> Any:
        self.reads += 1
        return "x"

    def __iter__(self) -> Any:
        self.reads += 1
        return iter("x" * 10**6)


def test_a_wrong_type_where_a_list_belongs_is_refused_before_it_is_read() -> None:
    parties = _Counting()
    error = _refused(r.command_from_data, dict(_REFER, parties=parties))
    assert 0 == parties.reads
    assert "$.parties" == error.path


def _nested(levels: int, wrap: Any) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = wrap(value)
    return value


_DEEP = {
    "lists": _nested(10**5, lambda inner: [inner]),
    "dicts": _nested(10**5, lambda inner: {"a": inner}),
}


@pytest.mark.parametrize("shape", sorted(_DEEP))
@pytest.mark.parametrize(
    "decode",
    [
        r.command_from_data,
        r.event_from_data,
        lambda data: r.from_data(data, r.Party),
        lambda data: r.from_data(data, r.Case),
        lambda data: r.command_from_data(dict(_REFER, parties=data)),
        lambda data: r.command_from_data(dict(_REFER, type=data)),
        lambda data: r.command_from_data(dict(_REFER, schema=data)),
        lambda data: r.from_data({"id": data, "role": "harmed"}, r.Party),
    ],
    ids=["command", "event", "value", "case", "in-a-list-field", "as-the-type", "as-the-schema", "in-a-text-field"],
)
def test_deep_nesting_is_refused_as_a_decode_error_not_a_recursion_error(decode: Any, shape: str) -> None:
    error = _refused(decode, _DEEP[shape])
    assert "64" in str(error)


def test_every_collection_and_the_whole_of_the_data_have_a_limit() -> None:
    from restorative._checks import MAX_ITEMS

    parties = [{"id": f"p{n}", "role": "party"} for n in range(MAX_ITEMS + 1)]
    assert "limit of 10000" in str(_refused(r.command_from_data, dict(_REFER, parties=parties)))
    shared: list[Any] = [[[]] * 10_000] * 10_000  # a hundred million values from a few kilobytes
    assert "values" in str(_refused(r.command_from_data, dict(_REFER, parties=shared)))


def test_many_bad_entries_give_a_short_message_naming_the_first() -> None:
    error = _refused(r.command_from_data, dict(_REFER, parties=["x" * 90_000] * 9_000))
    assert "$.parties[0]" == error.path
    assert "expected an object" in str(error)
