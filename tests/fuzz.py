"""Bounded fuzzing of the TXT and DOCX extractors (``make fuzz``; not collected by pytest).

Mutates a synthetic report as bytes (TXT, DOCX zip) and as XML (DOCX document.xml), and runs
``process_file`` on each mutant in-process under an alarm. Every mutant must come back with an
ingest_log status, a reason in Chinese and English when it is not ok, and within the time limit.
Failing inputs are saved to ``--out`` to reproduce them.

    python -m tests.fuzz                       # 300 mutants per target, seed 0
    python -m tests.fuzz --iterations 2000 --seed 7 --seconds 600
"""
from __future__ import annotations

import argparse
import io
import random
import re
import signal
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from tests.hostile_files import docx_bytes, docx_with_document_xml, good_report_text

STATUSES = {"ok", "partial", "failed", "needs_ocr", "encrypted", "not_a_report", "skipped"}


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


def mutate_bytes(data: bytes, rnd: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rnd.randint(1, 8)):
        op = rnd.random()
        if not b:
            break
        i = 0 if rnd.random() < 0.1 else rnd.randrange(len(b))     # the head decides the type: hit it often
        if op < 0.35:
            b[i] = rnd.randrange(256)
        elif op < 0.5:
            del b[i:i + rnd.randint(1, 64)]
        elif op < 0.65:
            b[i:i] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 16)))
        elif op < 0.8:
            j = rnd.randrange(len(b))
            b[i:i] = b[j:j + rnd.randint(1, 256)]          # duplicate a slice
        elif op < 0.9:
            del b[rnd.randrange(len(b)):]                   # truncate
        else:
            b[i:i] = rnd.choice([b"\x00\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\r", b"\t" * 50, "表".encode() * 500])
    return bytes(b)


XML_SNIPPETS = ["<w:p><w:r><w:t>决策</w:t></w:r></w:p>", "<w:tbl><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>",
                "<w:tc><w:tcPr><w:gridSpan w:val=\"999999\"/><w:vMerge/></w:tcPr><w:p/></w:tc>",
                "<w:tcPr><w:gridSpan w:val=\"-3\"/></w:tcPr>", "<w:tr>", "</w:tbl>", "<w:br/>" * 200,
                "<w:pPr><w:outlineLvl w:val=\"99\"/></w:pPr>", "&amp;", "<!-- x -->", "\x01", "<w:t>" + "得分" * 3000 + "</w:t>"]


def mutate_xml(xml: str, rnd: random.Random) -> bytes:
    for _ in range(rnd.randint(1, 5)):
        i = rnd.randrange(len(xml))
        op = rnd.random()
        if op < 0.5:
            xml = xml[:i] + rnd.choice(XML_SNIPPETS) + xml[i:]
        elif op < 0.8:
            j = min(len(xml), i + rnd.randint(1, 200))
            xml = xml[:i] + xml[j:]
        else:
            tags = re.findall(r"<w:tbl>.*?</w:tbl>", xml, re.S)
            if tags:
                xml = xml[:i] + rnd.choice(tags) * rnd.randint(1, 20) + xml[i:]    # table repeated / nested
    return xml.encode("utf-8", errors="replace")


def check(path: Path, limit: float) -> str | None:
    """None when the file was handled properly, else what went wrong."""
    from pipeline.flow import process_file
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        res = process_file(path)
    except Hang:
        return f"took over {limit} s"
    except BaseException as e:  # noqa: BLE001 — process_file must never raise
        return f"raised {type(e).__name__}: {e}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    if res["status"] not in STATUSES:
        return f"unknown status {res['status']!r}"
    err = res.get("error") or ""
    if res["status"] != "ok" and not (re.search(r"[\u4e00-\u9fff]", err) and re.search(r"[A-Za-z]{3}", err)):
        return f"reason not in Chinese and English: {err!r}"
    if res["status"] == "failed" and "internal error" in err:
        return f"internal error: {err}"
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iterations", type=int, default=300, help="mutants per target (default 300)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=300, help="stop after this long in all (default 300)")
    ap.add_argument("--limit", type=float, default=20, help="seconds one mutant may take (default 20)")
    ap.add_argument("--out", default="fuzz-failures", help="folder for failing inputs")
    a = ap.parse_args(argv)
    rnd = random.Random(a.seed)
    text = good_report_text(a.seed)
    txt = text.encode("utf-8")
    dx = docx_bytes(text)
    xml = zipfile.ZipFile(io.BytesIO(dx)).read("word/document.xml").decode("utf-8")
    targets = {
        "txt-bytes": (".txt", lambda: mutate_bytes(txt, rnd)),
        "txt-gb18030": (".txt", lambda: mutate_bytes(text.encode("gb18030"), rnd)),
        "docx-bytes": (".docx", lambda: mutate_bytes(dx, rnd)),
        "docx-xml": (".docx", lambda: docx_with_document_xml(mutate_xml(xml, rnd), dx)),
    }
    t_end = time.monotonic() + a.seconds
    failures = 0
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (ext, make) in targets.items():
            for k in range(a.iterations):
                if time.monotonic() > t_end:
                    break
                data = make()
                p = Path(tmp) / f"{name}-{k}{ext}"
                p.write_bytes(data)
                why = check(p, a.limit)
                counts[name] = counts.get(name, 0) + 1
                if why:
                    failures += 1
                    Path(a.out).mkdir(exist_ok=True)
                    keep = Path(a.out) / f"seed{a.seed}-{p.name}"
                    keep.write_bytes(data)
                    print(f"FAIL {keep}: {why}", file=sys.stderr)
                p.unlink()
    print(f"fuzz: {sum(counts.values())} mutants ({', '.join(f'{k} {v}' for k, v in counts.items())}), "
          f"{failures} failures, seed {a.seed}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
