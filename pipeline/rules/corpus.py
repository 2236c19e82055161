"""Corpus rules: compare reports with each other (run over the whole warehouse after an ingest).

Records are what ``warehouse.corpus.corpus_records`` builds: the ``reports`` columns, ``problems`` and
``report_group`` (pipeline/dedupe.py); the document texts come separately, streamed by ``texts``
(records built by hand may carry ``text`` instead). Only one rendition of
each report group is judged, so a report stored as PDF and DOCX is neither its own peer nor its own
copy.
"""
from __future__ import annotations

import json
import math
import re
import statistics
import zlib
from typing import Iterator

from rapidfuzz import fuzz

from warehouse.scratch import PassageScratch

from .base import Rule


def primaries(records: list[dict]) -> list[dict]:
    """One record per report group (its primary; a record without group info is its own group)."""
    return [r for r in records if (r.get("report_group") or r["doc_id"]) == r["doc_id"]]


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


_GENERIC = re.compile(r"绩效评价|评价报告|自评|重点|项目|专项|专用|资金|经费|财政|补助|补贴|奖补|中央|省级|市级|县级|"
                      r"\d{4}年度?|[（）()\s]")


def programme_key(r: dict) -> str:
    """The programme name without the region, the year and the words every programme name has."""
    name = r.get("programme") or ""
    for k in ("province", "city", "county"):
        if r.get(k):
            name = name.replace(r[k], "")
    return _GENERIC.sub("", name)


def programme_groups(recs: list[dict], similarity: float = 80.0) -> list[list[dict]]:
    """Reports of the same programme: programme names are free text ("…补助资金项目" vs "…专项补助资金"),
    so names are reduced (``programme_key``) and grouped when alike; unknown programmes form one group."""
    groups: list[tuple[str, list[dict]]] = []
    for r in sorted(recs, key=lambda r: (programme_key(r), r["doc_id"])):
        key = programme_key(r)
        for gkey, members in groups:
            if (not key and not gkey) or (key and gkey and fuzz.partial_ratio(key, gkey) >= similarity):
                members.append(r)
                break
        else:
            groups.append((key, [r]))
    return [m for _, m in groups]


class CostPerBeneficiaryOutlier(Rule):
    id = "compare.cost_per_beneficiary_outlier"
    severity = "warning"
    corpus = True
    doc = "cost per person served (spent / beneficiaries) far from the median of peer reports of the same programme"
    template = ("人均成本 {actual} 元，同类报告中位数为 {expected} 元（相差 {ratio} 倍，稳健 z = {z}），"
                "请核实支出金额与受益人数的口径是否一致")
    min_peers = 4          # reports with a cost per person in the same programme, this one included
    z_limit = 3.5          # |robust z| on log cost (Iglewicz–Hoaglin)
    ratio_limit = 10.0     # or this many times above/below the others' median
    min_mad = 0.25         # log units: below this the spread is noise, not a scale (avoids z blowing up)

    def check_corpus(self, records: list[dict], texts=None) -> Iterator[dict]:
        known = [r for r in primaries(records) if r.get("spent_wan") is not None and r.get("beneficiaries")
                 and r["spent_wan"] > 0 and r["beneficiaries"] > 0]
        for members in programme_groups(known):
            group = [(r, r["spent_wan"] * 10000 / r["beneficiaries"]) for r in members]
            if len(group) < self.min_peers:
                continue
            logs = [math.log(c) for _, c in group]
            med = statistics.median(logs)
            mad = max(statistics.median(abs(x - med) for x in logs), self.min_mad)
            for i, (r, cost) in enumerate(group):
                z = 0.6745 * (logs[i] - med) / mad
                others = statistics.median(c for j, (_, c) in enumerate(group) if j != i)
                ratio = max(cost / others, others / cost)
                if abs(z) > self.z_limit or ratio >= self.ratio_limit:
                    yield self.finding(r["doc_id"], expected=_fmt(others), actual=_fmt(cost),
                                       ratio=f"{ratio:.1f}", z=f"{z:.1f}",
                                       evidence=f"支出 {_fmt(r['spent_wan'])} 万元 ÷ 受益 {r['beneficiaries']} 人")


