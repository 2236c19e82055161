"""OCR for pages without a text layer. Filled in by the OCR work; until then not available."""
from __future__ import annotations

from pathlib import Path


def available() -> bool:
    return False


def ocr_pages(path: Path, pages: list[int]) -> dict[int, list]:
    """{page index: [text lines and table Blocks in reading order]} for the given 0-based pages."""
    raise NotImplementedError
