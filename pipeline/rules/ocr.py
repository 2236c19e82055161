"""Never a false alarm from a misread digit: findings that rest on an untrusted OCR value become
``meta.low_confidence_ocr`` (info), naming the page and the cell to check by eye.

Untrusted values are listed in the record: ``ocr_suspects`` (pipeline/record/ocr_check.py: numbers
that break their own table and found no other reading that fits, or cells read with low
confidence) and ``low_confidence`` (fields whose OCR'd block has a low mean confidence).
``guard(rec, findings)`` runs after every per-report rule (pipeline/rules/__init__.py ``run``).
A record with no OCR'd pages has no suspects, so text renditions are never touched.
"""
from __future__ import annotations



RULE_ID = "meta.low_confidence_ocr"     # registered in rules/meta.py (contract id, info)

# what a rule's finding is computed from, where the finding itself does not say (its evidence is
# one row, but the rule read more): level1 = every level-1 indicator, kids = the named parent's children
DEPENDS: dict[str, tuple[str, ...]] = {
    "score.total_mismatch": ("level1", "total_score"),
    "weight.total_not_100": ("level1",),
    "grade.band_mismatch": ("total_score",),
    "score.child_sum_mismatch": ("kids",),
    "survey.rate_mismatch": ("survey", "satisfaction_pct"),
    "funds.sum_mismatch": ("fund_sources",),
    "funds.execution_rate_mismatch": ("allocated_wan", "received_wan", "spent_wan", "execution_rate_pct"),
    "funds.arrival_rate_mismatch": ("allocated_wan", "received_wan", "arrival_rate_pct"),
}
LEAVE_ALONE = ("meta.", "text.", "internal.")   # not judgements of a number
ALARMS = ("error", "warning")


def suspects(rec: dict) -> list[dict]:
    """Every untrusted OCR value of the record: {field, key, value, page, cell, confidence, reason, evidence}."""
    out = [s for s in rec.get("ocr_suspects") or [] if isinstance(s, dict)]
    for lc in rec.get("low_confidence") or []:
        if isinstance(lc, dict) and lc.get("field"):
            out.append({"field": lc["field"], "key": None, "value": None, "page": lc.get("page"), "cell": None,
                        "confidence": lc.get("confidence"), "evidence": lc.get("text"),
                        "reason": f"OCR confidence {lc.get('confidence') or 0:.2f} / 识别置信度低"})
    return out


def _indicator(rec: dict, name: str) -> list[dict]:
    return [i for i in rec.get("indicators") or [] if isinstance(i, dict) and i.get("name") == name]


def _fields_of(rec: dict, f: dict) -> set[str]:
    """Record fields (``indicator:<name>`` for indicators) the finding was computed from."""
    out: set[str] = set()
    ev = f.get("evidence") or ""
    for dep in DEPENDS.get(f.get("rule_id"), ()):
        if dep == "level1":
            out |= {f"indicator:{i.get('name')}" for i in rec.get("indicators") or []
                    if isinstance(i, dict) and i.get("level") == 1}
        elif dep == "kids":
            parents = [i for i in rec.get("indicators") or [] if isinstance(i, dict) and i.get("evidence") == ev]
            for p in parents:
                out.add(f"indicator:{p.get('name')}")
                out |= {f"indicator:{i.get('name')}" for i in rec.get("indicators") or []
                        if isinstance(i, dict) and i.get("parent") == p.get("name")}
        else:
            out.add(dep)
    # the row the finding quotes: an indicator whose evidence is the finding's evidence
    out |= {f"indicator:{i.get('name')}" for i in rec.get("indicators") or []
            if isinstance(i, dict) and ev and i.get("evidence") == ev}
    return out


def rests_on(rec: dict, f: dict, sus: list[dict]) -> dict | None:
    """The first suspect the finding was computed from, or None."""
    fields = _fields_of(rec, f)
    ev = f.get("evidence") or ""
    for s in sus:
        if s["field"] in fields:
            return s
        # same page, and the suspect's source text is what the finding quotes
        sev = s.get("evidence") or ""
        if f.get("page") is not None and s.get("page") == f.get("page") and sev and ev and (sev in ev or ev in sev):
            return s
    return None


def demoted(f: dict, s: dict, sus: list[dict] | None = None) -> dict:
    """The finding as an info ``meta.low_confidence_ocr``: the original rule and message kept in words;
    every cell of the same field and page is named (a score above its weight: both cells to look at)."""
    page = s.get("page") if s.get("page") is not None else f.get("page")
    cells = list(dict.fromkeys(x["cell"] for x in sus or [s] if x.get("cell") and x["field"] == s["field"]
                               and x.get("page") == s.get("page")))
    where = "、".join(cells) if cells else f"“{s['field'].removeprefix('indicator:')}”"
    msg = (f"第{page}页{where}由 OCR 读出（{s.get('reason')}），据此得出的“{f['rule_id']}”未作为错误报告："
           f"{f.get('message')} 请对照原件核对该格后再判断。")
    out = dict(f, rule_id=RULE_ID, severity="info", message=msg, page=page)
    return out


def guard(rec: dict, findings: list[dict]) -> list[dict]:
    """Findings with every one that rests on an untrusted OCR value demoted (see module doc)."""
    sus = suspects(rec)
    if not sus or not rec.get("ocr_pages"):
        return findings
    out = []
    for f in findings:
        # an info finding (a truncated rate) is no alarm: it keeps its own id
        judged = f.get("severity") in ALARMS and not str(f.get("rule_id", "")).startswith(LEAVE_ALONE)
        s = rests_on(rec, f, sus) if judged else None
        out.append(demoted(f, s, sus) if s else f)
    return out


