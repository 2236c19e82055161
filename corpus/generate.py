"""Deterministic synthetic corpus of 绩效评价报告 with ground truth (issue #6).

    python -m corpus.generate --n 50 --seed 1 --out DIR [--formats txt,docx,pdf] [--planted-share 0.35]

Each report ``NNNN_sSEED.<ext>`` gets ``NNNN_sSEED.json`` beside it (the gold.json shape, plus
level2/level3, layout and the planted rule). Report i depends only on (seed, i), so the first n
reports of a bigger corpus are the corpus of n. A share of the reports (``--planted-share``) carries
exactly one planted inconsistency each, cycling through every per-report rule id of CONTRACT.md.
PDFs are rendered from the DOCX by LibreOffice (``soffice``); without it, PDF is skipped with a warning.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

from .synth_render import build_blocks, truth
from .synth_spec import PLANTABLE, make_spec

FORMATS = ("txt", "docx", "pdf")


def planted_rule(idx: int, share: float) -> str | None:
    """The planted rule of report idx: every prefix of the corpus carries floor(n × share) plants,
    cycling through PLANTABLE, so ⌈21 / share⌉ reports cover every rule."""
    f = Fraction(str(share))
    before, upto = math.floor(idx * f), math.floor((idx + 1) * f)
    return PLANTABLE[(upto - 1) % len(PLANTABLE)] if upto > before else None


def format_of(seed: int, idx: int, formats: list[str]) -> str:
    return random.Random(f"jixiao-fmt:{seed}:{idx}").choice(formats)


def stem(seed: int, idx: int) -> str:
    return f"{idx:04d}_s{seed}"


# ---------------------------------------------------------------- writers
def to_txt(blocks: list) -> str:
    lines = []
    for b in blocks:
        if b[0] == "h":
            lines.append(b[2])
        elif b[0] == "p":
            lines.append(b[1])
        else:
            rows, merge = b[1], b[2]
            prev = None
            for r in rows:
                shown = [("" if (prev is not None and j in merge and r[j] == prev[j]) else c) for j, c in enumerate(r)]
                lines.append("\t".join(shown))
                prev = r
        lines.append("")
    return "\n".join(lines)


def to_docx_bytes(blocks: list) -> bytes:
    import datetime as dt

    from docx import Document
    from docx.oxml.ns import qn
    from docx.table import _Cell

    doc = Document()
    st = doc.styles["Normal"]
    st.font.name = "Noto Serif CJK SC"
    st.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    fixed = dt.datetime(2020, 1, 1)
    doc.core_properties.created = fixed
    doc.core_properties.modified = fixed
    doc.core_properties.last_printed = fixed
    doc.core_properties.revision = 1
    for b in blocks:
        if b[0] == "h":
            doc.add_heading(b[2], level=min(b[1], 4))
        elif b[0] == "p":
            doc.add_paragraph(b[1])
        else:
            rows, merge = b[1], b[2]
            t = doc.add_table(rows=len(rows), cols=len(rows[0]))
            t.style = "Table Grid"
            # Table.cell() rescans the whole table on every call; address the cells once instead
            grid = [[_Cell(tc, t) for tc in tr.tc_lst] for tr in t._tbl.tr_lst]
            for i, r in enumerate(rows):
                for j, c in enumerate(r):
                    grid[i][j].text = c
            for j in merge:       # merge runs of equal values vertically (real merged cells)
                i = 1
                while i < len(rows):
                    k = i
                    while k + 1 < len(rows) and rows[k + 1][j] == rows[i][j]:
                        k += 1
                    if k > i:
                        for x in range(i + 1, k + 1):
                            grid[x][j].text = ""
                        merged = grid[i][j].merge(grid[k][j])
                        for para in merged.paragraphs[1:]:      # merge() keeps each cell's empty paragraph
                            para._p.getparent().remove(para._p)
                    i = k + 1
    buf = io.BytesIO()
    doc.save(buf)
    return _stable_zip(buf.getvalue())


def _stable_zip(data: bytes) -> bytes:
    """Re-pack with fixed timestamps so the same seed gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, src.read(info.filename))
    return out.getvalue()


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(docx_files: list[Path], out_dir: Path, batch: int = 40) -> None:
    """Convert with LibreOffice headless, in batches (one soffice start per batch)."""
    exe = soffice()
    if not exe or not docx_files:
        return
    lanes = max(1, min(os.cpu_count() or 1, 4, math.ceil(len(docx_files) / 8)))
    profs = [Path(tempfile.mkdtemp(prefix="jixiao-lo-")) for _ in range(lanes)]

    def lane(k: int) -> None:      # one soffice per lane, each with its own profile (they lock it)
        mine = docx_files[k::lanes]
        for i in range(0, len(mine), batch):
            subprocess.run([exe, f"-env:UserInstallation=file://{profs[k]}", "--headless", "--convert-to", "pdf",
                            "--outdir", str(out_dir)] + [str(p) for p in mine[i:i + batch]],
                           check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=3600)

    try:
        with ThreadPoolExecutor(lanes) as ex:
            list(ex.map(lane, range(lanes)))
    finally:
        for p in profs:
            shutil.rmtree(p, ignore_errors=True)


