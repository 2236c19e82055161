"""The flow for one file, as a pure function: file → document → record → findings.

``process_file`` never raises for a bad file: the result carries a status and a reason, the way
``ingest_log`` records them. It touches no database, so it can run in a worker process here or on
a distributed engine; a single writer stores the results (``warehouse.store``).
"""
from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import extractors
from extractors import ExtractionError

from . import furniture, rules, script
from .record import build_record
from .record.prov import box_findings
from .vocab import (EVALUATION_WORDS, NEWS_TITLE_WORDS, NOTICE_TITLE_ENDS, NOTICE_TRANSMITS, REPORT_HEADING_WORDS,
                    REPORT_TITLE_WORDS, REPORT_WORDS, alternation)

VERSION = "0.1.0"
STAGES = ("document", "record", "findings")

# what the report gate looks at (words in pipeline/vocab.py)
REPORT_TITLE = re.compile(alternation(REPORT_TITLE_WORDS))
REPORT_HEADING = re.compile(alternation(REPORT_HEADING_WORDS))
NOTICE_TITLE = re.compile(alternation(NOTICE_TITLE_ENDS) + r"[\W]*$")
TRANSMITS = re.compile(alternation(NOTICE_TRANSMITS))
NEWS_TITLE = re.compile(alternation(NEWS_TITLE_WORDS))
EVALUATION = re.compile(alternation(EVALUATION_WORDS))
FIGURES = {"amount": re.compile(r"\d(?:[\d,]*\d)?(?:\.\d+)?\s*(?:亿元|万元|元)"),
           "rate": re.compile(r"\d+(?:\.\d+)?\s*[%％]"),
           "score": re.compile(r"\d+(?:\.\d+)?\s*分(?![之钟别析类配解项布成期批摊])")}


def file_sha(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()[:16]


def _title_zone(head: str) -> list[str]:
    """The opening lines that read as titles — short, no sentence inside — where a title stands
    (portal furniture is blank by now)."""
    lines = [ln.strip() for ln in head[:3000].split("\n")]
    return [ln for ln in lines if ln and len(ln) <= 60 and not re.search(r"[，。；]", ln)][:12]


def looks_like_report(text: str) -> bool:
    """An evaluation report, not a news item, a notice or a bare table of numbers.

    A long text with the report vocabulary is one; so is a short page beginning (a portal's
    first 1–2 k characters) that is titled or outlined as a performance evaluation and states
    figures, or that states a budget, a rate and a score in evaluation words. A text titled as a
    notice (…的通知, unless it transmits a report: 印发/转发) or a news item (召开…会) is not,
    unless it publishes a result: a budget, a rate and a score."""
    head = text[:20000]
    cjk = len(re.findall(r"[\u4e00-\u9fff]", head))
    if cjk < 60:
        return False
    zone = _title_zone(head)
    titled = any(REPORT_TITLE.search(ln) and not NOTICE_TITLE.search(ln) for ln in zone)
    notice = any(NOTICE_TITLE.search(ln) and not TRANSMITS.search(ln) for ln in zone[:4])
    news = any(NEWS_TITLE.search(ln) and not REPORT_TITLE.search(ln) for ln in zone[:2])
    figures = {k for k, pat in FIGURES.items() if pat.search(head)}
    if (notice or news) and not titled:
        # a call to evaluate, a meeting: unless it publishes a result (…自评结果的公示 with the
        # form's budget, rate and score)
        return len(figures) == 3 and bool(EVALUATION.search(head))
    hits = sum(1 for w in REPORT_WORDS if w in head)
    if hits >= 4 and cjk >= 200:
        return True
    outlined = any(REPORT_HEADING.search(ln) for ln in head.split("\n") if len(ln.strip()) <= 40)
    if (titled or outlined) and figures and hits >= 2:
        return True
    return len(figures) == 3 and bool(EVALUATION.search(head))   # a budget, a rate and a score


def read_status(doc) -> dict:
    """{status, error, warnings} of a document that became a report: `partial` when the reader
    left something out (``meta["lost"]``: pages without OCR, a table too broken to lay out), else
    `ok`. Every warning is kept as a list (``ingest_log.warnings``) and, joined, as ``error``, the
    reason a reader of ``ingest_log`` sees first."""
    warnings = list(doc.warnings)
    return {"status": "partial" if doc.meta.get("lost") else "ok",
            "error": "; ".join(warnings) if warnings else None, "warnings": warnings}


def process_file(path: str | Path, keep_document: bool = False) -> dict:
    """{source_path, file_sha, status, error, warnings, seconds, doc_id, record, findings[, document]}.
    ``status``: ``ok``, ``partial`` (stored, but pages or a table were left out: ``warnings`` say
    which), or why there is no report (``not_a_report``, ``needs_ocr``, ``failed``, …)."""
    path = Path(path)
    t0 = time.perf_counter()
    out = {"source_path": str(path), "file_sha": file_sha(path), "status": "ok", "error": None,
           "doc_id": None, "record": None, "findings": [], "pages": None}
    try:
        doc = extractors.extract(path)
        out["pages"] = doc.pages
        if keep_document:
            out["document"] = doc.to_dict()
        doc = script.simplify(doc)      # traditional script is matched as simplified; original kept
        doc = furniture.set_aside(doc)  # portal lines (索引号, 发布日期, breadcrumbs) blanked for matching
        if not looks_like_report(doc.text):
            out.update(status="not_a_report", error="no evaluation-report vocabulary (绩效/评价/指标/得分…) found; "
                       "nothing extracted / 不是绩效评价报告，未提取", warnings=list(doc.warnings))
        else:
            rec = build_record(doc)
            out["record"] = rec
            out["text"] = script.original_text(doc)
            out["doc_id"] = rec["doc_id"]
            out["findings"] = rules.run(rec)
            script.restore(rec, out["findings"], doc)
            box_findings(doc, rec, out["findings"])     # PDF: each finding's value boxed on its page
            out.update(read_status(doc))
    except ExtractionError as e:
        out.update(status=e.status, error=e.reason)
    except MemoryError:
        out.update(status="failed", error="out of memory while reading / 读取时内存不足")
    except RecursionError:
        out.update(status="failed", error="structure nested too deeply (hostile file?) / 文件结构嵌套过深")
    except Exception as e:  # an unexpected bug is recorded, the batch goes on
        if extractors.errors.out_of_memory(e):     # a library that could not load under the memory limit
            out.update(status="failed", error="out of memory while reading (a library could not load within the "
                       "memory limit); re-run this file alone with a larger --mem-mb / 读取时内存不足，请加大 --mem-mb 后重试")
        else:
            out.update(status="failed", error=f"internal error {type(e).__name__}: {e} "
                       "/ 内部错误，请把该文件报告给开发者")
    out["seconds"] = round(time.perf_counter() - t0, 4)
    return out


def warm_up() -> None:
    """Load what every file needs once, before worker processes fork (dictionaries, tables)."""
    import jieba
    jieba.setLogLevel(60)
    jieba.initialize()
    try:
        from .record import region
        region.warm_up()
    except (ImportError, AttributeError):
        pass
