"""Ids and tokens are the draws `random.Random.choice` would make (seeded runs keep
printing the same ids), and leave the generator where choice() would."""

from __future__ import annotations

import random
import string

import pytest

from mock_server import rng


class Biased(random.Random):
    def choice(self, seq):  # type: ignore[no-untyped-def, override]
        return seq[0]


@pytest.mark.parametrize("alphabet", [string.digits, "0123456789abcdef", "ab", "a"])
def test_token_chars_draws_as_choice_does(alphabet: str) -> None:
    for seed in range(50):
        fast, slow = random.Random(seed), random.Random(seed)
        expected = "".join(slow.choice(alphabet) for _ in range(33))
        assert rng.token_chars(fast, 33, alphabet) == expected
        assert fast.random() == slow.random()  # the same state afterwards


def test_ids_of_a_seeded_scope_are_stable() -> None:
    same = rng.derive(7, "scope")
    assert rng.hex_id(rng.derive(7, "scope"), 8) == "".join(
        same.choice("0123456789abcdef") for _ in range(8)
    )
    assert len(rng.digits(rng.derive(1), 6)) == 6


def test_a_subclass_keeps_its_own_choice() -> None:
    assert rng.token_chars(Biased(1), 4, "xyz") == "xxxx"
