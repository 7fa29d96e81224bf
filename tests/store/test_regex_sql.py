"""`$regex` in SQL gives the oracle's answer (`regex.compile(pattern, flags).search(text)`), with the
option i above all: on PostgreSQL a literal pattern becomes an ARE whose characters are brackets of
what `regex` matches them with, case folding included (Kelvin sign, long s, sigma forms, ß, the
Turkish i's, which `regex` does not fold symmetrically)."""

from __future__ import annotations

import itertools
import secrets
import string

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.store.test_query_sql import listed, oracle, write
from veneer.domain.query import REGEX_FLAGS
from veneer.services.context import Services
from veneer.store.sqllist import Listing
from veneer.store.sqlquery import case_variants

# ASCII letters beside the non-ASCII characters `regex` folds them with, and the reverse.
ALPHABET = "aAkKsSiIzZ\u212a\u017f\u0130\u0131σςΣßẞéÉǅǆǄ\u0345ιΙ\u1fbeµμ日😀\n .$^%_\\-[]"
OPTIONS = ("", "i", "m", "s", "im", "is", "ms", "ims")


def escaped(text: str) -> str:
    """`text` as a literal pattern: ASCII punctuation escaped by a backslash."""
    return "".join("\\" + c if c in string.punctuation else c for c in text)


def check(services: Services, texts: list[str], cases: list[tuple[str, str]]) -> None:
    """Every (pattern, options) lists, in SQL, exactly the oracle's entries among `texts`."""
    stack = secrets.token_hex(8)
    stored = {f"e{i:02}": {"en": {"t": text}} for i, text in enumerate(texts)}
    write(services, stack, "", stored)
    for pattern, options in cases:
        listing = Listing({"t": {"$regex": pattern, "$options": options}}, include_count=True)
        assert listed(services, stack, listing) == oracle(stored, ("en",), listing), (
            pattern,
            options,
        )


TEXTS = [
    "Kelvin", "\u212aelvin", "kelvin", "KELVIN", "Ma\u017fs", "MASS", "mass", "Straße", "STRASSE",
    "STRAẞE", "straße", "ΣΊΣΥΦΟΣ", "σίσυφος", "Σίσυφος", "İstanbul", "istanbul", "Istanbul",
    "ıstanbul", "ISTANBUL", "a.b$", "A.B$", "a\nB", "x\nA\n", "A\n", "\nA", "Ab\nab", "", "\n",
    "Ǆemal", "ǆemal", "ǅemal", "日本", "ℹ", "ﬀ", "ff",
]  # fmt: skip
PATTERNS = [
    "kelvin", "KELVIN", "\u212aELVIN", "^k", "n$", "mass", "MA\u017fS", "ma\u017f\u017f", "ss",
    "straße", "STRAẞE", "ß", "ẞ", "σίσυφος", "ΣΊΣΥΦΟΣ", "ς$", "^σ", "istanbul", "ISTANBUL",
    "İstanbul", "ıstanbul", "^i", "^I", "a\\.b\\$", "^A\\.B\\$$", "^a$", "a$", "^b$", "^$", "",
    "\n", "b\na", "ǅ", "ǆemal", "日", "ff", "ﬀ",
]  # fmt: skip


@pytest.mark.parametrize("options", OPTIONS)
def test_case_folding_and_anchors_equal_the_oracle(services: Services, options: str) -> None:
    check(services, TEXTS, [(pattern, options) for pattern in PATTERNS])


def test_a_character_matches_in_a_pattern_what_it_matches_alone() -> None:
    """The translation's premise: with i, a literal matches character by character, each text
    character one of `case_variants` of its pattern character (no ß = ss: no full folding)."""
    chars = "kKsSiI\u212a\u017f\u0130\u0131σςΣßẞ\u0345ιΙ\u1fbeﬀf"
    assert case_variants("k") == ("K", "k", "\u212a")
    assert case_variants("i") == ("I", "i", "\u0130")
    assert case_variants("I") == ("I", "i", "\u0131")
    for x, y, a, b in itertools.product(chars, repeat=4):
        found = regex.search(x + y, a + b, REGEX_FLAGS["i"]) is not None
        assert found == (a in case_variants(x) and b in case_variants(y)), (x, y, a, b)


literals = st.builds(
    lambda start, text, end: "^" * start + escaped(text) + "$" * end,
    st.booleans(),
    st.text(st.sampled_from(ALPHABET), max_size=4),
    st.booleans(),
)


@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    texts=st.lists(st.text(st.sampled_from(ALPHABET), max_size=6), min_size=1, max_size=6),
    cases=st.lists(st.tuples(literals, st.sampled_from(OPTIONS)), min_size=1, max_size=4),
)
def test_random_literals_equal_the_oracle(
    services: Services, texts: list[str], cases: list[tuple[str, str]]
) -> None:
    check(services, texts, cases)
