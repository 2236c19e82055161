"""How the warehouse names a file: a readable form for people and a lossless key for identity.

A file name need not be valid UTF-8: a zip made on Chinese Windows unpacks to GBK-encoded names,
which Python hands over as ``str`` with surrogate escapes — text no database column will take.
Every path is therefore stored twice:

- ``source_path``: readable, always valid UTF-8. A name part that is not UTF-8 is decoded as
  GB18030 (what such archives hold), else its odd bytes are shown as ``\\xNN``.
- ``path_key``: the file's resolved absolute path, lossless. Two spellings of one file (relative and
  absolute, through a symlink) give one key; a name that is not UTF-8 is kept as ``bytes:`` and its
  bytes percent-escaped, so no two files share a key and the name can be recovered exactly
  (``key_to_bytes``).
"""
from __future__ import annotations

import os
import urllib.parse

RAW_PREFIX = "bytes:"


def _decode_part(part: bytes) -> str:
    try:
        return part.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return part.decode("gb18030")
    except UnicodeDecodeError:
        return part.decode("utf-8", "backslashreplace")


def readable(path: str | os.PathLike | bytes) -> str:
    """The path for display and for the ``source_path`` columns: valid UTF-8 whatever the name."""
    raw = os.fsencode(path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return "/".join(_decode_part(p) for p in raw.split(b"/"))


def key(path: str | os.PathLike | bytes) -> str:
    """The lossless identity of the file: its resolved absolute path."""
    raw = os.fsencode(os.path.realpath(os.fsencode(path)))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return RAW_PREFIX + urllib.parse.quote_from_bytes(raw, safe="/")


def key_to_bytes(k: str) -> bytes:
    """The file name's bytes back from a ``path_key``."""
    if k.startswith(RAW_PREFIX):
        return urllib.parse.unquote_to_bytes(k[len(RAW_PREFIX):])
    return k.encode("utf-8")


def storable(s: str | None) -> str | None:
    """Any text made safe for a VARCHAR column: lone surrogates from an undecodable name are shown
    as ``\\xNN`` (the byte they stand for), any other lone surrogate as ``\\udXXX``."""
    if not isinstance(s, str):
        return s
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        pass
    try:
        return s.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return s.encode("utf-8", "backslashreplace").decode("utf-8")
