from collections import OrderedDict
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType

import pytest

from integrations.base import MalformedRecordError
from integrations.normalize import ident, instant, integer, mapping

T = datetime(2023, 7, 22, 3, 26, 40, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-07-22T03:26:40Z", T),
        ("2023-07-22T05:26:40+02:00", T),
        ("2023-07-22T03:26:40", T),  # naive: taken as UTC
        (" 2023-07-22T03:26:40Z ", T),  # padded: the slow path strips it
        ("2023-07-22T03:26:40.250Z", T + timedelta(milliseconds=250)),
        ("2023-07-22", datetime(2023, 7, 22, tzinfo=UTC)),
        (int(T.timestamp()), T),
        (T.timestamp(), T),
        (None, None),
        ("", None),
    ],
)
def test_instant_parses_to_aware_utc(value, expected):
    got = instant(value, field="created_at", external_id="1")
    assert got == expected
    assert got is None or got.tzinfo is UTC


@pytest.mark.parametrize("value", ["yesterday", "2023-13-01T00:00:00Z", True, [], "Z"])
def test_instant_refuses_garbage(value):
    with pytest.raises(MalformedRecordError, match="unparseable created_at"):
        instant(value, field="created_at", external_id="1")


def test_instant_required():
    with pytest.raises(MalformedRecordError, match="missing created_at"):
        instant(None, field="created_at", external_id="1", required=True)


@pytest.mark.parametrize(("value", "expected"), [(3, 3), ("4", 4), (5.0, 5), (None, None), (0, 0)])
def test_integer(value, expected):
    assert integer(value, field="n", external_id="1") == expected


@pytest.mark.parametrize("value", [True, "many", []])
def test_integer_refuses_non_numbers(value):
    with pytest.raises(MalformedRecordError, match="non-numeric n"):
        integer(value, field="n", external_id="1")


@pytest.mark.parametrize(("value", "expected"), [(123, "123"), ("abc", "abc"), (None, None), ("", None), (0, "0")])
def test_ident(value, expected):
    assert ident(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [({"a": 1}, {"a": 1}), (OrderedDict(a=1), {"a": 1}), (MappingProxyType({"a": 1}), {"a": 1}), ([1], {}), (None, {})],
)
def test_mapping(value, expected):
    assert mapping(value) == expected


def test_offsets_other_than_utc_are_converted():
    got = instant(datetime(2023, 7, 22, 5, 26, 40, tzinfo=timezone(timedelta(hours=2))).isoformat(),
                  field="created_at", external_id="1")
    assert got == T and got.tzinfo is UTC
