"""Bytes of an article file to text: encodings, and telling text from binary."""

from __future__ import annotations

import codecs

import charset_normalizer
import numpy as np

#: bytes that never occur in text: C0 controls other than tab, newline, vertical tab, form feed
#: and carriage return, and DEL
_CONTROL = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])
#: above this share of control bytes (NULs aside) a file is binary, not text with a stray byte
MAX_CONTROL_SHARE = 0.05
#: above this share of NULs a file is binary (or UTF-16/32 without a byte order mark)
MAX_NUL_SHARE = 0.10


def decode_bytes(data: bytes) -> str | None:
    """Text of ``data``: UTF-8 (BOM stripped), else the detected encoding; None when binary.

    Binary is decided on the share of control bytes, not on one of them: a stray NUL in an
    article is dropped and the article kept. UTF-16 without a byte order mark (every other
    byte NUL in English text) is recognised. When the detector finds several equally good
    single-byte encodings, cp1252 wins: it is what Western text that is not UTF-8 nearly always
    is (0x93/0x94 are its curly quotes).
    """
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom) and not data.startswith(codecs.BOM_UTF8):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    if b"\x00" in data:
        data = _without_nuls(data)
        if data is None:
            return None
        if isinstance(data, str):
            return data
    # counted by deleting them (bytes.translate): a tenth of numpy's cost on an article-sized line
    if data and (len(data) - len(data.translate(None, _CONTROL))) / len(data) > MAX_CONTROL_SHARE:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    matches = list(charset_normalizer.from_bytes(data))
    if not matches:
        return None
    best = min(m.chaos for m in matches)
    for match in matches:
        if match.chaos <= best + 0.01 and "cp1252" in match.could_be_from_charset:
            try:
                return data.decode("cp1252")
            except UnicodeDecodeError:
                break
    return str(matches[0])


def _without_nuls(data: bytes) -> bytes | str | None:
    """``data`` with stray NULs removed; the text itself when it is UTF-16 without a byte order
    mark; None when there are too many NULs for text."""
    nuls = np.frombuffer(data, dtype=np.uint8) == 0
    if nuls.mean() > MAX_NUL_SHARE:
        # ASCII-range text in UTF-16: NULs on the odd bytes (little endian) or the even ones
        for codec, offset in (("utf-16-le", 1), ("utf-16-be", 0)):
            if len(data) % 2 == 0 and nuls[offset::2].mean() > 0.5 and not nuls[1 - offset :: 2].any():
                try:
                    return data.decode(codec)
                except UnicodeDecodeError:
                    return None
        return None
    return data.replace(b"\x00", b"")
