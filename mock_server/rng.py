"""Seeded chance. Every draw comes from an RNG derived from (global seed, scope keys), so
the same seed gives the same run however requests interleave."""

from __future__ import annotations

import hashlib
import random
import string

_ALNUM = string.ascii_letters + string.digits
_URLSAFE = _ALNUM + "-_"


def derive(seed: int, *keys: object) -> random.Random:
    digest = hashlib.sha256(repr((seed, *keys)).encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def token_chars(rng: random.Random, n: int, alphabet: str = _URLSAFE) -> str:
    """`n` times `rng.choice(alphabet)`, the same draws made without choice()'s per-call
    overhead (ids and tokens are minted on every request that creates something)."""
    if type(rng) is not random.Random:  # a subclass may draw differently
        return "".join(rng.choice(alphabet) for _ in range(n))
    size = len(alphabet)
    bits, width = rng.getrandbits, size.bit_length()  # what Random._randbelow does
    out: list[str] = []
    while len(out) < n:
        drawn = bits(width)
        if drawn < size:
            out.append(alphabet[drawn])
    return "".join(out)


def alnum(rng: random.Random, n: int) -> str:
    return token_chars(rng, n, _ALNUM)


def hex_id(rng: random.Random, n: int) -> str:
    return token_chars(rng, n, "0123456789abcdef")


def uuid4(rng: random.Random) -> str:
    h = hex_id(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:]}"


def digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(1, 9)) + token_chars(rng, n - 1, string.digits)
