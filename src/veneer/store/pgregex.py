"""`$regex` on PostgreSQL: a pattern of the oracle's `regex` module, translated to a PostgreSQL
regular expression (ARE, for `~`) that matches exactly the stored strings where `regex` finds it,
or refused (`Unsupported`) when the meaning can't be made certain.

The subset (`SUBSET`) is parsed here, not by a general parser, so that every accepted construct
has one known meaning in `regex` (version 0, the default): literals, bracket classes, `.`,
`\\d \\s \\w` and their negations, quantifiers, groups, alternation and anchors. The ARE never relies
on PostgreSQL's idea of a class, a case or a line: every set of characters is spelled out as
code points, computed with `regex` itself (`_Tables`), and the anchors are spelled out with
lookaround. With option i a set is what `regex` matches under IGNORECASE: a literal matches the
`case_variants` of its character, a class is tested with `regex` on every character that has a
case (`_Tables.cased`); all other characters match as they are.

Stored strings escape `\\x00` and `\\x01` (`fieldindex.split_text`: `\\x01\\x01`, `\\x01\\x02`), so a
set holding `\\x00`, `\\x01` or `\\x02` matches those pairs, and the match is kept aligned on whole
characters by a prefix that walks the string a character at a time.
"""

from __future__ import annotations

import array
import bisect
import heapq
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import compress, repeat

import regex
from regex import _regex

from veneer.domain.query import REGEX_FLAGS

SUBSET = (
    "literal characters, ASCII punctuation escaped by a backslash, \\n \\t \\r \\f \\v \\xhh "
    "\\uhhhh \\Uhhhhhhhh, bracket classes of characters and ranges (negated too), ., \\d \\D \\s "
    "\\S \\w \\W, the quantifiers * + ? {m} {m,} {m,n} (up to 255, greedy or lazy), groups (...) "
    "and (?:...), alternation |, the anchors ^ $ \\A \\Z, and the options i, m and s"
)
MAX_DUP = 255  # PostgreSQL's bound for {m,n}
MAX_WEIGHT = 2_000  # sets once repeats are expanded: PostgreSQL compiles ~10,000 in ~0.1 s
MAX_LENGTH = 256_000  # characters of ARE: a \w is a bracket of ~800 ranges (~16,000)
END = 0x110000
SURROGATES = ((0xD800, 0xE000),)
NEVER_STORED = ((0, 1), *SURROGATES)  # \x00 is stored as a pair, surrogates can't be
ESCAPED = ((0, 3),)  # \x00 and \x01 are stored as pairs; \x02 is their second character

# The case table `regex` itself matches with: (flags, code point) -> the code points it matches.
_all_cases: Callable[[int, int], list[int]] = _regex.get_all_cases  # type: ignore[attr-defined]

Ranges = tuple[tuple[int, int], ...]  # sorted, disjoint, non-adjacent half-open [lo, hi)

_CHAR_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_CATEGORIES = "dDsSwW"
_QUANTIFIERS = {(0, None): "*", (1, None): "+", (0, 1): "?"}
_PUNCTUATION = frozenset(string.punctuation)
_HEX_DIGITS = frozenset(string.hexdigits)


class Unsupported(Exception):
    """The pattern is outside `SUBSET`; the message says what."""


TOO_LARGE = Unsupported(
    "a pattern too large for PostgreSQL once its sets and repeats are spelled out"
)


# ---------------------------------------------------------------------------------------------
# Sets of code points


def ranges(items: Iterable[tuple[int, int]]) -> Ranges:
    """`items` (half-open ranges, any order, overlapping) as sorted disjoint Ranges."""
    return _coalesce(sorted(items))


def _coalesce(ordered: Iterable[tuple[int, int]]) -> Ranges:
    out: list[tuple[int, int]] = []
    for lo, hi in ordered:
        if lo >= hi:
            continue
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(hi, out[-1][1]))
        else:
            out.append((lo, hi))
    return tuple(out)


def complement(a: Ranges) -> Ranges:
    out = []
    start = 0
    for lo, hi in a:
        if lo > start:
            out.append((start, lo))
        start = hi
    return (*out, (start, END)) if start < END else tuple(out)


def union(a: Ranges, b: Ranges) -> Ranges:
    return _coalesce(heapq.merge(a, b))


def minus(a: Ranges, b: Ranges) -> Ranges:
    return complement(union(complement(a), b))


def points(codes: Iterable[int]) -> Ranges:
    out: list[list[int]] = []
    for code in sorted(set(codes)):
        if out and out[-1][1] == code:
            out[-1][1] = code + 1
        else:
            out.append([code, code + 1])
    return tuple((lo, hi) for lo, hi in out)


