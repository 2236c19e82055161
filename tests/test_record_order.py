"""Each record family declares the keys it reads and writes (READS / WRITES / OVERRIDES), and
pipeline/record/fields.py checks at import that the order fits: a key is read only after a
family wrote it, two families write one key only where the later one declares the override,
and a listed family without its module is an error. The declarations are checked against what
the families really do on the sample reports."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from extractors import extract
from extractors.txt import text_to_document
from pipeline.record import fields
from pipeline.record.__init__ import narrative
from pipeline.record.schema import empty_record
from tests.conftest import SAMPLES
from tests.test_form_reader import BUDGET, INDICATORS, TITLE


def _fam(reads=(), writes=(), overrides=None):
    ns = SimpleNamespace(READS=tuple(reads), WRITES=tuple(writes), extract=lambda doc, rec: None)
    if overrides is not None:
        ns.OVERRIDES = tuple(overrides)
    return ns


def test_a_family_reading_a_key_no_earlier_family_wrote_is_refused():
    with pytest.raises(fields.FamilyOrderError, match="reads \\['fiscal_year'\\]"):
        fields.check_order([("funds", _fam(reads=["fiscal_year"], writes=["spent_wan"])),
                            ("meta", _fam(writes=["fiscal_year"]))])


def test_two_families_writing_one_key_need_a_declared_override():
    order = [("meta", _fam(writes=["total_score"])), ("indicators", _fam(writes=["total_score"]))]
    with pytest.raises(fields.FamilyOrderError, match="both write 'total_score'"):
        fields.check_order(order)
    order[1] = ("indicators", _fam(writes=["total_score"], overrides=["total_score"]))
    fields.check_order(order)


def test_an_override_of_a_key_nobody_wrote_before_is_refused():
    with pytest.raises(fields.FamilyOrderError, match="overrides 'grade'"):
        fields.check_order([("meta", _fam(writes=["grade"], overrides=["grade"]))])


def test_shared_collections_may_be_written_by_several_families():
    fields.check_order([("meta", _fam(writes=["statements", "provenance"])),
                        ("funds", _fam(reads=["statements"], writes=["statements", "provenance"]))])


def test_a_family_without_declarations_or_with_unknown_keys_is_refused():
    with pytest.raises(fields.FamilyOrderError, match="must declare READS"):
        fields.check_order([("meta", SimpleNamespace(WRITES=(), extract=None))])
    with pytest.raises(fields.FamilyOrderError, match="does not have"):
        fields.check_order([("meta", _fam(writes=["totl_score"]))])


def test_a_listed_family_without_its_module_fails_loudly():
    with pytest.raises(fields.FamilyOrderError, match="does not exist"):
        fields.load(("meta", "no_such_family"))


def test_every_listed_family_is_a_real_module():
    here = Path(fields.__file__).parent
    assert "statements" not in fields.NAMES
    assert all((here / f"{n}.py").exists() for n in fields.NAMES)
    assert len(fields.FAMILIES) == len(fields.NAMES)


class _Watch(dict):
    """A record that notes which keys are read."""
    def __init__(self, *a):
        super().__init__(*a)
        self.read: set[str] = set()

    def __getitem__(self, k):
        self.read.add(k)
        return super().__getitem__(k)

    def get(self, k, default=None):
        self.read.add(k)
        return super().get(k, default)

    def setdefault(self, k, default=None):
        self.read.add(k)
        return super().setdefault(k, default)


def _snapshot(rec: dict) -> dict[str, str]:
    return {k: json.dumps(v, sort_keys=True, default=str, ensure_ascii=False) for k, v in rec.items()}


SAMPLE_FILES = sorted(p for p in SAMPLES.glob("*") if p.suffix in (".txt", ".docx", ".pdf"))


def _check_declarations(doc) -> None:
    rec = _Watch(empty_record())
    rec.update(doc_id="x", source_path=doc.source_path, source_format=doc.source_format, pages=doc.pages,
               text_chars=len(doc.text), ocr_pages=0, narrative=narrative(doc))
    for name, mod in fields._MODULES:
        before, rec.read = _snapshot(rec), set()
        mod.extract(doc, rec)
        after = _snapshot(rec)
        changed = {k for k in after if before.get(k) != after[k]}
        assert changed <= set(mod.WRITES), f"{name} writes undeclared {sorted(changed - set(mod.WRITES))}"
        undeclared = rec.read - set(mod.READS) - set(mod.WRITES) - set(fields.SHARED)
        assert not undeclared, f"{name} reads undeclared {sorted(undeclared)}"


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=[p.stem for p in SAMPLE_FILES])
def test_families_read_and_write_only_what_they_declare(path):
    _check_declarations(extract(path))


def test_declarations_hold_on_a_self_evaluation_form():
    # a form overrides narrative amounts, indicators and targets: every override path runs here
    form_text = (TITLE + "本项目年度预算资金共计300万元，实际支出250万元，执行率83.33%。\n" + BUDGET
                 + INDICATORS.format(total=94))
    _check_declarations(text_to_document(form_text, "form.txt"))


def test_declarations_hold_on_the_seed_reports(seeds):
    for path in sorted((seeds / "txt").glob("*.txt")):
        _check_declarations(extract(path))


def test_problems_does_not_hide_a_broken_taxonomy_import(monkeypatch):
    import sys

    from extractors.txt import text_to_document as ttd
    from pipeline.record import problems
    monkeypatch.setitem(sys.modules, "pipeline.taxonomy", None)    # import now raises ImportError
    rec = empty_record()
    with pytest.raises(ImportError):
        problems.extract(ttd("三、存在问题\n（一）资金拨付滞后。\n四、建议\n（一）加快拨付。\n", "p.txt"), rec)


def test_region_places_of_gives_the_places_a_county_form_may_mean():
    from pipeline.record import region
    assert region.places_of("不是地名县县") == []
    form = next(f for _, _, f in region.find_counties("本项目位于昌平区。"))
    assert any(p.county == "昌平区" for p in region.places_of(form))
