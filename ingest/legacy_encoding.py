"""Legacy 8-bit Vietnamese encodings in PDF text layers: TCVN3 (ABC, ".VnTime") and VNI-Windows ("VNI-Times").

Documents typed before Unicode used fonts whose glyphs sit on Latin-1 code points. A PDF
made from them keeps those code points in its text layer, so pypdf hands back mojibake:

    TCVN3  "Biªn b¶n kiÓm tra"    one byte per letter; toned lowercase vowels in 0xA8-0xFE,
                                   untoned Ă Â Ê Ô Ơ Ư Đ in 0xA1-0xA7
    VNI    "Bieân baûn kieåm tra"  base letter followed by a "mark" byte (0xC0-0xFC)

`detect_legacy_encoding` recognises such a text conservatively (by how many words become
valid Vietnamese syllables once converted, against how many were valid before) and
`repair_legacy_text` converts it to normalised Unicode.

The code-point tables follow UniKey's VnConv tables (ukengine/data.cpp, charsets "TCVN3" and
"VNI-WIN", as shipped in vn-input/ibus-unikey), cross-checked against xvnkb's tcvn.h / vni.h
(lamdao/xvnkb). They are written out here letter by letter; the Unicode side is composed
from combining marks with `unicodedata`, so no Unicode code point is typed by hand.

TCVN3 (the ABC "VN3" variant) has no uppercase toned letters: they were typed on the same
code points as the lowercase ones with a separate uppercase font (".VnTimeH"). Extraction
therefore gives lowercase for them; `decode_tcvn3` restores the capital when the word (or its
neighbours on the line) is written in capitals, which covers titles such as "BIÊN BẢN KIỂM
TRA KỸ THUẬT". A capitalised word that starts with a toned vowel ("Ủy ban") stays lowercase.
"""

from __future__ import annotations

import re
import string
import unicodedata
from functools import lru_cache
from typing import Callable, Literal

from common.text import normalize_text

__all__ = [
    "LegacyEncoding",
    "VIETNAMESE_LETTERS",
    "decode_tcvn3",
    "decode_vni",
    "detect_legacy_encoding",
    "encode_tcvn3",
    "encode_vni",
    "is_vietnamese_syllable",
    "repair_legacy_text",
]

LegacyEncoding = Literal["tcvn3", "vni"]

# ---------------------------------------------------------------------------------------------
# The Vietnamese vowels, in the order every table below uses: 12 vowel families × 6 tones.
# ---------------------------------------------------------------------------------------------

_CIRCUMFLEX, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"
# none, acute (sắc), grave (huyền), hook above (hỏi), tilde (ngã), dot below (nặng)
_TONE_MARKS = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
_FAMILIES = (
    "a",
    "a" + _CIRCUMFLEX,  # â
    "a" + _BREVE,  # ă
    "e",
    "e" + _CIRCUMFLEX,  # ê
    "i",
    "o",
    "o" + _CIRCUMFLEX,  # ô
    "o" + _HORN,  # ơ
    "u",
    "u" + _HORN,  # ư
    "y",
)
_D_STROKE = unicodedata.lookup("LATIN SMALL LETTER D WITH STROKE")  # đ (no decomposition)


def _letter(family: int, tone: int) -> str:
    return unicodedata.normalize("NFC", _FAMILIES[family] + _TONE_MARKS[tone])


# Lowercase vowels [family][tone]; uppercase via str.upper().
_VOWELS: tuple[tuple[str, ...], ...] = tuple(tuple(_letter(f, t) for t in range(6)) for f in range(len(_FAMILIES)))

# Every non-ASCII Vietnamese letter: 66 toned/modified vowels in each case, plus đ and Đ (134).
VIETNAMESE_LETTERS: str = "".join(
    ch for row in _VOWELS for ch in row if not ch.isascii()
) + "".join(ch.upper() for row in _VOWELS for ch in row if not ch.isascii()) + _D_STROKE + _D_STROKE.upper()

# ---------------------------------------------------------------------------------------------
# TCVN3 (ABC): one byte per lowercase letter. Rows follow _FAMILIES; columns follow _TONE_MARKS.
# ---------------------------------------------------------------------------------------------

