"""One report, one vote: group the renditions of one report (PDF, DOCX, TXT of the same text).

``reports.doc_id`` hashes the text, but a PDF and a DOCX of one report differ slightly (page
headers, line breaks, a stray bookmark), so they get two doc_ids. Here texts are reduced to their
letters and digits, candidate pairs are found by MinHash over character shingles (no all-pairs
comparison), and a pair is confirmed by rapidfuzz on the reduced text. Two reports that state a
different fiscal year or county are never merged, however alike their template text is.

Each group's primary is a text rendition rather than an OCR'd scan, then the most complete one
(most fields and rows, then DOCX/TXT before PDF); the comparison views count only primaries. ``refresh_groups`` rewrites ``report_groups``.
"""
from __future__ import annotations

import re
import zlib

import numpy as np
from rapidfuzz import fuzz

SHINGLE = 5            # characters per shingle
N_HASH = 32            # MinHash functions
BANDS = 8              # LSH bands (N_HASH / BANDS rows each): pairs with Jaccard ≳ 0.6 meet
COMPARE_CHARS = 20000  # reduced-text prefix compared by rapidfuzz (OCR adds letterheads: compare whole texts)
MIN_SIMILARITY = 90.0  # rapidfuzz ratio (0–100) to call two texts one report
FORMAT_RANK = {"docx": 0, "txt": 1, "md": 1, "pdf": 2}

_PAGE_MARKS = re.compile(r"第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|-\s*\d+\s*-|\[bookmark:[^\]]*\]")
_NOT_WORD = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]+")
_P = (1 << 31) - 1
_RNG = np.random.default_rng(20240605)           # fixed seed: the same corpus always groups the same way
_A = _RNG.integers(1, _P, N_HASH, dtype=np.int64)
_B = _RNG.integers(0, _P, N_HASH, dtype=np.int64)


def reduce_text(text: str | None) -> str:
    """Letters and digits only, page marks removed: what survives a change of file format."""
    return _NOT_WORD.sub("", _PAGE_MARKS.sub("", text or ""))


def minhash(reduced: str) -> np.ndarray:
    grams = {reduced[i:i + SHINGLE] for i in range(max(1, len(reduced) - SHINGLE + 1))}
    h = np.fromiter((zlib.crc32(g.encode("utf-8")) & _P for g in grams), dtype=np.int64, count=len(grams))
    return ((np.outer(h, _A) + _B) % _P).min(axis=0)


def _compatible(a: dict, b: dict) -> bool:
    for k in ("fiscal_year", "county"):
        if a.get(k) is not None and b.get(k) is not None and a[k] != b[k]:
            return False
    return True


def _rank(item: dict) -> tuple:
    """Sort key: a text rendition before an OCR'd scan (OCR misreads characters), then the most
    complete rendition first."""
    return (bool(item.get("ocr_pages")), -(item.get("completeness") or 0), FORMAT_RANK.get(item.get("source_format") or "", 3),
            -(item.get("text_chars") or 0), item["doc_id"])


def group_reports(items: list[dict]) -> dict[str, tuple[str, bool, float]]:
    """items: {doc_id, text, content_key?, fiscal_year?, county?, completeness?, source_format?, text_chars?}
    → {doc_id: (group_id, is_primary, similarity to the primary)}; group_id is the primary's doc_id."""
    items = sorted(items, key=lambda it: it["doc_id"])
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    reduced = [reduce_text(it.get("text"))[:COMPARE_CHARS] for it in items]
    by_key: dict[str, int] = {}
    for i, it in enumerate(items):
        key = it.get("content_key")
        if key:
            if key in by_key and _compatible(items[by_key[key]], it):
                union(by_key[key], i)
            by_key.setdefault(key, i)
    buckets: dict[tuple, list[int]] = {}
    rows = N_HASH // BANDS
    for i, r in enumerate(reduced):
        if len(r) < 50:          # too little text to judge; stays alone unless content_key says otherwise
            continue
        sig = minhash(r)
        for b in range(BANDS):
            buckets.setdefault((b, *sig[b * rows:(b + 1) * rows].tolist()), []).append(i)
    checked: set[tuple[int, int]] = set()
    for members in buckets.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                i, j = members[x], members[y]
                if (i, j) in checked or find(i) == find(j):
                    continue
                checked.add((i, j))
                if _compatible(items[i], items[j]) and fuzz.ratio(reduced[i], reduced[j]) >= MIN_SIMILARITY:
                    union(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(len(items)):
        groups.setdefault(find(i), []).append(i)
    out: dict[str, tuple[str, bool, float]] = {}
    for members in groups.values():
        members.sort(key=lambda i: _rank(items[i]))
        lead = members[0]
        gid = items[lead]["doc_id"]
        for i in members:
            sim = 100.0 if i == lead else round(fuzz.ratio(reduced[lead], reduced[i]), 1)
            out[items[i]["doc_id"]] = (gid, i == lead, sim)
    return out


_COMPLETENESS_FIELDS = ("province", "city", "county", "fiscal_year", "total_score", "grade", "allocated_wan",
                        "received_wan", "spent_wan", "execution_rate_pct", "arrival_rate_pct", "beneficiaries",
                        "satisfaction_pct", "evaluator", "subject", "report_date", "programme")


def refresh_groups(con) -> int:
    """Recompute ``report_groups`` for the whole warehouse; returns the number of reports that
    have more than one rendition."""
    filled = " + ".join(f"(r.{c} IS NOT NULL)::INT" for c in _COMPLETENESS_FIELDS)
    cur = con.execute(f"""
        SELECT r.doc_id, t.text, r.content_key, r.fiscal_year, r.county, r.source_format, r.text_chars, r.ocr_pages,
               {filled} + (SELECT count(*) FROM indicators i WHERE i.doc_id = r.doc_id)
                        + (SELECT count(*) FROM problems p WHERE p.doc_id = r.doc_id) AS completeness
        FROM reports r LEFT JOIN doc_text t USING (doc_id)""")
    cols = [d[0] for d in cur.description]
    items = [dict(zip(cols, row)) for row in cur.fetchall()]
    groups = group_reports(items)
    con.execute("BEGIN")
    try:
        con.execute("DELETE FROM report_groups")
        if groups:
            con.executemany("INSERT INTO report_groups (doc_id, group_id, is_primary, similarity) VALUES (?, ?, ?, ?)",
                            [[d, g, p, s] for d, (g, p, s) in sorted(groups.items())])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    sizes: dict[str, int] = {}
    for g, _, _ in groups.values():
        sizes[g] = sizes.get(g, 0) + 1
    return sum(1 for n in sizes.values() if n > 1)