def size(a: Ranges) -> int:
    return sum(hi - lo for lo, hi in a)


# ---------------------------------------------------------------------------------------------
# What `regex` matches, computed once with `regex` itself


@dataclass(frozen=True)
class _Tables:
    cased: tuple[int, ...]  # every character `regex` relates to another one under IGNORECASE
    cased_text: str  # those characters as one string, to test a pattern on them at once
    categories: dict[str, Ranges]  # \d \D \s \S \w \W


@cache
def tables() -> _Tables:
    """Built on first use (~0.2 s): the case table from `regex`'s own, the categories by letting
    `regex` find them in a string of every code point."""
    flags = regex.compile("", REGEX_FLAGS["i"]).flags
    case_lists = map(_all_cases, repeat(flags), range(END))
    has_cases = compress(range(END), map((1).__lt__, map(len, case_lists)))  # all in C
    cased = sorted({other for code in has_cases for other in _all_cases(flags, code)})
    every = array.array("I", range(END)).tobytes().decode("utf-32-le", "surrogatepass")
    categories = {
        letter: ranges([m.span() for m in regex.finditer(f"\\{letter}+", every)])
        for letter in _CATEGORIES
    }
    return _Tables(tuple(cased), "".join(map(chr, cased)), categories)


@lru_cache(maxsize=65536)
def case_variants(char: str) -> tuple[str, ...]:
    """Every character the oracle's `regex`, with IGNORECASE, matches the pattern character
    `char` with, in code-point order. Only characters with a case can match another one; for
    those, `regex` is asked on the few thousand cased characters (its simple case folding is not
    symmetric: `i` matches U+0130, `I` matches U+0131, not the reverse)."""
    t = tables()
    if not _cased_in(((ord(char), ord(char) + 1),)):
        return (char,)
    found = regex.compile(regex.escape(char), REGEX_FLAGS["i"]).findall(t.cased_text)
    return tuple(sorted({char, *found}))


@lru_cache(maxsize=4096)
def _class_under_case(source: str, literal: Ranges) -> Ranges:
    """What `regex` matches with the class `source` under IGNORECASE: the characters without a
    case as they are (`literal`), the cased ones as `regex` says. Costs set operations on the
    cased characters the class holds or matches, not on all of them."""
    found = set(map(ord, regex.compile(source, REGEX_FLAGS["i"]).findall(tables().cased_text)))
    held = _cased_in(literal)
    return minus(union(literal, points(found - held)), points(held - found))


def _cased_in(a: Ranges) -> set[int]:
    """The cased characters in `a`."""
    cased = tables().cased
    held: set[int] = set()
    for lo, hi in a:
        held.update(cased[bisect.bisect_left(cased, lo) : bisect.bisect_left(cased, hi)])
    return held


def _contains(a: Ranges, code: int) -> bool:
    i = bisect.bisect_right(a, (code, END))
    return i > 0 and a[i - 1][0] <= code < a[i - 1][1]


# ---------------------------------------------------------------------------------------------
# ARE text


def are_char(code: int) -> str:
    """One character as ARE text that means it alone, inside a bracket or out."""
    char = chr(code)
    return char if char.isascii() and char.isalnum() else f"\\U{code:08X}"


def _bracket(a: Ranges) -> str:
    """ARE text of a nonempty set without \\x00-\\x02: the shorter of a bracket of the set and a
    negated bracket of the rest (which leaves out \\x00-\\x02, as it must)."""
    rest = minus(complement(a), NEVER_STORED)
    negated = len(rest) < len(a)
    items = rest if negated else a
    if not negated and size(a) == 1:
        return are_char(a[0][0])
    body = "".join(
        are_char(lo) if hi - lo == 1 else are_char(lo) + "-" + are_char(hi - 1) for lo, hi in items
    )
    return f"[{'^' if negated else ''}{body}]"


@dataclass(frozen=True)
class _Piece:
    text: str
    weight: int = 0  # sets, repeats expanded
    touches: bool = False  # a set holds \x00-\x02


@lru_cache(maxsize=4096)
def _set(a: Ranges) -> _Piece:
    """A set of characters as ARE over the stored (escaped) string."""
    a = minus(a, SURROGATES)  # never in a stored string
    plain = minus(a, ESCAPED)
    alternatives = [_bracket(plain)] if plain else []
    stored = {0: "\x01\x01", 1: "\x01\x02", 2: "\x02"}
    special = [s for code, s in stored.items() if _contains(a, code)]
    alternatives += ["".join(are_char(ord(c)) for c in s) for s in special]
    if not alternatives:
        return _Piece(NOTHING, 1)
    if len(alternatives) == 1:
        return _Piece(alternatives[0], 1, bool(special))
    return _Piece(f"(?:{'|'.join(alternatives)})", len(alternatives), bool(special))


