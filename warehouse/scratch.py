"""A scratch DuckDB for the copied-passage rule (pipeline/rules/corpus.py: DuplicatePassage):
passages and sampled shingles of every report, in memory and spilling to a temporary folder past
its memory limit, so the rule's memory stays flat however large the corpus."""
from __future__ import annotations


class PassageScratch:
    """A DuckDB of its own (in memory, spilling to a temporary folder) for the copied-passage rule:
    ``items(item, ri, red, orig)`` and ``samples(h, item, ri)``."""

    def __init__(self, memory_limit: str = "256MB"):
        import tempfile

        import duckdb
        self._tmp = tempfile.TemporaryDirectory(prefix="jixiao-dup-")
        # a file of its own (in the temporary folder): tables of an in-memory database cannot spill
        self.con = duckdb.connect(f"{self._tmp.name}/scratch.duckdb")
        self.con.execute(f"SET temp_directory = '{self._tmp.name}'")
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute("CREATE TABLE items (item BIGINT, ri INTEGER, red VARCHAR, orig VARCHAR)")
        self.con.execute("CREATE TABLE samples (h BIGINT, item BIGINT, ri INTEGER)")
        self.con.execute("CREATE TABLE units (ri INTEGER, unit VARCHAR)")
        self.n_items = 0

    def add_units(self, rows: list[tuple]) -> None:
        """(ri, unit) of every report: two passages of one (known) unit are never a copy."""
        self._insert("units", rows, ["ri", "unit"])

    def add(self, items: list[tuple], samples: list[tuple]) -> None:
        self._insert("items", items, ["item", "ri", "red", "orig"])
        self._insert("samples", samples, ["h", "item", "ri"])
        self.n_items += len(items)

    def _insert(self, name: str, rows: list[tuple], cols: list[str]) -> None:
        import pandas as pd
        if rows:
            frame = pd.DataFrame(rows, columns=cols, dtype=object if name == "units" else None)
            self.con.register("_rows", frame)
            self.con.execute(f"INSERT INTO {name} SELECT {', '.join(cols)} FROM _rows")
            self.con.unregister("_rows")

    def candidate_texts(self, posting_limit: float, min_shared: int, batch: int = 5000,
                        part_items: int = 250_000):
        """(item, item, reduced, reduced) of every candidate pair — passages of different reports
        sharing at least ``min_shared`` sampled shingles, counting only shingles found in at most
        ``posting_limit`` reports (more is genre wording, and would make the pair count explode) —
        whose reports are not of one known unit, streamed in batches (the pairs grow with the corpus).

        Staged so that no operator holds more than a slice of the corpus: the kept shingles first
        (plain aggregates, which spill; a DISTINCT aggregate did not), then the pairs and their texts
        one slice of reports at a time (``part_items`` passages a slice: the hash tables stay the
        size of a slice at 10³ or 10⁵ reports)."""
        con = self.con
        con.execute("SET preserve_insertion_order = false")     # no order to keep: lets operators spill
        con.execute("""CREATE OR REPLACE TABLE keep AS SELECT h FROM (SELECT DISTINCT h, ri FROM samples)
                       GROUP BY h HAVING count(*) <= ?""", [posting_limit])
        con.execute("CREATE OR REPLACE TABLE kept AS SELECT s.h, s.item, s.ri FROM samples s SEMI JOIN keep k ON s.h = k.h")
        con.execute("DROP TABLE keep")
        con.execute("CREATE OR REPLACE TABLE pairs (a BIGINT, b BIGINT, ra INTEGER, rb INTEGER)")
        slices = self._slices(part_items)
        for lo, hi in slices:
            con.execute("""INSERT INTO pairs
                SELECT a.item, b.item, any_value(a.ri), any_value(b.ri)
                FROM (SELECT * FROM kept WHERE ri >= ? AND ri < ?) a JOIN kept b
                  ON a.h = b.h AND a.item < b.item AND a.ri <> b.ri
                GROUP BY 1, 2 HAVING count(*) >= ?""", [lo, hi, min_shared])
        con.execute("DROP TABLE kept")
        for lo, hi in slices:
            cur = con.execute("""
                SELECT p.a, p.b, ia.red, ib.red
                FROM (SELECT * FROM pairs WHERE ra >= ? AND ra < ?) p
                JOIN units ua ON ua.ri = p.ra JOIN units ub ON ub.ri = p.rb
                JOIN (SELECT item, red FROM items WHERE ri >= ? AND ri < ?) ia ON ia.item = p.a
                JOIN items ib ON ib.item = p.b
                WHERE ua.unit IS NULL OR ub.unit IS NULL OR ua.unit <> ub.unit""", [lo, hi, lo, hi])
            while rows := cur.fetchmany(batch):
                yield from rows

    def _slices(self, part_items: int) -> list[tuple[int, int]]:
        """[lo, hi) ranges of report places, each holding about ``part_items`` passages."""
        counts = self.con.execute("SELECT ri, count(*) FROM items GROUP BY ri ORDER BY ri").fetchall()
        out, lo, n = [], None, 0
        for ri, c in counts:
            lo = ri if lo is None else lo
            n += c
            if n >= part_items:
                out.append((lo, ri + 1))
                lo, n = None, 0
        if lo is not None:
            out.append((lo, counts[-1][0] + 1))
        return out

    def column(self, col: str, keys: set[int]) -> dict[int, object]:
        out: dict = {}
        ks = sorted(keys)
        for i in range(0, len(ks), 5000):
            out.update(self.con.execute(f"SELECT item, {col} FROM items WHERE item IN (SELECT unnest(?))",
                                        [ks[i:i + 5000]]).fetchall())
        return out

    def __enter__(self) -> "PassageScratch":
        return self

    def __exit__(self, *exc) -> None:
        self.con.close()
        self._tmp.cleanup()
