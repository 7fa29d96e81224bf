"""`$regex` in SQL gives the oracle's answer (`regex.compile(pattern, flags).search(text)`), with the
option i above all: on PostgreSQL a pattern of the supported subset (`pgregex.SUBSET`) becomes an
ARE whose sets are spelled out as the characters `regex` matches them with, case folding included
(Kelvin sign, long s, sigma forms, ß, the Turkish i's, which `regex` does not fold symmetrically),
and every other pattern is refused with a 422 in Contentstack's shape."""

from __future__ import annotations

import array
import itertools
import secrets
import string
from functools import cache
from typing import Any
from unittest.mock import patch

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.store.test_query_sql import listed, oracle, write
from veneer.domain.query import REGEX_FLAGS, compile_query
from veneer.errors import ValidationFailed
from veneer.services.context import Services
from veneer.store import pgregex
from veneer.store.pgregex import (
    END,
    SUBSET,
    case_variants,
    complement,
    minus,
    points,
    tables,
    union,
)
from veneer.store.sqllist import Listing

# ASCII letters beside the non-ASCII characters `regex` folds them with, and the reverse.
ALPHABET = "aAkKsSiIzZ\u212a\u017f\u0130\u0131σςΣßẞéÉǅǆǄ\u0345ιΙ\u1fbeµμ日😀\n .$^%_\\-[]"
OPTIONS = ("", "i", "m", "s", "im", "is", "ms", "ims")


def escaped(text: str) -> str:
    """`text` as a literal pattern: ASCII punctuation escaped by a backslash."""
    return "".join("\\" + c if c in string.punctuation else c for c in text)


def stored_texts(services: Services, texts: list[str]) -> tuple[str, dict[str, Any]]:
    """A new stack holding one entry per text, and the documents as the oracle takes them."""
    stack = secrets.token_hex(8)
    stored = {f"e{i:02}": {"en": {"t": text}} for i, text in enumerate(texts)}
    write(services, stack, "", stored)
    return stack, stored


def regex_listing(pattern: str, options: str) -> Listing:
    return Listing({"t": {"$regex": pattern, "$options": options}}, include_count=True)


def check(services: Services, texts: list[str], cases: list[tuple[str, str]]) -> None:
    """Every (pattern, options) lists, in SQL, exactly the oracle's entries among `texts`."""
    stack, stored = stored_texts(services, texts)
    for pattern, options in cases:
        listing = regex_listing(pattern, options)
        assert listed(services, stack, listing) == oracle(stored, ("en",), listing), (
            pattern,
            options,
        )


def dialect(services: Services) -> str:
    return services.store.engine.dialect.name


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


# ---------------------------------------------------------------------------------------------
# case_variants equals the brute force it replaced: every code point tested with `regex`


@cache
def every_character() -> str:
    """Every code point a stored string can hold (all but the surrogates), once."""
    every = array.array("I", range(END)).tobytes().decode("utf-32-le", "surrogatepass")
    return "".join(c for c in every if not 0xD800 <= ord(c) <= 0xDFFF)


def brute_force_variants(char: str) -> tuple[str, ...]:
    """The former case_variants: `regex` with IGNORECASE over every code point (~5 ms)."""
    found = regex.compile(regex.escape(char), REGEX_FLAGS["i"]).findall(every_character())
    return tuple(sorted(set(found)))


ODD = (
    "\u0130\u0131\u017f\u212a\u1e9e\u00df\u03c2\u03c3\u03a3\u1fbe\u0345\u0399\u03b9\u00b5\u039c"
    "\u01c4\u01c5\u01c6\u1e9b\u1e61\u2126\u03c9\u00c5\u212b\u13a0\uab70\u13f8\u13f0\ua7cb\ua7dc"
    "\u1c89\u1c8a\U00010400\U00010428\U00010d50\U00010d70\U0001e900\U0001e922\U0001df95\u0587"
)
SAMPLE = "".join(map(chr, range(0x100))) + "".join(map(chr, range(0x370, 0x460))) + ODD


def test_case_variants_equal_the_brute_force_on_a_broad_sample() -> None:
    """All of ASCII and Latin-1, Greek and basic Cyrillic, the odd ones: the Turkish i's, long s,
    Kelvin and Ohm signs, capital sharp s, final sigma, the iota forms, titlecase digraphs,
    Cherokee, Latin and Cyrillic letters newer than Python's Unicode, Deseret, Garay, Adlam."""
    differ = [c for c in SAMPLE if case_variants(c) != brute_force_variants(c)]
    assert differ == []


@settings(max_examples=40, derandomize=True, deadline=None, database=None)
@given(st.characters(exclude_categories=["Cs"]))
def test_case_variants_equal_the_brute_force(char: str) -> None:
    assert case_variants(char) == brute_force_variants(char)


