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
from .errors import Encrypted, ExtractionError, NeedsOCR, Unsupported, bad_input_reason, out_of_memory
from .model import Block, Cell, Document
from .sniff import KNOWN_EXTS, sniff, utf16_without_bom

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
        with open(path, "rb") as f:
            head = f.read(8192)
        kind = sniff(path, head)
    except PermissionError:
        raise ExtractionError("permission denied: the file cannot be read / 无权读取该文件，请检查文件权限")
    except FileNotFoundError:
        raise ExtractionError("file disappeared before it could be read / 文件已不存在")
    except IsADirectoryError:
        raise Unsupported("a folder, not a file / 这是文件夹，不是文件")
    if kind == "doc":
        raise Unsupported("legacy .doc (Word 97-2003) is not read; save it as .docx / 旧版 .doc 格式，请另存为 .docx")
    if kind is None and head.startswith(b"PK"):
        raise ExtractionError(f"a damaged or incomplete ZIP, not a readable DOCX (named {path.suffix or 'without extension'}); "
                              "save it again from Word / 文件是损坏或不完整的压缩包，不是可读的 DOCX，请用 Word 重新保存")
    if kind is None:
        raise ExtractionError(f"content is not PDF, DOCX or text (named {path.suffix or 'without extension'}) "
                              "/ 文件内容不是 PDF、DOCX 或文本，可能已损坏")
    try:
        enc16 = utf16_without_bom(head) if kind in ("txt", "md") else None
        if enc16:
            doc = _text_as(path, kind, enc16)
        else:
            doc = EXTRACTORS[kind](path)
    except UnicodeDecodeError as e:
        if kind not in ("txt", "md"):
            raise _classified(e, kind)
        # a BOM promised an encoding the bytes then break (truncated UTF-16, a bad byte after a
        # UTF-8 BOM): read what is there, mark the damage, rather than fail the whole file
        doc = _text_as(path, kind, e.encoding)
        doc.warnings.append(f"some bytes are not valid {e.encoding} and were replaced (file damaged?)")
    except FileNotFoundError:     # deleted while being read: say so, not "internal error"
        raise ExtractionError("file disappeared while it was being read / 读取过程中文件被删除")
    except PermissionError:
        raise ExtractionError("permission denied: the file cannot be read / 无权读取该文件，请检查文件权限")
    except Exception as e:      # broken or hostile input, or memory, is not "internal error"
        raise _classified(e, kind)
    if kind in ("txt", "md") and path.suffix.lower() not in (".txt", ".md", ".markdown", ".text", ""):
        doc.warnings.append(f"named {path.suffix} but read as text")
    return doc


def _classified(e: Exception, kind: str) -> BaseException:
    """What to raise for an exception out of an extractor: a MemoryError when a memory limit
    stopped a library from loading, an ExtractionError when a parser library choked on the
    file's bytes (``bad_input_reason``), else the exception itself (a bug: reported as such)."""
    if out_of_memory(e) and not isinstance(e, MemoryError):
        err: BaseException = MemoryError(f"a library could not be loaded within the memory limit ({e})")
    else:
        why = bad_input_reason(e, kind)
        err = e if why is None or isinstance(e, ExtractionError) else ExtractionError(why)
    if err is not e:
        err.__cause__ = e
    return err


def _text_as(path: Path, kind: str, enc: str) -> Document:
    """Text decoded as ``enc``, bad bytes replaced: UTF-16 without a BOM (txt.decode only knows it
    with a BOM or mostly ASCII), or a file whose bytes break the encoding its BOM names."""
    data = path.read_bytes()
    if len(data) > txt_ext.MAX_TEXT_BYTES:
        raise ExtractionError(f"text file is {len(data) // 2**20} MB, over the {txt_ext.MAX_TEXT_BYTES // 2**20} MB limit "
                              "/ 文本文件过大，请拆分后再导入")
    if "16" in enc:
        data = data[: len(data) // 2 * 2]      # a dangling half character is dropped, not a U+FFFD
    return txt_ext.text_to_document(data.decode(enc, errors="replace"), str(path), kind, encoding=enc)
