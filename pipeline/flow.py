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

from . import rules
from .record import build_record

VERSION = "0.1.0"
STAGES = ("document", "record", "findings")

# an evaluation report talks about these; a text with (almost) none of them is something else
REPORT_WORDS = ("绩效", "评价", "指标", "得分", "预算", "资金", "项目", "自评")


def file_sha(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()[:16]


def looks_like_report(text: str) -> bool:
    head = text[:20000]
    hits = sum(1 for w in REPORT_WORDS if w in head)
    return hits >= 4 and len(re.findall(r"[\u4e00-\u9fff]", head)) >= 200


def process_file(path: str | Path, keep_document: bool = False) -> dict:
    """{source_path, file_sha, status, error, seconds, doc_id, record, findings[, document]}."""
    path = Path(path)
    t0 = time.perf_counter()
    out = {"source_path": str(path), "file_sha": file_sha(path), "status": "ok", "error": None,
           "doc_id": None, "record": None, "findings": [], "pages": None}
    try:
        doc = extractors.extract(path)
        out["pages"] = doc.pages
        if keep_document:
            out["document"] = doc.to_dict()
        if not looks_like_report(doc.text):
            out.update(status="not_a_report", error="no evaluation-report vocabulary (绩效/评价/指标/得分…) found; "
                       "nothing extracted / 不是绩效评价报告，未提取")
        else:
            rec = build_record(doc)
            out["record"] = rec
            out["text"] = doc.text
            out["doc_id"] = rec["doc_id"]
            out["findings"] = rules.run(rec)
            if doc.warnings:
                out["error"] = "; ".join(doc.warnings)
    except ExtractionError as e:
        out.update(status=e.status, error=e.reason)
    except MemoryError:
        out.update(status="failed", error="out of memory while reading / 读取时内存不足")
    except RecursionError:
        out.update(status="failed", error="structure nested too deeply (hostile file?) / 文件结构嵌套过深")
    except Exception as e:  # an unexpected extractor bug is recorded, the batch goes on
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
