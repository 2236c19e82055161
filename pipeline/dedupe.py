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

import numpy as np
from rapidfuzz import fuzz

from warehouse import corpus as store

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


def shingle_hashes(reduced: str) -> np.ndarray:
    """The hashes (below 2³¹) of the text's SHINGLE-character shingles (a text shorter than
    that is one shingle), computed on the code points at once (numpy): a Python loop over every
    shingle was most of the corpus passes' time."""
    cps = np.frombuffer(reduced.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = max(1, len(cps) - SHINGLE + 1)
    h = np.zeros(n, dtype=np.uint64)
    for k in range(min(SHINGLE, len(cps))):
        h = h * np.uint64(0x100000001B3) + cps[k:k + n] + np.uint64(k + 1)     # FNV-style, wraps mod 2⁶⁴
    h ^= h >> np.uint64(31)
    # repeats are kept: a minimum over a shingle twice is the same minimum (np.unique cost more)
    return (h & np.uint64(_P)).astype(np.int64)


def minhash(reduced: str) -> np.ndarray:
    h = shingle_hashes(reduced)
    return ((np.outer(h, _A) + _B) % _P).min(axis=0)


def band_keys(sig: np.ndarray) -> list[int]:
    """One 64-bit key per LSH band (hash of the band's rows): two signatures meet in a band when its
    keys are equal (the warehouse groups them: warehouse.corpus.rendition_band_pairs)."""
    rows = N_HASH // BANDS
    return [hash((b, *sig[b * rows:(b + 1) * rows].tolist())) for b in range(BANDS)]


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


class _Groups:
    """Union–find over item positions; a group's root is its lowest position."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)

    def members(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            out.setdefault(self.find(i), []).append(i)
        return list(out.values())


def key_pairs(items: list[dict]) -> list[tuple[int, int]]:
    """(first, later) positions of items that share a ``content_key`` and may be one report."""
    first: dict[str, int] = {}
    out = []
    for i, it in enumerate(items):
        key = it.get("content_key")
        if key:
            if key in first and _compatible(items[first[key]], it):
                out.append((first[key], i))
            first.setdefault(key, i)
    return out


def lsh_pairs(sigs: list[np.ndarray | None]) -> list[tuple[int, int]]:
    """Candidate pairs (i < j, sorted): signatures equal on all rows of at least one LSH band. A
    ``None`` signature (too little text) pairs with nothing."""
    buckets: dict[tuple, list[int]] = {}
    rows = N_HASH // BANDS
    for i, sig in enumerate(sigs):
        if sig is None:
            continue
        for b in range(BANDS):
            buckets.setdefault((b, *sig[b * rows:(b + 1) * rows].tolist()), []).append(i)
    return sorted({(m[x], m[y]) for m in buckets.values() for x in range(len(m)) for y in range(x + 1, len(m))})


def reduced_texts(items: list[dict], need: set[int], reduced_of=None) -> dict[int, str]:
    """{position: reduced text prefix} for the items that are compared: from their ``text``, or
    fetched by ``reduced_of(doc_ids)`` so the corpus's whole text is never held at once."""
    if reduced_of is None:
        return {i: reduce_text(items[i].get("text"))[:COMPARE_CHARS] for i in need}
    got = reduced_of([items[i]["doc_id"] for i in sorted(need)])
    return {i: got.get(items[i]["doc_id"], "") for i in need}


def groups_to_result(items: list[dict], groups: list[list[int]], reduced: dict[int, str] | None = None,
                     similarity=None) -> dict[str, tuple[str, bool, float]]:
    """{doc_id: (primary's doc_id, is_primary, similarity to the primary)}; the primary of a group
    is its best-ranked member (``_rank``). Similarities come from the reduced texts, or from
    ``similarity(pairs)`` → {(lead, member): ratio} (the warehouse computes them in a stream)."""
    led = []
    for members in groups:
        members = sorted(members, key=lambda i: _rank(items[i]))
        led.extend((members[0], i) for i in members)
    if similarity is None:
        sims = {(a, b): fuzz.ratio(reduced[a], reduced[b]) for a, b in led if a != b}
    else:
        sims = similarity([(a, b) for a, b in led if a != b])
    return {items[i]["doc_id"]: (items[lead]["doc_id"], i == lead, 100.0 if i == lead else round(sims[(lead, i)], 1))
            for lead, i in led}


def group_reports(items: list[dict], reduced_of=None) -> dict[str, tuple[str, bool, float]]:
    """items: {doc_id, text | sig, content_key?, fiscal_year?, county?, completeness?, source_format?, text_chars?}
    → {doc_id: (group_id, is_primary, similarity to the primary)}; group_id is the primary's doc_id.

    Items may carry their ``sig`` (``signature``) instead of their text; ``reduced_of(doc_ids)``
    then returns {doc_id: reduced text prefix} for just the documents that need comparing.
    Steps: items sharing a content key are joined; MinHash bands propose pairs; rapidfuzz on the
    reduced texts confirms them (never across a fiscal year or county); each group gets a primary."""
    items = sorted(items, key=lambda it: it["doc_id"])
    groups = _Groups(len(items))
    for i, j in key_pairs(items):
        groups.union(i, j)
    pairs = lsh_pairs([it["sig"] if "sig" in it else signature(it.get("text")) for it in items])
    # only documents in a candidate pair or a content_key group are ever compared: fetch just those
    keyed = {i for m in groups.members() if len(m) > 1 for i in m}
    reduced = reduced_texts(items, {i for p in pairs for i in p} | keyed, reduced_of)
    confirm_pairs(items, groups, pairs, reduced)
    return groups_to_result(items, groups.members(), reduced)


_COMPLETENESS_FIELDS = ("province", "city", "county", "fiscal_year", "total_score", "grade", "allocated_wan",
                        "received_wan", "spent_wan", "execution_rate_pct", "arrival_rate_pct", "beneficiaries",
                        "satisfaction_pct", "evaluator", "subject", "report_date", "programme")


def confirm_pairs(items: list[dict], groups: _Groups, pairs, reduced: dict[int, str]) -> None:
    """Join the candidate pairs whose reduced texts are alike enough (never across a year or county)."""
    for i, j in pairs:
        if groups.find(i) != groups.find(j) and _compatible(items[i], items[j]) \
                and fuzz.ratio(reduced[i], reduced[j]) >= MIN_SIMILARITY:
            groups.union(i, j)


def group_stored(db) -> dict[str, tuple[str, bool, float]]:
    """``group_reports`` for the whole warehouse with the work out of Python's memory: texts streamed
    once into their band keys (a scratch table of the warehouse), the candidate pairs found by the
    warehouse (equal band key, compatible year and county: the blocking a pair must pass anyway),
    and the pairs' texts fetched back a chunk at a time for rapidfuzz. Same groups as ``group_reports``."""
    items = sorted(store.rendition_candidates(db, _COMPLETENESS_FIELDS), key=lambda it: it["doc_id"])
    pos = {it["doc_id"]: i for i, it in enumerate(items)}
    with store.RenditionBands(db) as bands:
        for doc_id, text in store.all_texts(db):
            sig = signature(text)
            if sig is not None and doc_id in pos:
                bands.add(doc_id, band_keys(sig))
        pairs = [(pos[a], pos[b]) for a, b in bands.pairs()]
        groups = _Groups(len(items))
        for i, j in key_pairs(items):
            groups.union(i, j)
        for (i, j), ra, rb in _pair_texts(db, items, pairs):
            if groups.find(i) != groups.find(j) and _compatible(items[i], items[j]) \
                    and fuzz.ratio(ra, rb) >= MIN_SIMILARITY:
                groups.union(i, j)
    return groups_to_result(items, groups.members(),
                            similarity=lambda ps: {ij: fuzz.ratio(ra, rb) for ij, ra, rb in _pair_texts(db, items, ps)})


PAIR_CHUNK = 2000      # pairs whose texts are held at once (≤ 4 000 texts, ~80 MB)


def _pair_texts(db, items: list[dict], pairs: list[tuple[int, int]]):
    """((i, j), reduced i, reduced j) for the pairs, a chunk at a time: only one chunk's texts are
    held, fetched in a few table scans (a missing text is empty)."""
    for k in range(0, len(pairs), PAIR_CHUNK):
        part = pairs[k:k + PAIR_CHUNK]
        ids = sorted({items[i]["doc_id"] for p in part for i in p})
        red = {d: reduce_text(t)[:COMPARE_CHARS] for d, t in store.texts_of(db, ids, chunk=len(ids)) if t is not None}
        for i, j in part:
            yield (i, j), red.get(items[i]["doc_id"], ""), red.get(items[j]["doc_id"], "")


def refresh_groups(db) -> int:
    """Recompute ``report_groups`` for the whole warehouse (``db``: the Warehouse); returns the
    number of reports that have more than one rendition."""
    groups = group_stored(db)
    store.replace_report_groups(db, [[d, g, p, sim] for d, (g, p, sim) in sorted(groups.items())])
    sizes: dict[str, int] = {}
    for g, _, _ in groups.values():
        sizes[g] = sizes.get(g, 0) + 1
    return sum(1 for n in sizes.values() if n > 1)
