"""Why a file could not become a document: a status for ``ingest_log`` and a reason a user can act on."""
from __future__ import annotations


class ExtractionError(Exception):
    """Raised by an extractor; ``status`` is one of the ingest_log statuses."""

    status = "failed"

    def __init__(self, reason: str, status: str | None = None):
        super().__init__(reason)
        self.reason = reason
        if status:
            self.status = status


class NeedsOCR(ExtractionError):
    status = "needs_ocr"


class Encrypted(ExtractionError):
    status = "encrypted"


class Unsupported(ExtractionError):
    status = "skipped"
