"""Province / city / county from the places a report names, using the administrative-division
data that ships with jionlp (no hand-typed list).

A report may name only its county ("宁陵县财政局") or a street office; the county is the one named
most (the title counts more), and a county name shared by several provinces is settled by the
provinces and cities the report also names. Still ambiguous → None (a finding says so)."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from ..furniture import furniture_text  # noqa: F401  (the ``weak`` evidence of ``resolve``)

COUNTY_SUFFIX = ("县", "区", "市", "旗")


@dataclass(frozen=True)
class Place:
    province: str
    city: str | None
    county: str | None


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, list[Place]], dict[str, str], dict[str, list[Place]], re.Pattern]:
    """(county form → places, province form → province, city form → places, county regex)."""
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):     # jionlp prints a banner on import
        import jionlp as jio
        data = jio.china_location_loader()
    counties: dict[str, list[Place]] = {}
    provinces: dict[str, str] = {}
    cities: dict[str, list[Place]] = {}

    def aliases(node: dict, full: str) -> set[str]:
        al = node.get("_alias") or []
        al = [al] if isinstance(al, str) else list(al)
        return {full, *al}

    for pname, pnode in data.items():
        for form in aliases(pnode, pname):
            if len(form) >= 2:
                provinces[form] = pname
        for cname, cnode in pnode.items():
            if cname.startswith("_"):
                continue
            for form in aliases(cnode, cname):
                if len(form) >= 2:
                    cities.setdefault(form, []).append(Place(pname, cname, None))
            for kname, knode in cnode.items():
                if kname.startswith("_"):
                    continue
                place = Place(pname, cname, kname)
                forms = {kname}
                for al in aliases(knode, kname):
                    # a bare alias ("嘉定") is too loose in running text; keep suffixed forms
                    if al.endswith(COUNTY_SUFFIX) and len(al) >= 2:
                        forms.add(al)
                    elif len(al) >= 2:
                        forms.add(al + kname[-1])
                for f in forms:
                    counties.setdefault(f, []).append(place)
    names = sorted(counties, key=len, reverse=True)
    pat = re.compile("|".join(map(re.escape, names)))
    return counties, provinces, cities, pat


def warm_up() -> None:
    _index()
    _ends()


def places_of(form: str) -> list[Place]:
    """The places a county-level name form (as ``find_counties`` yields it) may mean; [] for none."""
    return list(_index()[0].get(form, ()))


@lru_cache(maxsize=1)
def _ends() -> tuple[frozenset, int]:
    counties = _index()[0]
    return frozenset(k[-1] for k in counties), max(map(len, counties))


def find_counties(src: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, form) of county-level names in ``src``, as ``_index()``'s pattern would find
    them (leftmost, then longest, not overlapping), but by looking back from each character a
    name can end with: one dict lookup per length instead of a 3 000-way regex alternation at
    every position."""
    counties = _index()[0]
    ends, longest = _ends()
    best: dict[int, int] = {}                      # start → end of the longest name starting there
    for e, ch in enumerate(src):
        if ch not in ends:
            continue
        for n in range(min(longest, e + 1), 1, -1):
            if src[e - n + 1:e + 1] in counties:
                st = e - n + 1
                if best.get(st, -1) < e + 1:
                    best[st] = e + 1
    pos = 0
    for st in sorted(best):
        if st >= pos:
            yield st, best[st], src[st:best[st]]
            pos = best[st]


TOWN = re.compile(r"(?:县|区|市|旗|政府|办事处)([\u4e00-\u9fff]{2,4}?(?:街道|镇|乡))(?:办事处|人民政府|办)")


WEAK = 0.5     # a portal banner ("XX县人民政府门户网站") names the site's county: less than the body does


def resolve(title: str, text: str, weak: str = "") -> tuple[Place | None, str | None, bool]:
    """(place, township, ambiguous). ``title`` mentions weigh five times those in ``text``;
    ``weak`` (portal furniture: banners, breadcrumbs) half as much — evidence, but the report's
    own words win."""
    counties, provinces, cities, pat = _index()
    votes: Counter[str] = Counter()
    for src, w in ((title, 5), (text, 1), (weak, WEAK)):
        for _, _, form in find_counties(src):
            # "X市" is a city as often as a county-level city; a county-level 市 is only taken
            # when no 县/区/旗 is named at all (below)
            votes[form] += w
    named = title + "\n" + text[:6000] + "\n" + weak
    prov_votes = Counter(provinces[f] for f in provinces if f in named and len(f) >= 2)
    city_votes: Counter[tuple[str, str]] = Counter()
    for f, places in cities.items():
        if len(f) >= 3 and f in named:
            for pl in places:
                city_votes[(pl.province, pl.city)] += 1
    # the county named most; a 县/区/旗 wins a tie over a county-level 市 (often the city's name)
    ranked = sorted(votes.items(), key=lambda kv: (-kv[1], not kv[0].endswith(("县", "区", "旗"))))
    town = None
    tm = Counter(m.group(1) for m in TOWN.finditer(title + "\n" + text[:8000]) if not m.group(1).startswith(("各", "个", "等")))
    if tm:
        town = tm.most_common(1)[0][0]
    for form, _ in ranked:
        places = counties[form]
        if len(places) == 1:
            return places[0], town, False
        # several counties share the name: the one whose province or city the report names
        scored = sorted(((city_votes.get((p.province, p.city), 0) * 2 + prov_votes.get(p.province, 0), i, p)
                         for i, p in enumerate(places)), reverse=True)
        if scored[0][0] > 0 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
            return scored[0][2], town, False
        return None, town, True
    # no county: a city-level report
    if city_votes:
        (p, c), _ = city_votes.most_common(1)[0]
        return Place(p, c, None), town, False
    if prov_votes:
        return Place(prov_votes.most_common(1)[0][0], None, None), town, False
    return None, town, False
