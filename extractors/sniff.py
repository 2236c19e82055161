"""File type by content (magic bytes), falling back to the extension only for plain text."""
from __future__ import annotations

import zipfile
from pathlib import Path

TEXT_EXTS = {".txt": "txt", ".md": "md", ".markdown": "md", ".text": "txt"}
KNOWN_EXTS = {".pdf": "pdf", ".docx": "docx", **TEXT_EXTS}


def sniff(path: Path, head: bytes | None = None) -> str | None:
    """'pdf', 'docx', 'txt', 'md', or None when the content is none of them."""
    if head is None:
        with open(path, "rb") as f:
            head = f.read(8192)
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        return "docx" if "word/document.xml" in names else None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "doc"      # legacy Word binary: recognised so the log can say so
    if utf16_without_bom(head) is None and _looks_binary(head):
        return None
    return TEXT_EXTS.get(path.suffix.lower(), "txt")


def utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when the bytes read as Chinese (or plain) text in UTF-16 with no BOM.
    Chinese text in UTF-16 has few NULs and many bytes below 32, so the byte heuristics call it
    binary; decoding and counting readable characters does not (random bytes score about a third)."""
    if len(head) < 16 or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    body = head[: len(head) // 2 * 2]
    for enc in ("utf-16-le", "utf-16-be"):
        t = body.decode(enc, errors="replace")
        good = sum(1 for ch in t if _readable(ch))
        if good >= 0.95 * len(t):
            return enc
    return None


def _readable(ch: str) -> bool:
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF
            or 32 <= o < 127 or ch in "\t\n\r" or 0x2000 <= o <= 0x206F)


def _looks_binary(head: bytes) -> bool:
    if not head:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):   # UTF-16 with BOM
        return False
    if head.count(b"\x00") > len(head) // 4 and len(head) > 1:
        # UTF-16 without BOM has a NUL every other byte in ASCII ranges; let the decoder try
        even, odd = head[0::2].count(0), head[1::2].count(0)
        return not (even > len(head) // 3 or odd > len(head) // 3)
    ctrl = sum(1 for b in head if b < 9 or 13 < b < 32)
    return ctrl > len(head) * 0.1
