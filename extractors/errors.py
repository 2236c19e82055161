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


# Where an error comes from decides whose fault it is. These libraries parse the file's bytes:
# an error they raise while reading a file means the file is broken or hostile (a missing part,
# an external relationship, bad XML), not that this program has a bug. An error raised in this
# project's own code stays an internal error, to be reported.
PARSER_PACKAGES = frozenset({"docx", "lxml", "zipfile", "zlib", "xml", "pyexpat", "pypdf", "pdfminer",
                             "pdfplumber", "pypdfium2", "pypdfium2_raw", "PIL", "struct", "codecs", "encodings"})
# the kinds a parser raises on input it cannot make sense of (not e.g. RecursionError, SystemExit)
INPUT_ERROR_KINDS = (ValueError, KeyError, IndexError, AttributeError, TypeError, AssertionError, EOFError,
                     OverflowError, LookupError, NotImplementedError, UnicodeError)
HOW_TO_FIX = {
    "docx": "open it in Word and save it again, or ask the sender for a clean copy "
            "/ DOCX 文件已损坏或结构异常，无法读取，请用 Word 另存后再试，或向报送单位索取完好的文件",
    "pdf": "get a complete copy of the file / PDF 文件已损坏或结构异常，无法读取，请索取完好的文件",
}


def _package(module: str | None) -> str:
    return (module or "").split(".")[0]


def _raised_in(e: BaseException) -> str:
    """Top-level package of the innermost Python frame the exception passed through."""
    tb, name = e.__traceback__, ""
    while tb is not None:
        name = tb.tb_frame.f_globals.get("__name__", "")
        tb = tb.tb_next
    return _package(name)


def bad_input_reason(e: BaseException, fmt: str) -> str | None:
    """A reason a user can act on when ``e`` is the file's fault (see PARSER_PACKAGES), else None:
    an exception class a parser library defines (zipfile.BadZipFile, lxml's XMLSyntaxError,
    pypdf's PdfReadError, …), or an input-error kind raised inside a parser library."""
    if isinstance(e, ExtractionError):
        return e.reason
    own_class = any(_package(k.__module__) in PARSER_PACKAGES for k in type(e).__mro__[:-1]
                    if k.__module__ != "builtins")
    if not own_class and not (isinstance(e, INPUT_ERROR_KINDS) and _raised_in(e) in PARSER_PACKAGES):
        return None
    what = str(e).strip().replace("\n", " ")[:200]
    fix = HOW_TO_FIX.get(fmt, "check the file or ask for a clean copy / 文件已损坏或结构异常，无法读取，请索取完好的文件")
    return f"broken or hostile {fmt.upper()} file ({type(e).__name__}: {what}); {fix}"


def out_of_memory(e: BaseException) -> bool:
    """A MemoryError, or a library that could not be loaded because the memory limit (RLIMIT_AS)
    left no room to map it: the dynamic loader says "failed to map segment from shared object"
    (ImportError, or OSError from ctypes) or "cannot allocate memory" (ENOMEM)."""
    if isinstance(e, MemoryError):
        return True
    if isinstance(e, (ImportError, OSError)):
        text = str(e).lower()
        return (getattr(e, "errno", None) == 12 or "failed to map segment" in text
                or "cannot allocate memory" in text)
    return False