_TCVN3_LOWER: tuple[str, ...] = (
    "a\xb8\xb5\xb6\xb7\xb9",  # a á à ả ã ạ
    "\xa9\xca\xc7\xc8\xc9\xcb",  # â ấ ầ ẩ ẫ ậ
    "\xa8\xbe\xbb\xbc\xbd\xc6",  # ă ắ ằ ẳ ẵ ặ
    "e\xd0\xcc\xce\xcf\xd1",  # e é è ẻ ẽ ẹ
    "\xaa\xd5\xd2\xd3\xd4\xd6",  # ê ế ề ể ễ ệ
    "i\xdd\xd7\xd8\xdc\xde",  # i í ì ỉ ĩ ị
    "o\xe3\xdf\xe1\xe2\xe4",  # o ó ò ỏ õ ọ
    "\xab\xe8\xe5\xe6\xe7\xe9",  # ô ố ồ ổ ỗ ộ
    "\xac\xed\xea\xeb\xec\xee",  # ơ ớ ờ ở ỡ ợ
    "u\xf3\xef\xf1\xf2\xf4",  # u ú ù ủ ũ ụ
    "\xad\xf8\xf5\xf6\xf7\xf9",  # ư ứ ừ ử ữ ự
    "y\xfd\xfa\xfb\xfc\xfe",  # y ý ỳ ỷ ỹ ỵ
)
_TCVN3_D_LOWER = "\xae"  # đ
# Untoned uppercase letters that have their own code point: Ă Â Ê Ô Ơ Ư Đ.
_TCVN3_UPPER_BASES: tuple[tuple[int, str], ...] = ((2, "\xa1"), (1, "\xa2"), (4, "\xa3"), (7, "\xa4"), (8, "\xa5"), (10, "\xa6"))
_TCVN3_D_UPPER = "\xa7"


def _build_tcvn3() -> tuple[dict[str, str], dict[str, str]]:
    encode: dict[str, str] = {}
    for family, row in enumerate(_TCVN3_LOWER):
        for tone, code in enumerate(row):
            letter = _VOWELS[family][tone]
            encode[letter] = code
            if not letter.isascii():
                encode[letter.upper()] = code  # no uppercase code point: the ".VnTimeH" font draws it
    for family, code in _TCVN3_UPPER_BASES:
        encode[_VOWELS[family][0].upper()] = code
    encode[_D_STROKE] = _TCVN3_D_LOWER
    encode[_D_STROKE.upper()] = _TCVN3_D_UPPER
    decode: dict[str, str] = {}
    for letter, code in encode.items():
        if code.isascii():
            continue
        # A lowercase code point decodes to the lowercase letter; an uppercase one to itself.
        if code not in decode or letter.islower():
            decode[code] = letter
    return encode, decode


_TCVN3_ENCODE, _TCVN3_DECODE = _build_tcvn3()
_TCVN3_UPPER_CODES = frozenset(code for code, letter in _TCVN3_DECODE.items() if letter.isupper())

# ---------------------------------------------------------------------------------------------
# VNI-Windows: a base letter followed by one "mark" byte; a few letters are single bytes.
# Lowercase marks; the uppercase mark is the same Latin-1 letter in uppercase (byte - 0x20).
# ---------------------------------------------------------------------------------------------

_VNI_TONES = ("", "\xf9", "\xf8", "\xfb", "\xf5", "\xef")  # -, acute, grave, hook, tilde, dot
_VNI_CIRCUMFLEX = ("\xe2", "\xe1", "\xe0", "\xe5", "\xe3", "\xe4")  # circumflex with each tone
_VNI_BREVE = ("\xea", "\xe9", "\xe8", "\xfa", "\xfc", "\xeb")  # breve with each tone
_VNI_I = ("i", "\xed", "\xec", "\xe6", "\xf3", "\xf2")  # i and its toned forms: single bytes
_VNI_O_HORN, _VNI_U_HORN, _VNI_D, _VNI_Y_DOT = "\xf4", "\xf6", "\xf1", "\xee"  # ơ ư đ ỵ (single bytes)


