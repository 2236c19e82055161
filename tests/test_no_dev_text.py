"""No text of the development reports in the code or the tests (issue #17): the project is scored on
reports nobody here has seen, so a sentence, unit or place copied from a seed (../shared/seeds/txt)
or from a public case (../shared/real) would tune the rules to them. Seed facts reach tests only
through the ``seeds`` / ``real`` fixtures; a test states its own invented text.

A copy is a run of RUN characters of a development text, compared without whitespace (so a sentence
re-wrapped over lines is still found) and holding at least MIN_CJK Chinese characters (a phrase, not
a run of punctuation, digits or spaces). A run that public cases of two different places share is
the genre's template (the national self-evaluation form's header row: 年初预算数 全年预算数 全年执行数
分值 执行率 得分), which every report of that form holds: it is not one report's fact and may stand in
a test. The seeds do not count for that: they are reports of one programme."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN = 16
MIN_CJK = 8
SCANNED = ("tests", "pipeline", "extractors", "corpus", "warehouse")
SUFFIXES = {".py", ".sql", ".html", ".j2", ".jinja"}
_SPACE = re.compile(r"\s+")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def runs_of(texts: dict[str, str], template: dict[str, str] | None = None) -> dict[str, str]:
    """{RUN-character run (whitespace removed): the text it comes from} for every run of ``texts``
    that holds at least MIN_CJK Chinese characters, less the template: runs that texts of
    ``template`` ({name: text}, named ``place_…``) of two or more different places share."""
    out: dict[str, str] = {}
    places: dict[str, set[str]] = {}
    for name, text in texts.items():
        flat = _SPACE.sub("", text)
        for i in range(len(flat) - RUN + 1):
            w = flat[i:i + RUN]
            if w not in out and len(_CJK.findall(w)) >= MIN_CJK:
                out[w] = name
    for name, text in (template or {}).items():
        flat = _SPACE.sub("", text)
        place = Path(name).name.split("_")[0]
        for w in {flat[i:i + RUN] for i in range(len(flat) - RUN + 1)} & out.keys():
            places.setdefault(w, set()).add(place)
    return {w: name for w, name in out.items() if len(places.get(w, ())) < 2}


def copies_in(text: str, runs: dict[str, str]) -> list[tuple[int, str, str]]:
    """(line, run, source) for each run of ``text`` (whitespace removed) found in ``runs``; one hit
    per stretch of copied text."""
    chars = [(c, i) for i, c in enumerate(text) if not c.isspace()]
    flat = "".join(c for c, _ in chars)
    hits, i = [], 0
    while i <= len(flat) - RUN:
        w = flat[i:i + RUN]
        if w in runs:
            hits.append((text.count("\n", 0, chars[i][1]) + 1, w, runs[w]))
            i += RUN
        else:
            i += 1
    return hits


def scanned_files() -> list[Path]:
    return sorted(p for d in SCANNED for p in (ROOT / d).rglob("*")
                  if p.suffix in SUFFIXES and p.is_file() and "__pycache__" not in p.parts)


def read_texts(files: list[Path]) -> dict[str, str]:
    return {f"{p.parent.name}/{p.name}": p.read_text(encoding="utf-8", errors="replace") for p in files}


def test_the_detector_finds_a_rewrapped_copy_and_ignores_short_shared_phrases():
    runs = runs_of({"src": "前言。某地某年度开展了一项全新的示范工作，覆盖十七个乡镇和二百个村。结尾。"})
    assert [h[2] for h in copies_in('x = ("开展了一项全新的示范工作，\n      覆盖十七个乡镇")', runs)] == ["src"]
    assert copies_in('y = "开展了一项全新的示范"', runs) == []            # 10 characters: a phrase any report may use
    assert copies_in("z = '开展了一项全新的公益工作，覆盖十七个乡镇'", runs) == []    # changed in the middle


def test_a_run_two_places_share_is_template_one_place_is_not():
    header = "项目名称年初预算数全年预算数全年执行数分值执行率得分"
    texts = {"a_x.txt": "甲县" + header + "甲县独有的一句话写在这里不会再有", "b_y.txt": "乙县" + header}
    runs = runs_of(texts, template=texts)
    assert copies_in(header, runs) == []
    assert copies_in("甲县独有的一句话写在这里不会再有", runs)
    same_place = {"a_x.txt": texts["a_x.txt"], "a_z.txt": "甲县" + header}
    assert copies_in(header, runs_of(same_place, template=same_place))     # one place twice is still one place


def test_no_development_report_text_in_code_or_tests(seeds, real):
    cases = read_texts(sorted(real.glob("*.txt")))
    texts = {**read_texts(sorted((seeds / "txt").glob("*.txt"))), **cases}
    assert len(texts) >= 5, "no development texts found to compare with"
    runs = runs_of(texts, template=cases)
    found = [(p.relative_to(ROOT), line, w, src) for p in scanned_files()
             for line, w, src in copies_in(p.read_text(encoding="utf-8", errors="replace"), runs)]
    shown = "\n".join(f"  {p}:{line}  “{w}”  (from {src})" for p, line, w, src in found[:40])
    assert not found, (f"{len(found)} runs of {RUN} characters copied from the development reports; replace them "
                       f"with invented text of the same shape (another county, programme, firm, numbers):\n{shown}")
