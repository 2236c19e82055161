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
from collections import Counter

import numpy as np
from rapidfuzz import fuzz

SHINGLE = 5            # characters per shingle
N_HASH = 32            # MinHash functions
BANDS = 8              # LSH bands (N_HASH / BANDS rows each): pairs with Jaccard ≳ 0.6 meet
COMPARE_CHARS = 20000  # reduced-text prefix compared by rapidfuzz (OCR adds letterheads: compare whole texts)
MIN_SIMILARITY = 90.0  # rapidfuzz ratio (0–100) to call two texts one report
STREAM_ROWS = 256      # texts read from the warehouse at a time
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


def signature(text: str | None) -> np.ndarray | None:
    """MinHash of the reduced text's prefix; None when there is too little text to judge."""
    r = reduce_text(text)[:COMPARE_CHARS]
    return minhash(r) if len(r) >= 50 else None


def group_reports(items: list[dict], reduced_of=None) -> dict[str, tuple[str, bool, float]]:
    """items: {doc_id, text | sig, content_key?, fiscal_year?, county?, completeness?, source_format?, text_chars?}
    → {doc_id: (group_id, is_primary, similarity to the primary)}; group_id is the primary's doc_id.

    Items may carry their ``sig`` (``signature``) instead of their text; ``reduced_of(doc_ids)``
    then returns {doc_id: reduced text prefix} for just the documents that need comparing, so the
    whole corpus's text is never held at once."""
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

    by_key: dict[str, int] = {}
    for i, it in enumerate(items):
        key = it.get("content_key")
        if key:
            if key in by_key and _compatible(items[by_key[key]], it):
                union(by_key[key], i)
            by_key.setdefault(key, i)
    buckets: dict[tuple, list[int]] = {}
    rows = N_HASH // BANDS
    for i, it in enumerate(items):
        sig = it["sig"] if "sig" in it else signature(it.get("text"))
        if sig is None:          # too little text to judge; stays alone unless content_key says otherwise
            continue
        for b in range(BANDS):
            buckets.setdefault((b, *sig[b * rows:(b + 1) * rows].tolist()), []).append(i)
    pairs = sorted({(m[x], m[y]) for m in buckets.values() for x in range(len(m)) for y in range(x + 1, len(m))})
    # only documents in a candidate pair or a content_key group are ever compared: fetch just those
    keyed = Counter(find(i) for i in range(len(items)))
    need = {i for p in pairs for i in p} | {i for i in range(len(items)) if keyed[find(i)] > 1}
    if reduced_of is None:
        reduced = {i: reduce_text(items[i].get("text"))[:COMPARE_CHARS] for i in need}
    else:
        got = reduced_of([items[i]["doc_id"] for i in sorted(need)])
        reduced = {i: got.get(items[i]["doc_id"], "") for i in need}
    for i, j in pairs:
        if find(i) != find(j) and _compatible(items[i], items[j]) and fuzz.ratio(reduced[i], reduced[j]) >= MIN_SIMILARITY:
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


def _stream(con, sql: str, params=None):
    cur = con.execute(sql, params or [])
    while batch := cur.fetchmany(STREAM_ROWS):
        yield from batch


def refresh_groups(con) -> int:
    """Recompute ``report_groups`` for the whole warehouse; returns the number of reports that
    have more than one rendition."""
    filled = " + ".join(f"(r.{c} IS NOT NULL)::INT" for c in _COMPLETENESS_FIELDS)
    cur = con.execute(f"""
        SELECT r.doc_id, r.content_key, r.fiscal_year, r.county, r.source_format, r.text_chars, r.ocr_pages,
               {filled} + (SELECT count(*) FROM indicators i WHERE i.doc_id = r.doc_id)
                        + (SELECT count(*) FROM problems p WHERE p.doc_id = r.doc_id) AS completeness
        FROM reports r""")
    cols = [d[0] for d in cur.description]
    items = {row[0]: dict(zip(cols, row), sig=None) for row in cur.fetchall()}
    # texts streamed straight from a scan (a join would hold every text in its hash table): only
    # the signatures are kept
    for doc_id, text in _stream(con, "SELECT doc_id, text FROM doc_text WHERE doc_id IN (SELECT doc_id FROM reports)"):
        items[doc_id]["sig"] = signature(text)

    def reduced_of(doc_ids: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for k in range(0, len(doc_ids), STREAM_ROWS):
            for d, text in con.execute("SELECT doc_id, text FROM doc_text WHERE doc_id IN (SELECT unnest(?))",
                                       [doc_ids[k:k + STREAM_ROWS]]).fetchall():
                out[d] = reduce_text(text)[:COMPARE_CHARS]
        return out
    groups = group_reports(list(items.values()), reduced_of)
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
