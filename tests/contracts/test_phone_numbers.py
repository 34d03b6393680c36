"""The quick "possible number" check agrees with phonenumbers' parser on every kind of E.164 number."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from bland_sms_mock.contracts.models.api import _possible_without_parser, is_phone_number


def _by_parser(number: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return False


def _numbers(count: int) -> list[str]:
    """Random E.164 strings over every known country code and length, with prefix digits and zeros."""
    rng = random.Random(18)
    codes = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    numbers = []
    for _ in range(count):
        code = str(rng.choice(codes))
        room = 15 - len(code)
        digits = "0123456789" if rng.random() < 0.5 else "01"
        national = "".join(rng.choice(digits) for _ in range(rng.randint(0, room)))
        numbers.append(f"+{code}{national}")
    numbers += [f"+{rng.randint(1, 999)}{rng.randrange(10**9)}" for _ in range(count // 4)]  # unknown codes too
    return numbers


def test_quick_check_agrees_with_the_parser() -> None:
    checked = quick = 0
    for number in _numbers(40_000):
        if not number[1:].isdigit() or number[1] == "0":
            continue
        verdict = _possible_without_parser(phonenumbers, number)
        checked += 1
        if verdict is not None:
            quick += 1
            assert verdict == _by_parser(number), number
    assert quick > checked // 3, "the quick path should answer for most numbers"


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
