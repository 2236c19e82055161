"""File format in, one Document out. One module per format, registered in ``EXTRACTORS``.

``extract(path)`` sniffs the real type from the bytes (a DOCX named .pdf is read as DOCX) and
raises ``ExtractionError`` (with an ingest_log status) when the file cannot become a document.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from . import docx as docx_ext
from . import pdf as pdf_ext
from . import txt as txt_ext
from .errors import Encrypted, ExtractionError, NeedsOCR, Unsupported
from .model import Block, Cell, Document
from .sniff import KNOWN_EXTS, sniff

EXTRACTORS: dict[str, Callable[[Path], Document]] = {
    "pdf": pdf_ext.extract,
    "docx": docx_ext.extract,
    "txt": txt_ext.extract,
    "md": txt_ext.extract,
}

__all__ = ["EXTRACTORS", "extract", "Document", "Block", "Cell", "ExtractionError", "NeedsOCR",
           "Encrypted", "Unsupported", "KNOWN_EXTS", "sniff"]


def extract(path: str | Path) -> Document:
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ExtractionError("file disappeared before it could be read / 文件已不存在")
    except PermissionError:
        raise ExtractionError("permission denied: the file cannot be read / 无权读取该文件，请检查文件权限")
    if size == 0:
        raise ExtractionError("empty file (0 bytes) / 空文件")
    try:
        kind = sniff(path)
    except PermissionError:
        raise ExtractionError("permission denied: the file cannot be read / 无权读取该文件，请检查文件权限")
    if kind == "doc":
        raise Unsupported("legacy .doc (Word 97-2003) is not read; save it as .docx / 旧版 .doc 格式，请另存为 .docx")
    if kind is None:
        raise ExtractionError(f"content is not PDF, DOCX or text (named {path.suffix or 'without extension'}) "
                              "/ 文件内容不是 PDF、DOCX 或文本，可能已损坏")
    doc = EXTRACTORS[kind](path)
    if kind in ("txt", "md") and path.suffix.lower() not in (".txt", ".md", ".markdown", ".text", ""):
        doc.warnings.append(f"named {path.suffix} but read as text")
    return doc
