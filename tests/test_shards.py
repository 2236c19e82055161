"""Shards (issue #16): ``ingest --shards DIR`` then ``load DIR`` stores what a direct ingest stores,
row for row; a re-run writes no new shard and a second load stores nothing twice; a half-written
shard is never loaded; a damaged shard stops the load with a message, the shards before it kept."""
from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.hostile_files import docx_bytes, good_report_text, write
from tests.test_cluster import assert_same_rows, make_formats
from tests.test_crash_safety import cli, count, snapshot

ROOT = Path(__file__).resolve().parents[1]


def without_shard_record(snap: dict) -> dict:
    """A snapshot without the loaded_shards table (only a load fills it)."""
    return {t: rows for t, rows in snap.items() if t != "loaded_shards"}


def shard_names(folder: Path) -> set[str]:
    return {d.name for d in folder.iterdir() if d.is_dir() and not d.name.startswith(".")}


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 4 files, so a dozen files make several shards."""
    import pipeline.shards
    monkeypatch.setattr(pipeline.shards, "BATCH_FILES", 4)


@pytest.mark.slow
def test_shards_then_load_equal_a_direct_ingest_row_for_row(tmp_path, small_batches):
    from pipeline.ingest import ingest
    from pipeline.shards import load
    folder = tmp_path / "in"
    make_formats(folder)
    direct, loaded, shards = tmp_path / "direct.duckdb", tmp_path / "loaded.duckdb", tmp_path / "shards"
    ingest([folder], direct, workers=2, progress=False)
    s = ingest([folder], loaded, workers=2, progress=False, shards=shards)
    assert not loaded.exists(), "--shards writes shards, not the warehouse"
    assert s.files == 11 and s.status["ok"] == 9
    assert len(shard_names(shards)) == 4          # 10 report files in batches of 4, and the note file
    got, _ = load(shards, loaded)
    assert (got.shards, got.reports, got.files) == (4, 9, 11)
    assert_same_rows(without_shard_record(snapshot(loaded)), without_shard_record(snapshot(direct)))
    assert count(loaded, "SELECT count(*) FROM loaded_shards") == 4


@pytest.mark.slow
def test_rerun_writes_no_new_shard_and_a_second_load_stores_nothing_twice(tmp_path, small_batches):
    from pipeline.ingest import ingest
    from pipeline.shards import load
    folder = tmp_path / "in"
    for i in range(6):
        write(folder / f"t{i}.txt", good_report_text(600 + i))
    shards, db = tmp_path / "shards", tmp_path / "w.duckdb"
    ingest([folder], db, workers=2, progress=False, shards=shards)
    first = shard_names(shards)
    ingest([folder], db, workers=2, progress=False, shards=shards)
    assert shard_names(shards) == first and len(first) == 2
    load(shards, db)
    before = snapshot(db)
    again, _ = load(shards, db)
    assert (again.shards, again.skipped) == (0, 2)
    assert snapshot(db) == before
    assert count(db, "SELECT count(*) FROM ingest_log") == 6


@pytest.mark.slow
def test_changed_file_resharded_replaces_its_report_on_load_as_a_second_ingest_does(tmp_path, small_batches):
    from pipeline.ingest import ingest
    from pipeline.shards import load
    folder = tmp_path / "in"
    for i in range(3):
        write(folder / f"t{i}.txt", good_report_text(610 + i))
    direct, loaded, shards = tmp_path / "direct.duckdb", tmp_path / "loaded.duckdb", tmp_path / "shards"
    ingest([folder], direct, workers=1, progress=False)
    ingest([folder], loaded, workers=1, progress=False, shards=shards)
    write(folder / "t1.txt", good_report_text(699))         # the same file, edited
    ingest([folder], direct, workers=1, progress=False)
    ingest([folder], loaded, workers=1, progress=False, shards=shards)
    assert len(shard_names(shards)) == 2
    load(shards, loaded)
    assert count(loaded, "SELECT count(*) FROM reports") == 3
    assert_same_rows(without_shard_record(snapshot(loaded)), without_shard_record(snapshot(direct)))


@pytest.mark.slow
def test_shards_written_through_a_cluster_equal_a_direct_ingest(tmp_path, small_batches):
    pytest.importorskip("distributed")
    from distributed import LocalCluster
    from pipeline.ingest import ingest
    from pipeline.shards import load
    folder = tmp_path / "in"
    make_formats(folder, n=2)
    direct, loaded, shards = tmp_path / "direct.duckdb", tmp_path / "loaded.duckdb", tmp_path / "shards"
    ingest([folder], direct, workers=2, progress=False)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0", silence_logs=50)
    try:
        ingest([folder], loaded, cluster=cluster.scheduler_address, progress=False, shards=shards)
    finally:
        cluster.close()
    load(shards, loaded)
    assert_same_rows(without_shard_record(snapshot(loaded)), without_shard_record(snapshot(direct)))


def test_half_written_shard_is_never_loaded(tmp_path):
    from pipeline.ingest import ingest
    from pipeline.shards import load
    folder = tmp_path / "in"
    write(folder / "a.txt", good_report_text(620))
    shards, db = tmp_path / "shards", tmp_path / "w.duckdb"
    ingest([folder], db, workers=1, progress=False, shards=shards)
    (name,) = shard_names(shards)
    # what a writer killed before its rename leaves: a hidden temporary folder with some tables
    partial = shards / ".tmp-0123456789abcdef"
    partial.mkdir()
    (partial / "reports.parquet").write_bytes((shards / name / "reports.parquet").read_bytes())
    got, _ = load(shards, db)
    assert got.shards == 1
    assert count(db, "SELECT count(*) FROM reports") == 1


def test_damaged_shard_stops_load_with_a_message_and_the_shards_before_it_stay(tmp_path, small_batches):
    from pipeline.ingest import ingest
    folder = tmp_path / "in"
    for i in range(8):
        write(folder / f"t{i}.txt", good_report_text(630 + i))
    write(folder / "d.docx", docx_bytes(good_report_text(640)))
    shards, db = tmp_path / "shards", tmp_path / "w.duckdb"
    ingest([folder], db, workers=2, progress=False, shards=shards)
    from warehouse.shards import shard_folders
    order = shard_folders(shards)
    assert len(order) == 3
    (order[-1] / "reports.parquet").write_bytes(b"PAR1 not really parquet")
    out = subprocess.run(cli("load", str(shards), "--db", str(db)), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "cannot be loaded" in out.stderr and "Traceback" not in out.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert {r[0] for r in con.execute("SELECT shard_id FROM loaded_shards").fetchall()} == {d.name for d in order[:2]}
        stored, promised = con.execute("SELECT (SELECT count(*) FROM reports), sum(reports) FROM loaded_shards").fetchone()
        assert 0 < stored == promised < 9
    finally:
        con.close()


def test_load_of_a_missing_folder_says_what_to_do(tmp_path):
    out = subprocess.run(cli("load", str(tmp_path / "nowhere"), "--db", str(tmp_path / "w.duckdb")),
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "ingest PATH --shards" in out.stderr
    assert not (tmp_path / "w.duckdb").exists()


def test_load_help_teaches_with_an_example():
    out = subprocess.run(cli("load", "--help"), cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "examples:" in out.stdout
    assert "python -m pipeline load " in out.stdout and "ingest" in out.stdout and "--shards" in out.stdout