_SENT_END = re.compile(r"(?<=[。！？；!?;])")
_NOT_WORD = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]+")
_CITATION = re.compile(r"《[^》]{2,60}》")
_BACK_REF = re.compile(r"^[^，。]{0,6}?(?:这|此|该|上述|前述)")
_QUOTE = re.compile(r"“[^”]{4,}”")
_POLICY_VOICE = re.compile(r"党中央|国务院|决策部署|重要指示|中央精神")
_CITES_POLICY = re.compile(r"^(?:根据|依据|按照|为贯彻|贯彻落实|为落实|依照)")


def passages(text: str | None, min_chars: int) -> list[tuple[str, str]]:
    """(reduced, original) sentences of at least ``min_chars`` letters/digits. Line breaks are
    joined first: PDF text breaks lines inside sentences."""
    flat = re.sub(r"\s*\n\s*", "", text or "")
    out = []
    for s in _SENT_END.split(flat):
        red = _NOT_WORD.sub("", s)
        if len(red) >= min_chars:
            out.append((red, s.strip()))
    return out


def is_policy_citation(original: str) -> bool:
    """Passages that quote, cite or restate policy are shared by the whole genre: citations of
    documents (《…》), quotations (“…”), and the central-policy background every report restates."""
    cited = sum(len(m.group(0)) for m in _CITATION.finditer(original))
    quoted = sum(len(m.group(0)) for m in _QUOTE.finditer(original))
    return (cited >= 0.3 * len(original) or quoted >= 0.5 * len(original) or bool(_POLICY_VOICE.search(original))
            or (bool(_CITES_POLICY.match(original)) and "《" in original))


def _unit(r: dict):
    if r.get("subject"):
        return ("subject", r["subject"])
    if r.get("county"):
        return ("county", r.get("province"), r.get("city"), r["county"])
    return None