# A set no stored character is in (only \x00 is, which is never stored).
NOTHING = f"[^{are_char(1)}-{are_char(END - 1)}]"
# A prefix that consumes whole stored characters, so that the match starts on one.
ALIGNED = f"^(?:[^{are_char(1)}]|{are_char(1)}[{are_char(1)}{are_char(2)}])*"


@lru_cache(maxsize=256)
def are_pattern(pattern: str, options: str) -> str:
    """The ARE for `pattern` with `options`, or Unsupported."""
    if not set(options) <= {"i", "m", "s"}:
        raise Unsupported("the option x")
    piece = _Parser(pattern, options).parse()
    if piece.weight > MAX_WEIGHT or len(piece.text) > MAX_LENGTH:
        raise TOO_LARGE
    return f"{ALIGNED}(?:{piece.text})" if piece.touches else piece.text


# ---------------------------------------------------------------------------------------------
# The parser: recursive descent over the subset, emitting ARE


class _Parser:
    def __init__(self, pattern: str, options: str) -> None:
        self.p = pattern
        self.i = 0
        self.ignore_case = "i" in options
        self.dotall = "s" in options
        self.lines = "m" in options

    def peek(self, n: int = 1) -> str:
        return self.p[self.i : self.i + n]

    def take(self, n: int = 1) -> str:
        s = self.p[self.i : self.i + n]
        self.i += n
        return s

    def parse(self) -> _Piece:
        piece = self.alternation()
        if self.i < len(self.p):
            raise Unsupported(f"{self.peek()!r} at position {self.i}")
        return piece

    def alternation(self) -> _Piece:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.take()
            branches.append(self.sequence())
        return _Piece(
            "|".join(b.text for b in branches),
            sum(b.weight for b in branches),
            any(b.touches for b in branches),
        )

    def sequence(self) -> _Piece:
        parts: list[_Piece] = []
        length = 0
        while self.peek() and self.peek() not in "|)":
            parts.append(self.quantified())
            length += len(parts[-1].text)
            if length > MAX_LENGTH:  # stop early: each class costs time to spell out
                raise TOO_LARGE
        return _Piece(
            "".join(p.text for p in parts),
            sum(p.weight for p in parts),
            any(p.touches for p in parts),
        )

    def quantified(self) -> _Piece:
        atom, repeatable = self.atom()
        bounds = self.quantifier()
        if bounds is None:
            return atom
        if not repeatable:
            raise Unsupported(f"a quantifier after an anchor, at position {self.i}")
        if self.peek() == "?":
            self.take()  # lazy: a search finds a match or not either way
        elif self.peek() == "+":
            raise Unsupported("a possessive quantifier")
        if self.peek() and self.peek() in "*+?{":
            raise Unsupported(f"{self.peek()!r} after a quantifier, at position {self.i}")
        lo, hi = bounds
        text = f"(?:{atom.text})" + _QUANTIFIERS.get(bounds, f"{{{lo},{'' if hi is None else hi}}}")
        return _Piece(text, atom.weight * max(lo, hi or lo + 1, 1), atom.touches)

    def quantifier(self) -> tuple[int, int | None] | None:
        char = self.peek()
        if char in ("*", "+", "?") and char:
            self.take()
            return {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
        if char != "{":
            return None
        found = regex.compile(r"\{(\d+)(,(\d*))?\}").match(self.p, self.i)
        if found is None:
            raise Unsupported(
                f"'{{' that is not a quantifier {{m}}, {{m,}} or {{m,n}}, at {self.i}"
            )
        self.i = found.end()
        lo = int(found[1])
        hi = lo if found[2] is None else (int(found[3]) if found[3] else None)
        if max(lo, hi or 0) > MAX_DUP or (hi is not None and hi < lo):
            raise Unsupported(f"a repeat count over {MAX_DUP}")
        return lo, hi

    def atom(self) -> tuple[_Piece, bool]:
        """(the piece, whether a quantifier may follow)."""
        char = self.take()
        if char == "(":
            return self.group(), True
        if char == "[":
            return self.bracket(), True
        if char == ".":
            dot = ranges([(0, END)]) if self.dotall else complement(points([10]))
            return _set(dot), True
        if char in ("^", "$"):
            return _Piece(self.anchor(char)), False
        if char == "\\":
            return self.escape()
        if char in "*+?{}])":
            raise Unsupported(f"{char!r} at position {self.i - 1}")
        return self.literal(ord(char)), True

    def group(self) -> _Piece:
        if self.peek() == "?":
            if self.peek(2) != "?:":
                raise Unsupported(f"the group syntax {self.peek(3)!r}")
            self.take(2)
        inner = self.alternation()
        if self.take() != ")":
            raise Unsupported("an unclosed group")
        return _Piece(f"(?:{inner.text})", inner.weight, inner.touches)

    def anchor(self, char: str) -> str:
        """Python's anchors in ARE, whose own differ around newlines: without m, `$` also matches
        before a final newline; with m, `^` after and `$` before every newline."""
        if char == "^":
            return "(?:^|(?<=\\n))" if self.lines else "^"
        return "(?=\\n|$)" if self.lines else "(?=\\n?$)"

    def escape(self) -> tuple[_Piece, bool]:
        char = self.peek()
        if char == "A":
            self.take()
            return _Piece("^"), False
        if char == "Z":
            self.take()
            return _Piece("$"), False
        if char and char in _CATEGORIES:
            self.take()
            return self.category(char), True
        return self.literal(self.escaped_char()), True

    def escaped_char(self) -> int:
        """The character of an escape (after the backslash) that stands for one character."""
        char = self.take()
        if char in _PUNCTUATION:
            return ord(char)
        if char in _CHAR_ESCAPES:
            return ord(_CHAR_ESCAPES[char])
        digits = self.take(_HEX_ESCAPES.get(char, 0))
        hexadecimal = len(digits) == _HEX_ESCAPES.get(char) and set(digits) <= _HEX_DIGITS
        if hexadecimal and int(digits, 16) < END:
            return int(digits, 16)
        raise Unsupported(f"the escape \\{char}{digits}")

    def literal(self, code: int) -> _Piece:
        if not self.ignore_case:
            return _set(points([code]))
        return _set(points([ord(c) for c in case_variants(chr(code))]))

    def category(self, letter: str) -> _Piece:
        literal = tables().categories[letter]
        if self.ignore_case:
            literal = _class_under_case(f"\\{letter}", literal)
        return _set(literal)

    def bracket(self) -> _Piece:
        """A bracket class: characters, ranges of characters, \\d \\D \\s \\S \\w \\W; negated with
        ^. Refused: nested or POSIX classes, set operations, '-' other than first, last or in a
        range, ']' first."""
        negated = self.peek() == "^"
        if negated:
            self.take()
        items: list[tuple[int, int]] = []
        sources: list[str] = []
        first = True
        while self.peek() != "]" or first:
            items_here, source = self.bracket_item(first)
            items += items_here
            sources.append(source)
            first = False
        self.take()
        if negated and any(c in sources and c.swapcase() in sources for c in ("\\d", "\\s", "\\w")):
            raise Unsupported("a negated class holding a category and its negation")  # `regex`
            # matches every character with those
        literal = ranges(items)
        if negated:
            literal = complement(literal)
        if self.ignore_case:
            source = f"[{'^' if negated else ''}{''.join(sources)}]"
            literal = _class_under_case(source, literal)
        return _set(literal)

    def bracket_item(self, first: bool) -> tuple[list[tuple[int, int]], str]:
        """(the ranges of one item, the item as `regex` source)."""
        char = self.peek()
        if not char:
            raise Unsupported("an unclosed class")
        if char == "]" or char == "[" or self.peek(2) in ("&&", "||", "~~", "--"):
            raise Unsupported(f"{self.peek(2)!r} in a class, at position {self.i}")
        if char == "\\" and self.peek(2)[1:] and self.peek(2)[1] in _CATEGORIES:
            letter = self.take(2)[1]
            return list(tables().categories[letter]), f"\\{letter}"
        if char == "-" and not first and self.peek(2) != "-]":
            raise Unsupported(f"'-' in a class other than first, last or in a range, at {self.i}")
        lo = self.class_char()
        if self.peek() != "-" or self.peek(2) == "-]":
            return [(lo, lo + 1)], _source(lo)
        self.take()
        if self.peek() == "\\" and self.peek(2)[1:] and self.peek(2)[1] in _CATEGORIES:
            raise Unsupported(f"a range that ends in a class, at position {self.i}")
        hi = self.class_char()
        if hi < lo:
            raise Unsupported("a reversed range")
        return [(lo, hi + 1)], f"{_source(lo)}-{_source(hi)}"

    def class_char(self) -> int:
        char = self.take()
        if char == "\\":
            return self.escaped_char()
        if char in ("[", "]", ""):
            raise Unsupported(f"{char!r} in a class, at position {self.i - 1}")
        return ord(char)


def _source(code: int) -> str:
    """One character as `regex` source inside a class."""
    return f"\\U{code:08x}"
