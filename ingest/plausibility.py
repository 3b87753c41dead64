"""How plausible a text is as Vietnamese (or at least as real writing): the yardstick for choosing a reading.

OCR of a damaged page and scanner-made text layers fail in recognisable ways: accents
vanish ("CONG HOA XA HOI"), letters come out in mixed case ("CHiJ", "xA"), tokens stop being
syllables ("Hcok", "HQI") and punctuation and symbols pile up. Vietnamese syllables form a
closed set (onset + vowel nucleus + final consonant, one tone mark, stop finals only with
the acute or dot-below tone), so a rule-based validator tells a real syllable from debris.
Plain English or other Latin text is judged as such: lacking accents is not a fault there.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_GRAVE, _ACUTE, _TILDE, _HOOK, _DOT = "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"
TONE_MARKS = frozenset((_GRAVE, _ACUTE, _TILDE, _HOOK, _DOT))
_VOWEL_LETTERS = frozenset("aăâeêioôơuưy")
_VIETNAMESE_ONLY_LETTERS = frozenset("ăâêôơưđ")

# Longest first, so "ngh" is tried before "ng" and "n"; every parse is tried anyway.
ONSETS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
          "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
STOP_FINALS = ("ch", "c", "p", "t")
NASAL_FINALS = ("ng", "nh", "m", "n")

# Vowel groups that may end a syllable with no consonant after them.
OPEN_NUCLEI = frozenset({
    "a", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y",
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oa", "oe", "oi", "ôi", "ơi",
    "ua", "uê", "ui", "uơ", "uy", "ưa", "ưi", "ưu", "ya",
    "iêu", "yêu", "oai", "oao", "oay", "oeo", "uây", "uôi", "uya", "uyu", "ươi", "ươu",
})
# Vowel groups that may stand before a final consonant.
CLOSED_NUCLEI = frozenset({
    "a", "ă", "â", "e", "ê", "i", "o", "oo", "ô", "ơ", "u", "ư", "y",
    "iê", "yê", "uô", "ươ", "oa", "oă", "oe", "uâ", "uê", "uy", "uyê",
})
_PALATAL_NUCLEI = frozenset({"a", "ê", "i", "y", "oa", "uê", "uy"})  # the only ones before "ch" / "nh"
_NOT_BEFORE_VELAR = frozenset({"ê", "i", "y", "uê", "uy"})  # "c" / "ng" after these is "ch" / "nh"

# Enough of English to recognise an English sentence or label: function words and the vocabulary
# of equipment records. Unaccented text made mostly of these is English, not stripped Vietnamese.
ENGLISH_WORDS = frozenset("""
a an the and or of to in on at by for from with without as is are was were be been being it its this that
these those there here which who whom what when where why how not no yes all any each some one two three
has have had do does did will would shall should can could may might must into over under after before
between during per than then also only other such same so if but about up down out off new old page date
serial number model type unit name part report record inspection repair maintenance transfer storage
equipment vehicle engine tank radar missile gun rifle document total quantity condition grade level
manufacturer country year made service note notes remarks see item items list table figure annex copy
""".split())

_TOKEN_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_LEADERS = set(".-_…·|—–")  # dotted leaders, dashes and table borders read as characters: layout, not text
_PLAUSIBLE_SYMBOLS = set(".,:;!?()[]\"'“”‘’-–—/%+=&@#*°№…<>|_")
# Units and short forms that are neither syllables nor English words.
_UNITS = frozenset({"m", "km", "kg", "kw", "mm", "cm", "h", "l", "t", "g", "v", "w", "kv", "kva", "hp", "mhz", "khz",
                    "ghz", "hz", "ml", "cv", "s", "km/h", "ms", "no", "x"})


@dataclass(frozen=True)
class Plausibility:
    """The measurements behind a plausibility score; each share is 0..1."""

    score: float  # 0 = debris, 1 = fluent Vietnamese (or fluent Latin text)
    tokens: int
    syllable_share: float  # word tokens that are valid Vietnamese syllables
    accent_share: float  # of those, the ones carrying a Vietnamese mark (tone or ă â ê ô ơ ư đ)
    english_share: float  # word tokens that are common English words
    junk_share: float  # tokens in mixed case, with odd characters, or neither syllable nor word nor code
    good_words: int  # word tokens that read as real words (syllables, English or other Latin words)
    language: str  # "vietnamese" | "latin" | "none"
    confidence: float | None  # Tesseract's mean word confidence, when the text came from OCR


def _split_tone(syllable: str) -> tuple[str, list[str]] | None:
    """(letters without tone, tone marks found), or None when a mark sits where no tone can."""
    tones: list[str] = []
    letters: list[str] = []
    for ch in unicodedata.normalize("NFD", syllable):
        if ch in TONE_MARKS:
            if not letters or letters[-1] not in "aeiouy\u0302\u0306\u031b":
                return None  # a tone on a consonant
            tones.append(ch)
        else:
            letters.append(ch)
    return unicodedata.normalize("NFC", "".join(letters)), tones


def _valid_rhyme(rhyme: str, tone: str | None) -> bool:
    for final in (*STOP_FINALS, *NASAL_FINALS):
        if rhyme.endswith(final) and len(rhyme) > len(final):
            nucleus = rhyme[: -len(final)]
            if nucleus not in CLOSED_NUCLEI:
                continue
            if final in ("ch", "nh") and nucleus not in _PALATAL_NUCLEI:
                continue
            if final in ("c", "ng") and nucleus in _NOT_BEFORE_VELAR:
                continue
            if final in STOP_FINALS and tone not in (_ACUTE, _DOT):
                continue  # checked syllables carry only the rising or the heavy tone
            return True
    return rhyme in OPEN_NUCLEI


@lru_cache(maxsize=65536)
def is_vietnamese_syllable(word: str) -> bool:
    """Whether `word` (any case, NFC or NFD) is a well-formed Vietnamese syllable."""
    split = _split_tone(word.lower())
    if split is None:
        return False
    letters, tones = split
    if len(tones) > 1 or not letters or not all(ch.isalpha() for ch in letters):
        return False
    tone = tones[0] if tones else None
    for onset in ONSETS:
        if not letters.startswith(onset):
            continue
        rhyme = letters[len(onset):]
        if onset == "gi" and (not rhyme or rhyme[0] not in _VOWEL_LETTERS):
            rhyme = "i" + rhyme  # "gì", "gìn": the i is the nucleus
        if onset == "qu" and not rhyme:
            continue
        if rhyme and _valid_rhyme(rhyme, tone):
            return True
    return False


def has_vietnamese_marks(word: str) -> bool:
    lowered = word.lower()
    if any(ch in _VIETNAMESE_ONLY_LETTERS for ch in lowered):
        return True
    return any(ch in TONE_MARKS for ch in unicodedata.normalize("NFD", lowered))


def _mixed_case(word: str) -> bool:
    """Upper and lower case after the first letter ("CHiJ", "xA"): OCR debris, not a spelling."""
    letters = [ch for ch in word if ch.isalpha()]
    if len(letters) < 2:
        return False
    rest = letters[1:]
    has_upper = any(ch.isupper() for ch in rest)
    has_lower = any(ch.islower() for ch in rest)
    return (has_upper and has_lower) or (letters[0].islower() and has_upper)


def _odd_characters(token: str) -> bool:
    return any(not (ch.isalnum() or ch in _PLAUSIBLE_SYMBOLS) for ch in token)


def _is_code(word: str) -> bool:
    """Serials, numbers, dates, abbreviations: "KB-15-84", "47/BB-KT", "TBKT", "2020"."""
    if any(ch.isdigit() for ch in word):
        return True
    letters = [ch for ch in word if ch.isalpha()]
    return 2 <= len(letters) <= 5 and all(ch.isupper() for ch in letters) and ("-" in word or "/" in word)


def measure(text: str | None, confidence: float | None = None) -> Plausibility:
    """Score `text` (and the OCR confidence when given) as plausible writing."""
    raw_tokens = (text or "").split()
    if not raw_tokens:
        return Plausibility(0.0, 0, 0.0, 0.0, 0.0, 1.0, 0, "none", confidence)
    # each count summed over the tokens' verdicts at C speed (a page holds some five hundred tokens)
    junk, words, syllables, accented, english, latin = map(sum, zip(*map(_token_verdict, raw_tokens)))
    tokens = len(raw_tokens)
    good = syllables + latin
    syllable_share = syllables / words if words else 0.0
    accent_share = accented / syllables if syllables else 0.0
    english_share = english / words if words else 0.0
    junk_share = junk / tokens
    language, text_score = _text_score(words, syllable_share, accent_share, english_share, junk_share)
    score = text_score if confidence is None else 0.75 * text_score + 0.25 * max(0.0, min(1.0, confidence / 100))
    return Plausibility(round(score, 4), tokens, round(syllable_share, 4), round(accent_share, 4),
                        round(english_share, 4), round(junk_share, 4), good, language, confidence)


# what one token adds to (junk, words, syllables, accented, english, latin)
_Verdict = tuple[int, int, int, int, int, int]
_LAYOUT: _Verdict = (0, 0, 0, 0, 0, 0)
_JUNK: _Verdict = (1, 0, 0, 0, 0, 0)
_JUNK_WORD: _Verdict = (1, 1, 0, 0, 0, 0)


@lru_cache(maxsize=65536)
def _token_verdict(raw: str) -> _Verdict:
    """One token's share of the counts `measure` adds up. Cached: a page's words are mostly ones already seen."""
    if _LIST_MARKER.fullmatch(raw):
        return _LAYOUT  # "a)", "đ)", "(b)": how Vietnamese clauses and points are lettered, neither word nor debris
    if _odd_characters(raw):
        return _JUNK
    word = _TOKEN_EDGE.sub("", raw)
    if not word:
        # A lone dash or a run of leader dots ("Số hiệu ........") is layout; ",.;~" is debris.
        return _LAYOUT if (raw in _PLAUSIBLE_SYMBOLS or set(raw) <= _LEADERS) else _JUNK
    if _is_code(word) or word.lower() in _UNITS:
        return _LAYOUT
    if not all(ch.isalpha() for ch in word) and not _compound(word):
        return _JUNK
    if _mixed_case(word):
        return _JUNK_WORD
    parts = _PARTS.split(word)
    if all(is_vietnamese_syllable(part) for part in parts):
        return (0, 1, 1, int(any(has_vietnamese_marks(part) for part in parts)), int(word.lower() in ENGLISH_WORDS), 0)
    if word.lower() in ENGLISH_WORDS:
        return (0, 1, 0, 0, 1, 1)
    if _latin_word(word):
        return (0, 1, 0, 0, 0, 1)
    return _JUNK_WORD


_PARTS = re.compile(r"[-/]")
_LIST_MARKER = re.compile(r"\(?[a-zđ]\)")


def _compound(word: str) -> bool:
    """Hyphenated and slashed words ("ra-đa", "vòng/phút", "well-known") are words too."""
    parts = _PARTS.split(word)
    return len(parts) > 1 and all(part and part.isalpha() for part in parts)


_CONSONANT_RUN = re.compile(r"[^aeiouyàáâãèéêìíòóôõùúýăđơư\W\d_]{5,}", re.IGNORECASE)


def _latin_word(word: str) -> bool:
    """A word that could be English, French, a name: has a vowel, no long consonant run, ASCII-ish letters."""
    lowered = word.lower()
    return (any(ch in "aeiouy" for ch in lowered) and not _CONSONANT_RUN.search(lowered)
            and all(ch.isascii() or ch in "àâçéèêëîïôûùüÿœæ" for ch in lowered))


def _text_score(words: int, syllable_share: float, accent_share: float, english_share: float,
                junk_share: float) -> tuple[str, float]:
    if words == 0:
        # Codes and numbers only (a table of serials): neither fluent nor debris.
        return "none", max(0.0, 0.5 - junk_share)
    clean = max(0.0, 1.0 - 2.5 * junk_share)
    # Accented syllables make the text Vietnamese; otherwise English words or non-syllables make it Latin.
    looks_latin = accent_share < 0.2 and (english_share >= 0.25 or syllable_share < 0.5)
    if looks_latin:
        return "latin", clean
    # Fluent Vietnamese carries marks on well over half of its syllables; stripped text on almost none.
    accents = min(1.0, accent_share / 0.65)
    return "vietnamese", clean * (0.4 * syllable_share + 0.6 * accents)


def score(text: str | None, confidence: float | None = None) -> float:
    return measure(text, confidence).score
