"""Which files may be opened as a warehouse, and what to tell the user when one cannot be.

Every command names its database with ``--db``, and a slip (the report PDF, a folder, another
tool's DuckDB file) must cost nothing: the file is refused with a message saying what it is, and
its bytes are left exactly as they were. A *jixiao warehouse* is a DuckDB file whose
``schema_migrations`` records this project's first migration (``001_init``) and whose ``reports``
table has the contract's key columns. Only ``ingest`` creates one, and only in a new file, an empty
(0-byte) file or a DuckDB database that holds nothing yet. Read commands never migrate.

``problem`` turns what the operating system or DuckDB raised (disk full, read-only file system, no
permission, a folder, not a DuckDB file) into one plain sentence, so no command shows a traceback
for a cause that is on the user's side.
"""
from __future__ import annotations

import errno
from pathlib import Path

DUCKDB_MAGIC = b"DUCK"          # bytes 8..12 of every DuckDB database file
FIRST_MIGRATION = (1, "001_init")
KEY_COLUMNS = {"reports": {"doc_id", "source_path"}}


class NotAWarehouse(RuntimeError):
    """The file given as --db is not a jixiao warehouse (and was not changed)."""


# ---------------------------------------------------------------- the file, before DuckDB sees it

def file_kind(path: Path) -> str:
    """``missing``, ``directory``, ``special`` (FIFO, device, socket), ``empty`` (0 bytes),
    ``duckdb`` or ``other`` — read from the file's first bytes, never written."""
    if not path.exists():
        return "missing"
    if path.is_dir():
        return "directory"
    if not path.is_file():
        return "special"
    if path.stat().st_size == 0:
        return "empty"
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except OSError:
        return "duckdb"            # unreadable: let DuckDB's own open say why (permission …)
    return "duckdb" if head[8:12] == DUCKDB_MAGIC else "other"


def check_path(path: Path, create: bool) -> str:
    """The file's kind when it may be opened (to create a warehouse: also ``missing``/``empty``); raises
    NotAWarehouse (or FileNotFoundError for a missing file) with the reason otherwise."""
    kind = file_kind(path)
    if kind == "missing" and not create:
        raise FileNotFoundError(f"no warehouse at {path}; run `python -m pipeline ingest <folder> --db {path}` first "
                                f"/ 数据库不存在，请先运行 ingest")
    if kind == "directory":
        raise NotAWarehouse(f"{path} is a folder, not a warehouse file; pass a file name, e.g. "
                            f"--db {path / 'reports.duckdb'} / 这是文件夹，请给出数据库文件名")
    if kind == "special":
        raise NotAWarehouse(f"{path} is not a regular file (a device, FIFO or socket); pass a DuckDB file name "
                            f"/ 不是普通文件，请给出数据库文件名")
    if kind == "other":
        raise NotAWarehouse(f"{path} is not a DuckDB database (it looks like {_looks_like(path)}); it was left "
                            f"unchanged. Pass the warehouse written by `python -m pipeline ingest`, or a new file "
                            f"name / 不是 DuckDB 数据库文件，未作修改")
    if kind == "empty" and not create:
        raise NotAWarehouse(f"{path} is an empty file, not a warehouse yet; create one with "
                            f"`python -m pipeline ingest <folder> --db {path}` / 空文件，请先运行 ingest")
    return kind


_SIGNATURES = [(b"%PDF", "a PDF"), (b"PK\x03\x04", "a ZIP file (DOCX, XLSX)"), (b"SQLite format 3", "an SQLite database"),
               (b"\xd0\xcf\x11\xe0", "an old Office file (DOC, XLS)")]


def _looks_like(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return "another kind of file"
    return next((what for magic, what in _SIGNATURES if head.startswith(magic)), "another kind of file")


# ---------------------------------------------------------------- the database, read-only look

def identify(con) -> tuple[str, str]:
    """(``jixiao`` | ``empty`` | ``foreign``, what the database holds) — reads the catalog only."""
    objects = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
        "UNION ALL SELECT sequence_name FROM duckdb_sequences() WHERE database_name = current_database() "
        "UNION ALL SELECT function_name FROM duckdb_functions() WHERE database_name = current_database() "
        "AND NOT internal "
        "UNION ALL SELECT type_name FROM duckdb_types() WHERE database_name = current_database() AND NOT internal "
        "ORDER BY 1").fetchall()]
    if not objects:
        return "empty", "nothing"
    shown = ", ".join(objects[:5]) + (" …" if len(objects) > 5 else "")
    cols = _columns(con)
    if not {"version", "name"} <= cols.get("schema_migrations", set()):
        return "foreign", f"tables such as {shown}, and no jixiao schema_migrations"
    if not con.execute("SELECT count(*) FROM schema_migrations WHERE version = ? AND name = ?",
                       list(FIRST_MIGRATION)).fetchone()[0]:
        return "foreign", "a schema_migrations table that is not jixiao's"
    for table, need in KEY_COLUMNS.items():
        if not need <= cols.get(table, set()):
            return "foreign", f"a {table} table without the columns {', '.join(sorted(need))}"
    return "jixiao", shown