small_sets = st.sets(st.integers(0, 40) | st.integers(END - 3, END - 1))


@settings(max_examples=100, derandomize=True, deadline=None, database=None)
@given(small_sets, small_sets)
def test_the_set_operations_on_ranges_are_those_of_sets(a: set[int], b: set[int]) -> None:
    everything = set(range(50)) | set(range(END - 10, END))

    def members(r: tuple[tuple[int, int], ...]) -> set[int]:
        return {c for c in everything if any(lo <= c < hi for lo, hi in r)}

    assert members(union(points(a), points(b))) == a | b
    assert members(minus(points(a), points(b))) == a - b
    assert members(complement(points(a))) == everything - a
    assert all(lo < hi < next_lo for (lo, hi), (next_lo, _) in itertools.pairwise(points(a)))


def test_the_tables_are_cheap_per_character() -> None:
    """Once built, a new character costs a search of the few thousand cased characters, not of
    all 1.1 million code points."""
    assert 2_000 < len(tables().cased_text) < 10_000


# ---------------------------------------------------------------------------------------------
# Patterns of the subset: SQL equals the oracle on both databases, none refused

TEXT_CHARS = ALPHABET + "0٣9\t\u00a0\u2028_\x00\x01\x02"
CLASS_RANGES = ("a-z", "A-Z", "0-9", "α-ω", "Α-Ω", "\\x00-\\x02", "j-l", "r-t", "\\u0100-\\u017f")


def escaped_char(char: str) -> str:
    """One character as pattern text: punctuation escaped, \x00-\x02 and \n sometimes as \\xhh."""
    if char in string.punctuation:
        return "\\" + char
    return f"\\x{ord(char):02x}" if char in "\x00\x01\x02" else char


pattern_chars = st.sampled_from(TEXT_CHARS).map(escaped_char)
class_items = st.one_of(
    pattern_chars,
    st.sampled_from(CLASS_RANGES),
    st.sampled_from(["\\d", "\\s", "\\w", "\\D", "\\S", "\\W"]),
)
classes = st.builds(
    lambda negated, items: "[" + "^" * negated + "".join(items) + "]",
    st.booleans(),
    st.lists(class_items, min_size=1, max_size=3),
).filter(lambda c: not any(f"\\{x}" in c and f"\\{x.upper()}" in c for x in "dsw"))
atoms = st.one_of(
    pattern_chars,
    pattern_chars,
    classes,
    st.just("."),
    st.sampled_from(["\\d", "\\s", "\\w", "\\D", "\\S", "\\W", "\\n", "\\t", "\\u00e9"]),
)
quantifiers = st.sampled_from(["", "", "", "*", "+", "?", "{2}", "{0,1}", "{1,}", "*?", "{1,2}?"])
anchors = st.sampled_from(["^", "$", "\\A", "\\Z"])
subset = st.recursive(
    st.one_of(st.builds(str.__add__, atoms, quantifiers), anchors),
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map("".join),
        st.builds(
            lambda parts, capture, quantifier: (
                f"({'' if capture else '?:'}{'|'.join(parts)})" + quantifier
            ),
            st.lists(inner, min_size=1, max_size=3),
            st.booleans(),
            quantifiers,
        ),
        st.lists(inner, min_size=2, max_size=3).map("|".join),
    ),
    max_leaves=6,
)


@settings(
    max_examples=120,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    texts=st.lists(st.text(st.sampled_from(TEXT_CHARS), max_size=6), min_size=1, max_size=6),
    cases=st.lists(st.tuples(subset, st.sampled_from(OPTIONS)), min_size=1, max_size=4),
)
def test_random_patterns_of_the_subset_equal_the_oracle(
    services: Services, texts: list[str], cases: list[tuple[str, str]]
) -> None:
    check(services, texts, cases)


REAL = [
    ("^page [13]$", "i"), ("^Page \\d+$", ""), ("\\w+ \\d", "i"), ("^(?:page|post) [1-3]$", "i"),
    ("[^a-z ]", ""), ("^.{4,6}$", "s"), ("^$", "m"), ("e\\s+\\d$", "m"), ("[Σσς]", ""),
    ("^straße$", "i"), ("^\\W*$", ""), ("(ab|cd)?e{1,}", "i"), ("\\Apage \\d\\Z", "i"),
]  # fmt: skip
REAL_TEXTS = [
    "Page 1", "page 2", "PAGE 3", "Post 1", "page 13", "Straße", "STRASSE", "ΣΊΣΥΦΟΣ", "", "\n",
    "line\npage 9", "abe", "CDEE", "ʼ", "x\x00y", "page 3\n",
]  # fmt: skip


def test_patterns_of_real_queries_equal_the_oracle(services: Services) -> None:
    check(services, REAL_TEXTS, REAL)


