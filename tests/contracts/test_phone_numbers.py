"""Phone numbers: strict E.164 and possible for phonenumbers' parser."""

from __future__ import annotations

import phonenumbers
import pytest
from bland_sms_mock.contracts.models.api import is_phone_number


def _by_parser(number: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return False


@pytest.mark.parametrize(
    ("number", "possible"),
    [
        ("+15550001111", True),
        ("+155500011112", False),
        ("+4915123456789", True),
        ("+441", False),
        ("+999123456", False),
    ],
)
def test_possible_numbers(number: str, possible: bool) -> None:
    assert is_phone_number(number) is possible
    assert _by_parser(number) is possible
