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
        self.con = duckdb.connect()
        self.con.execute(f"SET temp_directory = '{self._tmp.name}'")
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute("CREATE TABLE items (item BIGINT, ri INTEGER, red VARCHAR, orig VARCHAR)")
        self.con.execute("CREATE TABLE samples (h BIGINT, item BIGINT, ri INTEGER)")
        self.n_items = 0

    def add(self, items: list[tuple], samples: list[tuple]) -> None:
        import pandas as pd
        for name, rows, cols in (("items", items, ["item", "ri", "red", "orig"]), ("samples", samples, ["h", "item", "ri"])):
            if rows:
                frame = pd.DataFrame(rows, columns=cols)
                self.con.register("_rows", frame)
                self.con.execute(f"INSERT INTO {name} SELECT * FROM _rows")
                self.con.unregister("_rows")
        self.n_items += len(items)

    def candidate_pairs(self, posting_limit: float, min_shared: int) -> list[tuple[int, int]]:
        """Pairs of passages (items of different reports) sharing at least ``min_shared`` sampled
        shingles, counting only shingles found in at most ``posting_limit`` reports (more is genre
        wording, and would make the pair count explode)."""
        return self.con.execute("""
            WITH keep AS (SELECT h FROM samples GROUP BY h HAVING count(DISTINCT ri) <= ?)
            SELECT a.item, b.item FROM samples a JOIN samples b ON a.h = b.h AND a.item < b.item AND a.ri <> b.ri
            WHERE a.h IN (SELECT h FROM keep)
            GROUP BY 1, 2 HAVING count(*) >= ? ORDER BY 1, 2""", [posting_limit, min_shared]).fetchall()

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