def _columns(con) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for table, col in con.execute("SELECT table_name, column_name FROM information_schema.columns "
                                  "WHERE table_catalog = current_database()").fetchall():
        out.setdefault(table, set()).add(col)
    return out


def require(con, path: Path, create: bool) -> str:
    """The database's identity when this command may use it; NotAWarehouse otherwise. ``create``
    (``ingest``) also accepts an empty database, where it then creates the schema; everything else
    (read commands, ``audit --import``) needs a jixiao warehouse."""
    kind, what = identify(con)
    if kind == "foreign":
        raise NotAWarehouse(f"{path} is a DuckDB database but not a jixiao warehouse (it holds {what}); it was left "
                            f"unchanged. Pass --db the warehouse written by `python -m pipeline ingest`, or a new "
                            f"file name for a new warehouse / 该文件不是本项目的数据库，未作任何修改")
    if kind == "empty" and not create:
        raise NotAWarehouse(f"{path} holds no warehouse yet (an empty database); create one with "
                            f"`python -m pipeline ingest <folder> --db {path}` / 数据库为空，请先运行 ingest")
    return kind


# ---------------------------------------------------------------- errors on the user's side

_TEXT_ERRNO = [("no space left on device", errno.ENOSPC), ("file too large", errno.EFBIG),
               ("read-only file system", errno.EROFS), ("permission denied", errno.EACCES),
               ("operation not permitted", errno.EPERM), ("is a directory", errno.EISDIR),
               ("not a directory", errno.ENOTDIR), ("no such file or directory", errno.ENOENT),
               ("disk quota exceeded", errno.EDQUOT)]


def error_number(e: BaseException) -> int | None:
    """The errno behind an OSError, or behind a DuckDB error whose text carries the OS's words."""
    if isinstance(e, OSError) and e.errno:
        return e.errno
    text = str(e).lower()
    for words, num in _TEXT_ERRNO:
        if words in text:
            return num
    return None


WRITE_FAILURES = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}


def is_environmental(e: BaseException) -> bool:
    """Whether a failed write is the disk's or the file system's doing (full, size limit, read-only,
    no permission, I/O error) rather than a value's: then no file is at fault, and retrying file by
    file only blames files. DuckDB reports a failed commit as a TransactionException whose text
    carries the OS's words ("Failed to commit: Could not write file …: No space left on device")."""
    return error_number(e) in WRITE_FAILURES or "input/output error" in str(e).lower()


def problem(e: BaseException, what: str = "") -> str | None:
    """One plain sentence for an error whose cause is on the user's side (disk, permissions, a wrong
    path, not a DuckDB file, memory), or None for anything else. ``what`` names the file if known."""
    name = getattr(e, "filename", None) or what
    where = f" ({name})" if name else ""
    text = str(e).splitlines()[0][:300] if str(e) else type(e).__name__
    if "not a valid duckdb database file" in text.lower():
        return (f"{name or 'the --db file'} is not a DuckDB database; pass the warehouse written by "
                f"`python -m pipeline ingest`, or a new file name / 不是 DuckDB 数据库文件")
    if type(e).__name__ == "OutOfMemoryException" or isinstance(e, MemoryError):
        return f"out of memory{where}: {text}; close other programs or narrow the query / 内存不足"
    num = error_number(e)
    if num in (errno.ENOSPC, errno.EDQUOT):
        return (f"the disk is full{where}: {text}; free some space and run again — what was written before "
                f"is kept / 磁盘空间不足，请释放空间后重试")
    if num == errno.EFBIG:
        return (f"the file size limit was reached{where}: {text}; raise the limit (ulimit -f) or write to another "
                f"disk / 文件超过大小限制")
    if num == errno.EROFS:
        return f"read-only file system{where}: {text}; choose a file on a writable disk / 只读文件系统，请换一个可写的位置"
    if num in (errno.EACCES, errno.EPERM):
        return f"no permission{where}: {text}; fix the permissions or choose another file / 没有访问权限"
    if num == errno.EISDIR:
        return f"{name or 'the path'} is a folder, not a file; give a file name inside it / 这是文件夹，请给出文件名"
    if num in (errno.ENOENT, errno.ENOTDIR):
        return f"no such file or folder{where}: {text} / 路径不存在"
    if isinstance(e, OSError):
        return f"cannot use {name or 'the file'}: {text} / 无法访问该文件"
    return None
