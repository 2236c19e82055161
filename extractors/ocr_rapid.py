"""Second recogniser for table cells: RapidOCR 1.4.4 (onnxruntime, PP-OCRv4 models inside the
``rapidocr-onnxruntime`` wheel: works offline, nothing downloaded at run time).

Tesseract stays the main reader (it gives the page layout, word boxes and confidences the table
reader needs). RapidOCR reads only the cells whose number tesseract read with low confidence or
that stand out of their column (a lost decimal point: "9138" among "19.33", "8.33"), in
recognition-only mode on the cell's crop (~20–40 ms CPU a cell, one thread). Its reading never
replaces the cell's text; it is kept as an alternative that the record's plausibility check takes
only where it fits the table's arithmetic (pipeline/record/ocr_check.py).

Measured on degraded seed pages (README, OCR section): on whole pages it read text and numbers at
least as well as tesseract (char F1 0.97–1.00 vs 0.94–1.00; numbers precision 0.97–1.00 vs
0.88–1.00) for similar CPU (3.3–6.1 vs 3.4–4.9 s/page), but it returns text boxes, not cells.
``JIXIAO_OCR_SECOND=none`` switches it off.
"""
from __future__ import annotations

import os
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=1)
def _engine():
    if os.environ.get("JIXIAO_OCR_SECOND", "rapidocr").strip().lower() in ("none", "off", "0"):
        return None
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:       # optional at run time: tesseract alone still reads the page
        return None
    # one thread per process: pages already run one per core (more threads cost CPU for little time).
    # Text detection (read_lines) at the cell crop's own size, up to 960 px: the default scales every
    # image up to 736 px on its shorter side, 5–10× the work on a cell and worse readings
    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, print_verbose=False,
                    det_limit_type="max", det_limit_side_len=960)


def available() -> bool:
    return _engine() is not None


def read_lines(crop: np.ndarray | None) -> tuple[str, float]:
    """(text, lowest line score 0..1) of a grey crop that may hold several lines: text detection,
    then recognition, lines joined top to bottom (a name cell wrapped over two lines reads whole;
    ~35 ms of CPU a cell)."""
    eng = _engine()
    if eng is None or crop is None or crop.size == 0 or min(crop.shape[:2]) < 8:
        return "", 0.0
    img = np.pad(crop, ((8, 8), (8, 8)), constant_values=255)
    try:
        res, _ = eng(np.stack([img] * 3, axis=-1), use_cls=False)
    except Exception:          # a second opinion must never cost the page its first reading
        res = None
    if not res:
        return "", 0.0
    lines = sorted(res, key=lambda r: (round(min(p[1] for p in r[0]) / 8), min(p[0] for p in r[0])))
    return "".join(str(r[1]).strip() for r in lines), min(float(r[2]) for r in lines)


def read_crops(crops: list[np.ndarray]) -> list[tuple[str, float]]:
    """(text, score 0..1) of each grey crop, recognition only (each crop is one line of text)."""
    eng = _engine()
    out: list[tuple[str, float]] = []
    for c in crops:
        if eng is None or c is None or c.size == 0 or min(c.shape[:2]) < 4:
            out.append(("", 0.0))
            continue
        # margin of paper: the recogniser reads a tight crop's edge strokes badly
        pad = max(4, c.shape[0] // 4)
        img = np.pad(c, ((pad, pad), (pad, pad)), constant_values=255)
        try:
            res, _ = eng(np.stack([img] * 3, axis=-1), use_det=False, use_cls=False)
        except Exception:      # a second opinion must never cost the page its first reading
            res = None
        text, score = (res[0][0], float(res[0][1])) if res else ("", 0.0)
        out.append((text.strip(), score))
    return out