def _vni_lower(family: int, tone: int) -> tuple[str, str]:
    """(base, mark) of a lowercase letter; mark is empty for single-byte letters."""
    if family == 5:
        return _VNI_I[tone], ""
    if family == 11 and tone == 5:
        return _VNI_Y_DOT, ""
    base = {1: "a", 2: "a", 4: "e", 7: "o", 8: _VNI_O_HORN, 10: _VNI_U_HORN}.get(family, _FAMILIES[family])
    if family in (1, 4, 7):
        return base, _VNI_CIRCUMFLEX[tone]
    if family == 2:
        return base, _VNI_BREVE[tone]
    return base, _VNI_TONES[tone]


def _vni_upper(text: str) -> str:
    return "".join(chr(ord(ch) - 0x20) if "\xe0" <= ch <= "\xfe" and ch != "\xf7" else ch.upper() for ch in text)


def _build_vni() -> tuple[dict[str, str], dict[str, str]]:
    encode: dict[str, str] = {}
    decode: dict[str, str] = {}
    for family in range(len(_FAMILIES)):
        for tone in range(6):
            letter = _VOWELS[family][tone]
            base, mark = _vni_lower(family, tone)
            encode[letter] = base + mark
            encode[letter.upper()] = _vni_upper(base + mark)
            # Decoding also accepts a mark whose case differs from the base's; the base decides.
            for base_form, result in ((base, letter), (_vni_upper(base), letter.upper())):
                for mark_form in {mark, _vni_upper(mark)}:
                    if base_form + mark_form != result:
                        decode[base_form + mark_form] = result
    encode[_D_STROKE] = _VNI_D
    encode[_D_STROKE.upper()] = _vni_upper(_VNI_D)
    decode[_VNI_D] = _D_STROKE
    decode[_vni_upper(_VNI_D)] = _D_STROKE.upper()
    # ỵ is a single byte in VNI-Windows; "y" + dot mark is what some other VNI fonts produce.
    decode.setdefault("y" + _VNI_TONES[5], _VOWELS[11][5])
    decode.setdefault("Y" + _vni_upper(_VNI_TONES[5]), _VOWELS[11][5].upper())
    decode.setdefault("y" + _vni_upper(_VNI_TONES[5]), _VOWELS[11][5])
    decode.setdefault("Y" + _VNI_TONES[5], _VOWELS[11][5].upper())
    return encode, decode


_VNI_ENCODE, _VNI_DECODE = _build_vni()

# ---------------------------------------------------------------------------------------------
# Encoders (used by tests and tooling) and decoders.
# ---------------------------------------------------------------------------------------------