# ---------------------------------------------------------------------------------------------
# Everything else: refused on PostgreSQL with a 422 in Contentstack's shape, answered on SQLite

REFUSED = [
    ("(a)\\1", ""), ("a(?=b)", ""), ("a(?!b)", ""), ("(?<=a)b", ""), ("(?<!a)b", ""),
    ("\\bpage\\b", ""), ("\\Bage", ""), ("a*+", ""), ("a++b", ""), ("a{1,2}+", ""),
    ("(?>a)", ""), ("page", "x"), ("page 1", "ix"), ("(?i)page", ""), ("(?P<n>a)", ""),
    ("(?<n>a)", ""), ("\\p{L}", ""), ("\\N{LATIN SMALL LETTER A}", ""), ("a{256}", ""),
    ("a{1,300}", ""), ("[[:alpha:]]", ""), ("[]a]", ""), ("a]", ""), ("a}", ""), ("a{,2}", ""),
    ("\\0", ""), ("\\G", ""), ("a\\Kb", ""), ("\\X", ""), ("\\mpage", ""),
    ("[\\d-z]", ""), ("[a-\\d]", ""), ("[a-c-e]", ""), ("[^\\d\\D]", ""), ("[^\\W\\w]", "i"),
    ("(?:.{250}){9}", ""), ("a{", ""), ("(?#note)a", ""), ("(?|a|b)", ""), ("\\ a", ""),
    ("\\é", ""), ("\\a", ""), ("(?:\\w{255}){9}", "i"),
]  # fmt: skip


@pytest.mark.parametrize("pattern,options", REFUSED)
def test_patterns_outside_the_subset_are_refused_on_postgresql(
    services: Services, pattern: str, options: str
) -> None:
    compile_query({"t": {"$regex": pattern, "$options": options}})  # valid for the oracle
    stack, stored = stored_texts(services, ["page 1", "ab", "a", "{"])
    listing = regex_listing(pattern, options)
    if dialect(services) == "sqlite":
        assert listed(services, stack, listing) == oracle(stored, ("en",), listing)
        return
    with pytest.raises(ValidationFailed) as info:
        listed(services, stack, listing)
    assert_refused(info.value, pattern)


def assert_refused(error: ValidationFailed, pattern: str) -> None:
    """A 422 in Contentstack's shape, naming the pattern and the subset that is supported."""
    assert error.status == 422
    body = error.body()
    assert set(body) == {"error_message", "error_code", "errors"}
    assert (body["error_message"], body["error_code"]) == ("The query is not valid.", 119)
    [message] = body["errors"]["query"]
    assert message.startswith(f"$regex {pattern!r} on 't' can't run on this database: it uses ")
    assert message.endswith(f"outside the supported subset: {SUBSET}")


@settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    pattern=st.text(
        st.sampled_from("ab.^$*+?{}[]()|\\-,:=!<>^dDsSwWbBAZxu0129iIk\n\u212a"), max_size=8
    ),
    options=st.sampled_from(OPTIONS + ("x",)),
)
def test_any_pattern_equals_the_oracle_or_is_refused(
    services: Services, pattern: str, options: str
) -> None:
    """Random pattern text: what the oracle refuses is refused alike; the rest is answered as the
    oracle answers it, or refused on PostgreSQL with the 422, never a wrong list or a 500."""
    stack, stored = stored_texts(services, ["ab", "A\nb", "", "k\u212a-1", "{[(", "\\"])
    listing = regex_listing(pattern, options)
    try:
        expected = oracle(stored, ("en",), listing)
    except ValidationFailed:
        with pytest.raises(ValidationFailed):
            listed(services, stack, listing)
        return
    try:
        assert listed(services, stack, listing) == expected
    except ValidationFailed as error:
        assert dialect(services) == "postgresql"
        assert_refused(error, pattern)


def test_a_pattern_postgresql_refuses_to_compile_is_a_422(services: Services) -> None:
    """The size bound keeps PostgreSQL's "too complex" away; were it to come, it is a 422."""
    pattern = "(?:b{250}){41}"
    stack, stored = stored_texts(services, ["b" * 300, "a"])
    listing = regex_listing(pattern, "")
    if dialect(services) == "sqlite":
        assert listed(services, stack, listing) == oracle(stored, ("en",), listing)
        return
    with pytest.raises(ValidationFailed) as refused:
        listed(services, stack, listing)
    assert_refused(refused.value, pattern)
    with patch.object(pgregex, "MAX_WEIGHT", 10**6), pytest.raises(ValidationFailed) as failed:
        listed(services, stack, listing)
    assert failed.value.status == 422
    message = "invalid regular expression: regular expression is too complex"
    assert failed.value.errors == {"query": [f"$regex can't run on this database: {message}"]}