class DuplicatePassage(Rule):
    id = "text.duplicate_passage"
    severity = "warning"
    corpus = True
    doc = "a substantive passage repeated near-verbatim in reports of different units (one finding per copy)"
    template = "该段文字与其他单位的报告（{actual}）几乎逐字相同，请核实是否照搬他人报告"
    min_chars = 60          # letters/digits in a passage worth comparing
    similarity = 90.0       # rapidfuzz ratio on reduced text
    genre_share = 0.5       # a passage in more than this share of reports is the genre's, not a copy
    shingle = 8
    sample_mod = 4          # keep shingles whose hash % sample_mod == 0: deterministic sampling
    min_shared = 3          # sampled shingles two passages must share to be compared
    max_per_doc = 20
    max_posting = 64        # a shingle in more reports than this is template wording: bounds pairs (memory) linearly

    def _sample(self, red: str) -> set[int]:
        hs = {zlib.crc32(red[i:i + self.shingle].encode("utf-8")) for i in range(len(red) - self.shingle + 1)}
        return {h for h in hs if h % self.sample_mod == 0}

    def check_corpus(self, records: list[dict], texts=None) -> Iterator[dict]:
        """``texts(doc_ids)`` yields (doc_id, text) for those reports, in any order (the warehouse
        streams them in one table scan); without it the records carry ``text``. Passages and their
        shingle samples go to a scratch DuckDB that spills to disk, and the candidate pairs come back
        from it in batches with their texts, so memory does not grow with the corpus."""
        prim = primaries(records)
        if texts is None:
            texts = lambda ids, by={r["doc_id"]: r.get("text") for r in prim}: ((d, by[d]) for d in ids)  # noqa: E731
        with PassageScratch() as db:
            n_groups = self._load(db, prim, texts)
            yield from self._findings(db, prim, n_groups)

    def _load(self, db: "PassageScratch", prim: list[dict], texts) -> int:
        """Passages and sampled shingles into the scratch tables, with each report's unit; returns the
        number of reports that had text. A passage's item number is ``ri * ITEM_SPAN + j`` (ri: the
        record's place, j: the passage's place in its text), so items sort in record order, then
        text order, whatever order the texts arrive in."""
        ri_of = {r["doc_id"]: i for i, r in enumerate(prim)}
        db.add_units([(i, _unit_key(r)) for i, r in enumerate(prim)])
        items, samples, had_text = [], [], set()
        for doc_id, text in texts([r["doc_id"] for r in prim]):
            ri = ri_of.get(doc_id)
            if ri is None or not text or ri in had_text:
                continue
            had_text.add(ri)
            for j, (red, orig) in enumerate(self._kept(text)):
                k = ri * ITEM_SPAN + j
                items.append((k, ri, red, orig))
                samples.extend((h, k, ri) for h in self._sample(red))
            if len(items) >= 2000:
                db.add(items, samples)
                items, samples = [], []
        db.add(items, samples)
        return len(had_text)

    def _kept(self, text: str) -> list[tuple[str, str]]:
        """(reduced, original) passages worth comparing: long enough, not repeated in the text, not
        citing or restating policy (at most ITEM_SPAN of them)."""
        seen, policy, out = set(), False, []
        for red, orig in passages(text, 1):
            # a sentence that opens by pointing back (这项工作…) continues the policy it follows
            policy = is_policy_citation(orig) or (policy and bool(_BACK_REF.match(orig)))
            if len(red) >= self.min_chars and red not in seen and not policy and len(out) < ITEM_SPAN:
                seen.add(red)
                out.append((red, orig))
        return out

    def _findings(self, db: "PassageScratch", recs: list[dict], n_groups: int) -> Iterator[dict]:
        if n_groups < 2:
            return
        genre_limit = self.genre_share * n_groups
        posting_limit = max(min(genre_limit, self.max_posting), 2)
        # postings in more reports than the limit are genre wording; also bounds the pair count.
        # Pairs of one unit never come back (the same unit may reuse its own wording).
        parent: dict[int, int] = {}
        for a, b, red_a, red_b in db.candidate_texts(posting_limit, self.min_shared):
            if fuzz.ratio(red_a, red_b) >= self.similarity:
                ra, rb = _find(parent, a), _find(parent, b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
        clusters: dict[int, list[int]] = {}
        for k in list(parent):
            clusters.setdefault(_find(parent, k), []).append(k)
        orig_of = db.column("orig", set(parent))
        per_doc: dict[str, int] = {}
        for root in sorted(clusters):
            members = sorted(clusters[root])
            docs = sorted({recs[k // ITEM_SPAN]["doc_id"] for k in members})
            if len(docs) < 2 or (n_groups >= 4 and len(docs) > genre_limit):
                continue
            done = set()
            for k in members:
                r = recs[k // ITEM_SPAN]
                if r["doc_id"] in done or per_doc.get(r["doc_id"], 0) >= self.max_per_doc:
                    continue
                done.add(r["doc_id"])
                per_doc[r["doc_id"]] = per_doc.get(r["doc_id"], 0) + 1
                yield self.finding(r["doc_id"], actual=", ".join(d for d in docs if d != r["doc_id"]),
                                   evidence=orig_of[k])


ITEM_SPAN = 1 << 20     # passages numbered per report: item = record place × ITEM_SPAN + passage place


def _find(parent: dict[int, int], k: int) -> int:
    parent.setdefault(k, k)
    while parent[k] != k:
        parent[k] = parent[parent[k]]
        k = parent[k]
    return k


def _unit_key(r: dict) -> str | None:
    """``_unit`` as one string (equal exactly when the units are), for the scratch database."""
    u = _unit(r)
    return None if u is None else json.dumps(u, ensure_ascii=False)


# what the corpus rules read of a report (warehouse.corpus.corpus_records fetches only these)
RECORD_FIELDS = ("doc_id", "report_group", "province", "city", "county", "subject", "programme",
                 "spent_wan", "beneficiaries")