def encode_tcvn3(text: str) -> str:
    """Unicode → TCVN3 mojibake (as a PDF text layer shows it). Uppercase toned vowels lose their case."""
    return "".join(_TCVN3_ENCODE.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


def encode_vni(text: str) -> str:
    """Unicode → VNI-Windows mojibake (as a PDF text layer shows it)."""
    return "".join(_VNI_ENCODE.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


_SPLIT_SPACE = re.compile(r"(\s+)")
_EDGE = string.punctuation + string.digits
# Letters of Unicode Vietnamese beyond Latin-1 (ă đ ĩ ũ ơ ư, the 1EA0-1EF9 block) and combining marks.
_UNICODE_VIETNAMESE = re.compile(r"[\u0100-\u024f\u0300-\u036f\u1e00-\u1eff]")
_TCVN3_TABLE = str.maketrans(_TCVN3_DECODE)
_TCVN3_AMBIGUOUS = re.compile("[" + "".join(code for code in _TCVN3_DECODE if code not in _TCVN3_UPPER_CODES) + "]")
_STRONG_UPPER = re.compile("[A-Z" + "".join(sorted(_TCVN3_UPPER_CODES)) + "]")
_ASCII_LOWER = re.compile("[a-z]")
_ASCII_DIGIT = re.compile("[0-9]")


def _is_unicode_token(token: str) -> bool:
    """True when the token already holds Vietnamese letters beyond Latin-1: it is proper Unicode, leave it."""
    return _UNICODE_VIETNAMESE.search(token) is not None


def _decode_tcvn3_token(token: str) -> str:
    return token.translate(_TCVN3_TABLE)


def _decode_vni_token(token: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(token):
        pair = token[index : index + 2]
        if len(pair) == 2 and pair in _VNI_DECODE:
            out.append(_VNI_DECODE[pair])
            index += 2
            continue
        ch = token[index]
        out.append(_VNI_DECODE.get(ch, ch))
        index += 1
    return "".join(out)


def decode_vni(text: str) -> str:
    """VNI-Windows mojibake → Unicode (NFC). Words already holding Vietnamese Unicode letters are kept."""
    parts = _SPLIT_SPACE.split(text)
    return "".join(part if part.isspace() or _is_unicode_token(part) else _decode_vni_token(part) for part in parts)


def _case_class(token: str) -> str:
    """'upper', 'lower' or 'neutral' for a raw TCVN3 token, judged on its unambiguous letters only."""
    if _ASCII_DIGIT.search(token):  # codes such as 47/BB-KT or KB-15-84 say nothing
        return "neutral"
    if _ASCII_LOWER.search(token):
        return "lower"
    return "upper" if len(_STRONG_UPPER.findall(token)) >= 2 else "neutral"


def _neighbour_classes(classes: list[str], index: int) -> list[str]:
    found = []
    for step in (-1, 1):
        other = index + step
        while 0 <= other < len(classes) and classes[other] == "neutral":
            other += step
        if 0 <= other < len(classes):
            found.append(classes[other])
    return found


def _decode_tcvn3_line(line: str) -> str:
    parts = _SPLIT_SPACE.split(line)
    words = [(i, part) for i, part in enumerate(parts) if part and not part.isspace()]
    classes = [_case_class(part) if not _is_unicode_token(part) else "lower" for _, part in words]
    for position, (i, part) in enumerate(words):
        if _is_unicode_token(part):
            continue
        decoded = _decode_tcvn3_token(part)
        if _TCVN3_AMBIGUOUS.search(part) and (
            classes[position] == "upper"
            or (
                classes[position] == "neutral"
                and not _ASCII_LOWER.search(part)
                and (around := _neighbour_classes(classes, position))
                and "upper" in around
                and "lower" not in around
            )
        ):
            # A word in capitals (or a short word between words in capitals): its toned vowels
            # were drawn by the uppercase font. ASCII lowercase letters cannot occur here.
            decoded = decoded.upper()
        parts[i] = decoded
    return "".join(parts)


def decode_tcvn3(text: str) -> str:
    """TCVN3 (ABC) mojibake → Unicode (NFC), restoring capitals in words written in capitals."""
    return "\n".join(_decode_tcvn3_line(line) for line in text.split("\n"))


# ---------------------------------------------------------------------------------------------
# Vietnamese syllables: the yardstick for detection.
# ---------------------------------------------------------------------------------------------

_TONE_SET = frozenset(_TONE_MARKS[1:])
_ACUTE, _DOT = _TONE_MARKS[1], _TONE_MARKS[5]
_ONSETS = "ngh ng gh gi kh nh ph th tr ch qu b c d đ g h k l m n p r s t v x".split()
_CODAS = "ch nh ng c m n p t".split()
_STOPS = frozenset({"c", "ch", "p", "t"})
# Nuclei ending in a glide take no final consonant; the second group needs one; the rest may.
_GLIDE_NUCLEI = (
    "ai ao au ay âu ây eo êu ia iu oi ôi ơi ua ui ưa ưi ưu iêu yêu oai oay oao oeo uây uôi ươi ươu uya uyu"
).split()
_CLOSED_NUCLEI = "ă â iê yê uô ươ oă uâ uyê oo".split()
_OPEN_NUCLEI = "a e ê i o ô ơ u ư y oa oe uê uy uơ".split()


def _alternation(items: list[str]) -> str:
    return "|".join(sorted(items, key=len, reverse=True))


_SYLLABLE = re.compile(
    rf"(?:{_alternation(_ONSETS)})?"
    rf"(?:(?:{_alternation(_GLIDE_NUCLEI)})"
    rf"|(?:{_alternation(_CLOSED_NUCLEI)})(?P<coda1>{_alternation(_CODAS)})"
    rf"|(?:{_alternation(_OPEN_NUCLEI)})(?P<coda2>{_alternation(_CODAS)})?)"
)


@lru_cache(maxsize=65536)
def is_vietnamese_syllable(word: str) -> bool:
    """Whether `word` (any case, NFC or NFD) is a well-formed Vietnamese syllable."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [ch for ch in decomposed if ch in _TONE_SET]
    if len(tones) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_SET))
    match = _SYLLABLE.fullmatch(bare)
    if not match:
        return False
    coda = match.group("coda1") or match.group("coda2")
    # Syllables closed by c/ch/p/t carry only the acute or the dot below.
    return coda not in _STOPS or (bool(tones) and tones[0] in (_ACUTE, _DOT))


# ---------------------------------------------------------------------------------------------
# Detection and repair.
# ---------------------------------------------------------------------------------------------

_LEGACY_RANGE = re.compile(r"[\u00a1-\u00fe]")
_MIN_WORDS = 3  # distinct changed words needed before anything is said
_MIN_VALID_SHARE = 0.7  # of the changed words, valid Vietnamese after conversion
_MIN_GAIN_SHARE = 0.3  # of the changed words, (valid after - valid before)

_DECODERS: dict[str, Callable[[str], str]] = {"tcvn3": _decode_tcvn3_token, "vni": _decode_vni_token}


def _score(tokens: set[str], encoding: str) -> tuple[int, int, int]:
    """(changed, valid before, valid after): distinct words with an ASCII letter and a Latin-1 one."""
    changed = before = after = 0
    for token in tokens:
        verdict = _token_verdict(token, encoding)
        if verdict is not None:
            changed += 1
            before += verdict[0]
            after += verdict[1]
    return changed, before, after


@lru_cache(maxsize=65536)  # the same words come back page after page ("và", "Hòa", "máy")
def _token_verdict(token: str, encoding: str) -> tuple[bool, bool] | None:
    """(valid before, valid after) of a word the encoding's conversion changes; None when it changes nothing."""
    decoded = _DECODERS[encoding](token)
    if decoded == token:
        return None
    return is_vietnamese_syllable(token), is_vietnamese_syllable(unicodedata.normalize("NFC", decoded))


def _candidate_tokens(text: str) -> set[str]:
    """Distinct words, so that one repeated foreign word cannot tip the balance."""
    tokens = set()
    for raw in set(text.split()):  # each distinct word judged once
        token = raw.strip(_EDGE)
        if (
            token
            and _LEGACY_RANGE.search(token)
            and any(ch.isascii() and ch.isalpha() for ch in token)
            and not _is_unicode_token(token)
        ):
            tokens.add(token)
    return tokens


def detect_legacy_encoding(text: str | None) -> LegacyEncoding | None:
    """"tcvn3" or "vni" when `text` reads as that legacy encoding shown through Latin-1; else None.

    Only distinct words holding both an ASCII letter and a Latin-1 character (0xA1-0xFE) are
    judged, and only those a conversion changes. The text is legacy when at least three exist, most become
    valid Vietnamese syllables after conversion, and clearly more than were valid before. Proper
    Unicode Vietnamese loses validity under conversion, and English, French or German words are
    not Vietnamese syllables either way, so both answer None.
    """
    if not text or not _LEGACY_RANGE.search(text):
        return None
    tokens = _candidate_tokens(text)
    if len(tokens) < _MIN_WORDS:
        return None
    best: LegacyEncoding | None = None
    best_gain = 0
    for name in _DECODERS:
        changed, before, after = _score(tokens, name)
        if changed < _MIN_WORDS or after < _MIN_WORDS:
            continue
        gain = after - before
        # Both shares must pass; between encodings, the one that makes more words valid wins
        # (the other may touch only the few words whose bytes it happens to share).
        if after >= _MIN_VALID_SHARE * changed and gain >= _MIN_GAIN_SHARE * changed and gain > best_gain:
            best, best_gain = name, gain  # type: ignore[assignment]
    return best


def repair_legacy_text(text: str | None) -> str | None:
    """The text converted to normalised Unicode when it is TCVN3 or VNI mojibake; otherwise unchanged."""
    encoding = detect_legacy_encoding(text)
    if encoding is None or text is None:
        return text
    converted = decode_tcvn3(text) if encoding == "tcvn3" else decode_vni(text)
    return normalize_text(converted)