# ---------------------------------------------------------------- driver
def _write_one(args: tuple) -> tuple[dict, str | None]:
    """Write report idx (TXT/DOCX, or the DOCX to convert); returns (truth, docx path to convert)."""
    idx, seed, out, tmp, formats, share, has_soffice = args
    fmt = format_of(seed, idx, formats)
    if fmt == "pdf" and not has_soffice:
        fmt = "docx"
    spec = make_spec(seed, idx, planted_rule(idx, share))
    blocks = build_blocks(spec)
    name = stem(seed, idx)
    job = None
    if fmt == "txt":
        (out / f"{name}.txt").write_text(to_txt(blocks), encoding="utf-8")
    elif fmt == "docx":
        (out / f"{name}.docx").write_bytes(to_docx_bytes(blocks))
    else:
        (tmp / f"{name}.docx").write_bytes(to_docx_bytes(blocks))
        job = str(tmp / f"{name}.docx")
    t = truth(spec, f"{name}.{fmt}", fmt)
    t["chars"] = sum(len(b[1]) if b[0] == "p" else len(b[2]) if b[0] == "h" else 0 for b in blocks)
    (out / f"{name}.json").write_text(json.dumps(t, ensure_ascii=False, indent=1), encoding="utf-8")
    return t, job


def generate(n: int, seed: int, out: str | Path, formats: list[str] | None = None,
             planted_share: float = 0.35, start: int = 0, quiet: bool = True, jobs: int = 1) -> list[dict]:
    """Write reports start..n-1 into out; returns their truth dicts. Existing files are rewritten.
    jobs > 1 writes reports in that many processes (the output does not depend on it)."""
    formats = formats or list(FORMATS)
    bad = [f for f in formats if f not in FORMATS]     # repeats are allowed: they weight the mix
    if bad:
        raise ValueError(f"unknown format(s) {bad}; use txt, docx, pdf")
    has_soffice = soffice() is not None
    if "pdf" in formats and not has_soffice:
        print("warning: LibreOffice (soffice) not found — PDF reports are written as DOCX instead; "
              "install it with `make setup-bench` / 未找到 LibreOffice，PDF 改为 DOCX", file=sys.stderr)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="jixiao-gen-"))
    work = [(idx, seed, out, tmp, formats, planted_share, has_soffice) for idx in range(start, n)]
    try:
        if jobs > 1 and len(work) > 8:
            from concurrent.futures import ProcessPoolExecutor
            with ProcessPoolExecutor(jobs) as ex:
                done = list(ex.map(_write_one, work, chunksize=8))
        else:
            done = [_write_one(w) for w in work]
        truths = [t for t, _ in done]
        pdf_jobs = [Path(j) for _, j in done if j]
        if pdf_jobs:
            t0 = time.perf_counter()
            docx_to_pdf(pdf_jobs, out)
            if not quiet:
                print(f"LibreOffice: {len(pdf_jobs)} PDFs in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            for p in pdf_jobs:
                if not (out / f"{p.stem}.pdf").exists():
                    print(f"warning: PDF conversion failed for {p.stem}", file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return truths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m corpus.generate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=50, help="number of reports (default 50)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--formats", default="txt,docx,pdf", help="comma list of txt,docx,pdf (default all three)")
    ap.add_argument("--planted-share", type=float, default=0.35,
                    help="share of reports with one planted inconsistency (default 0.35)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="writer processes (default: all cores)")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    ts = generate(a.n, a.seed, a.out, [f.strip() for f in a.formats.split(",") if f.strip()], a.planted_share,
                  quiet=False, jobs=a.jobs)
    planted = sum(1 for t in ts if t["planted"])
    print(f"{len(ts)} reports ({planted} with a planted inconsistency) in {a.out} "
          f"({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
