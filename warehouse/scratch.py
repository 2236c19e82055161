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

    def candidate_texts(self, posting_limit: float, min_shared: int, batch: int = 5000):
        """(item, item, reduced, reduced) of every candidate pair — passages of different reports
        sharing at least ``min_shared`` sampled shingles, counting only shingles found in at most
        ``posting_limit`` reports (more is genre wording, and would make the pair count explode) —
        whose reports are not of one known unit, streamed in batches (the pairs grow with the corpus)."""
        cur = self.con.execute("""
            WITH keep AS (SELECT h FROM samples GROUP BY h HAVING count(DISTINCT ri) <= ?),
            pairs AS (SELECT a.item AS a, b.item AS b, any_value(a.ri) AS ra, any_value(b.ri) AS rb
                      FROM samples a JOIN samples b ON a.h = b.h AND a.item < b.item AND a.ri <> b.ri
                      WHERE a.h IN (SELECT h FROM keep) GROUP BY 1, 2 HAVING count(*) >= ?)
            SELECT p.a, p.b, ia.red, ib.red FROM pairs p
            JOIN units ua ON ua.ri = p.ra JOIN units ub ON ub.ri = p.rb
            JOIN items ia ON ia.item = p.a JOIN items ib ON ib.item = p.b
            WHERE ua.unit IS NULL OR ub.unit IS NULL OR ua.unit <> ub.unit""", [posting_limit, min_shared])
        while rows := cur.fetchmany(batch):
            yield from rows

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
