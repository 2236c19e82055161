"""OCR for pages without a text layer (scanned reports), with the Tesseract binary.

Why Tesseract: Debian ships it with a simplified-Chinese model (apt, no downloads at run time),
and its TSV output gives every word a box and a confidence. Each page is rendered at 300 dpi
in grayscale, straightened if tilted, and its ruled tables are found from the image
(extractors/ocr_tables.py). Text outside tables is read as a page (layout analysis on); each
table's cells are cut out and stacked into one image read as a plain block, so a word can only
land in its own cell. Confidence (0..1) goes on table blocks here and on paragraph blocks through
``mark_confidence``; page means go into ``Document.meta["ocr_confidence"]``.

Rough scans (issue 15): a page with a red seal is read from its colour render with the seal's ink
dropped (``ocr_clean.remove_seals``), an unevenly lit page is flattened (``ocr_clean``); cells left blank
and lines read with low confidence are read once more at another size; weak or outlying numbers get
alternative readings (a larger tesseract reading and the second recogniser, ``ocr_rapid``), kept
with each cell's confidence in ``meta["ocr_cells"]`` for the record's plausibility check.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import ExtractionError
from .model import TABLE, Block, Cell, Document
from .normalize import normalize, squash
from .ocr_tables import INK, Grid, find_grids

# 300 dpi: see the README section on OCR for the accuracy and time measured at 200–300
DPI = int(os.environ.get("JIXIAO_OCR_DPI", "300"))
LANG = os.environ.get("JIXIAO_OCR_LANG", "chi_sim")
LOW_CONFIDENCE = 0.6          # below this a block / page is reported as uncertain
PAGE_TIMEOUT = 120            # seconds one tesseract call may take


@dataclass
class Word:
    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float               # 0..100
    line: tuple[int, int, int]  # (block, paragraph, line) as tesseract numbers them


class OcrLine(str):
    """A text line that also carries its OCR confidence (0..1); behaves as a plain str."""
    confidence: float = 0.0
    weight: int = 0
    box: tuple | None = None      # (left, top, right, bottom) in pixels of the page image (extractors/geometry.py)


@lru_cache(maxsize=1)
def _langs() -> frozenset:
    exe = shutil.which("tesseract")
    if not exe:
        return frozenset()
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset((out.stdout + out.stderr).split())


def available() -> bool:
    langs = _langs()
    return bool(langs) and all(lang in langs for lang in LANG.split("+"))


def _png(img) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def tesseract_words(img, psm: int, lang: str | None = None, config: tuple[str, ...] = ()) -> list[Word]:
    """Words of a PIL image with boxes and confidences (tesseract TSV); ``config``: extra
    ``-c name=value`` settings."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")   # its own threads only slow it down on few cores
    extra = [a for c in config for a in ("-c", c)]
    r = subprocess.run(["tesseract", "stdin", "stdout", "-l", lang or LANG, "--psm", str(psm),
                        "-c", "preserve_interword_spaces=1", *extra, "tsv"],
                       input=_png(img), capture_output=True, timeout=PAGE_TIMEOUT, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"tesseract failed: {r.stderr.decode('utf-8', 'replace')[-300:]}")
    words = []
    for row in r.stdout.decode("utf-8", "replace").splitlines()[1:]:
        f = row.split("\t")
        if len(f) < 12 or f[0] != "5" or not f[11].strip():
            continue
        words.append(Word(f[11].strip(), int(f[6]), int(f[7]), int(f[8]), int(f[9]), max(0.0, float(f[10])),
                          (int(f[2]), int(f[3]), int(f[4]))))
    return words


def _join(words: list[Word]) -> str:
    """Words of one line: a space only between two Latin/number words (tesseract splits CJK
    text into words; the gaps it leaves between characters are not in the printed text)."""
    out = ""
    for w in words:
        if out and out[-1].isascii() and out[-1].isalnum() and w.text[0].isascii() and w.text[0].isalnum():
            out += " "
        out += w.text
    return out


def _mean_conf(words: list[Word]) -> tuple[float, int]:
    n = sum(len(w.text) for w in words)
    if not n:
        return 0.0, 0
    return sum(w.conf * len(w.text) for w in words) / n / 100.0, n


def _deskew_angle(gray: np.ndarray) -> float:
    """Tilt in degrees from the horizontal projection of the ink: text rows are sharpest
    (highest variance) when level. Searched on a 1/4 size image; ±3°."""
    small = gray[::4, ::4] < INK
    ys, xs = np.nonzero(small)
    if ys.size < 500:
        return 0.0
    best, best_score = 0.0, -1.0
    for a in np.arange(-3.0, 3.01, 0.1):
        proj = np.bincount(np.round(ys - xs * np.tan(np.radians(a))).astype(np.int64) + small.shape[1],
                           minlength=small.shape[0] + 2 * small.shape[1])
        score = float(np.var(proj))
        if score > best_score + 1e-9:
            best, best_score = float(a), score
    return best


def _straighten(img):
    gray = np.asarray(img)
    angle = _deskew_angle(gray)
    if abs(angle) < 0.15:
        return img, gray
    from PIL import Image
    img = img.rotate(angle, resample=Image.BILINEAR, fillcolor=255)
    return img, np.asarray(img)


def _cell_crop(gray: np.ndarray, box: tuple[int, int, int, int], pad: int,
               tight: bool = False) -> np.ndarray | None:
    """Ink of one cell without its rules; None when the cell is empty. ``tight``: just the
    strokes' box, as it is (for the digits pass: no margin that could hold rule remains)."""
    x0, y0, x1, y1 = box
    crop = gray[y0 + pad:y1 - pad, x0 + pad:x1 - pad].copy()
    if crop.size == 0:
        return None
    ink = crop < INK
    # remains of a rule along the cell's edges (tilt, thick lines): nearly solid rows / columns
    edge = 2 * pad
    for k in list(range(min(edge, ink.shape[0]))) + list(range(max(0, ink.shape[0] - edge), ink.shape[0])):
        if ink[k].mean() > 0.6:
            crop[k] = 255
    for k in list(range(min(edge, ink.shape[1]))) + list(range(max(0, ink.shape[1] - edge), ink.shape[1])):
        if ink[:, k].mean() > 0.6:
            crop[:, k] = 255
    solid = _solid_ink(crop < INK)
    if solid.sum() < 15:
        return None
    # the box of the cell's strokes only: scan specks far from the text would make a small
    # number a large, mostly blank crop (which tesseract then often reads as nothing)
    rows, cols = np.nonzero(solid.any(axis=1))[0], np.nonzero(solid.any(axis=0))[0]
    if tight:
        return crop[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    # with a margin: faint thin strokes (the scanned "一" of "一级") fall below the ink level
    # at their ends, and a cut through a character makes it unreadable
    return _unwrap_short_lines(crop[max(0, rows[0] - pad):rows[-1] + 1 + pad,
                                    max(0, cols[0] - 2 * pad):cols[-1] + 1 + 2 * pad])


def _paper_white(crop: np.ndarray) -> np.ndarray:
    """The scan's grey paper made white like the sheet it is pasted on: tesseract binarizes the
    whole sheet with one threshold, and grey boxes on white shift it (short words such as
    "合计" then read differently depending on what else is on the sheet)."""
    bg = int(np.median(crop))
    out = crop.copy()
    out[crop >= bg - 20] = 255
    return out


def _unwrap_short_lines(crop: np.ndarray) -> np.ndarray:
    """A cell's text wrapped so that a line holds only a character or two ("度", "(15)"): that
    line is moved to the end of the line above it. Alone on a line tesseract often drops it,
    and a line break inside a cell is no break in the text anyway."""
    ink = _solid_ink(crop < INK).any(axis=1)
    edges = np.nonzero(np.diff(np.concatenate(([0], ink.astype(np.int8), [0]))))[0]
    lines = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]
    # strokes of one character can leave blank rows between them: tiny bands join the next
    merged: list[list[int]] = []
    for a, b in lines:
        if merged and (b - a < 6 or merged[-1][1] - merged[-1][0] < 6) and a - merged[-1][1] < 6:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    if len(merged) < 2:
        return crop
    pieces = []
    for a, b in merged:
        cols = np.nonzero((crop[a:b] < INK).any(axis=0))[0]
        m = max(2, (b - a) // 4)          # faint stroke ends, as in _cell_crop
        pieces.append((a, b, max(0, int(cols[0]) - m), int(cols[-1]) + 1 + m))
    out = [pieces[0]]
    moved = False
    for a, b, x0, x1 in pieces[1:]:
        if x1 - x0 < 3 * (b - a):
            moved = True
            out.append((a, b, x0, x1, len(out) - 1))         # goes after line len(out) - 1
        else:
            out.append((a, b, x0, x1))
    if not moved:
        return crop
    rows: list[list[np.ndarray]] = []
    for p in out:
        piece = crop[p[0]:p[1], p[2]:p[3]]
        if len(p) == 5 and rows:
            rows[-1].append(piece)
        else:
            rows.append([piece])
    lines_img = []
    for parts in rows:
        h = max(x.shape[0] for x in parts)
        gap = max(4, h // 4)
        line = np.full((h, sum(x.shape[1] for x in parts) + gap * (len(parts) - 1)), 255, dtype=np.uint8)
        x = 0
        for part in parts:
            line[h - part.shape[0]:, x:x + part.shape[1]] = part     # bottoms aligned
            x += part.shape[1] + gap
        lines_img.append(line)
    gap = max(6, lines_img[0].shape[0] // 3)
    img = np.full((sum(x.shape[0] for x in lines_img) + gap * (len(lines_img) - 1),
                   max(x.shape[1] for x in lines_img)), 255, dtype=np.uint8)
    y = 0
    for line in lines_img:
        img[y:y + line.shape[0], :line.shape[1]] = line
        y += line.shape[0] + gap
    return img


def _solid_ink(ink: np.ndarray, k: int = 5, need: int = 8) -> np.ndarray:
    """Ink pixels with at least ``need`` ink pixels in their k×k neighbourhood: strokes and
    full stops (≥ 3×3 px at 200–300 dpi) stay, isolated scan specks go."""
    h, w = ink.shape
    s = np.zeros((h + k, w + k), dtype=np.int32)
    s[1:, 1:] = np.pad(ink.astype(np.int32), k // 2).cumsum(0).cumsum(1)
    box = s[k:k + h, k:k + w] - s[:h, k:k + w] - s[k:k + h, :w] + s[:h, :w]
    return ink & (box >= need)


# the Chinese model reads the one-stroke "一" as a dash; in Chinese text a single dash right
# before a Chinese character (at the start or after another) is that character ("一级指标")
CJK_DASH = re.compile(r"(?:(?<=^)|(?<=[\u4e00-\u9fff]))[-—_~－](?=[\u4e00-\u9fff])")


def fix_cjk_dash(text: str) -> str:
    return CJK_DASH.sub("一", text)


# ... and the round bracket of a weight such as "项目立项(3)" as an angle or title bracket: "〈3)", "《23)"
ANGLED_NUMBER = re.compile(r"[〈《<]\s*(\d+(?:\.\d+)?\s*分?)\s*[)）〉》>]")
DOUBLED_BRACKET = re.compile(r"[〈《<]\s*(?=[(（]\d)")          # "项目效益〈(25)": the bracket read twice
# an angle/title bracket closed by a round one was a round one: "恒信〈河北)会计师事务所" (a real 《…》 closes with 》)
MISMATCHED_BRACKET = re.compile(r"[〈《]([^〈《〉》()（）]{1,12})[)）]")
# a list number's full stop read as a comma at the start of a line: "3,未按计划拨付资金"
LIST_NUMBER_COMMA = re.compile(r"^(\d{1,2})[,，](?=[\u4e00-\u9fff])")


# look-alike characters the Chinese model confuses on rough scans (自→目, 支→文), undone only in a context
# where the misreading is no word ("项目评价" holds 目评 and stays): (pattern, replacement)
LOOKALIKES = ((re.compile(r"(?<=绩效)目评|(?<![项题])目评(?=报告|表|工作|结果|得分|等级)"), "自评"),
              (re.compile(r"(?<=资金|实际|预算|财政|项目)文出|文出(?=进度|金额|资金|执行率|绩效)"), "支出"))


def repair(text: str) -> str:
    """The Chinese model's usual misreadings in Chinese text, undone where the context is certain."""
    text = ANGLED_NUMBER.sub(r"(\1)", DOUBLED_BRACKET.sub("", fix_cjk_dash(text)))
    for pat, rep in LOOKALIKES:
        text = pat.sub(rep, text)
    return LIST_NUMBER_COMMA.sub(r"\1.", MISMATCHED_BRACKET.sub(r"(\1)", text))


NUMERIC_CELL = re.compile(r"^[\s\d.,:%％()（）+\-—~/]+$")


def _assign(words: list[Word], slots: list[tuple[int, int, int]], n: int) -> tuple[list[str], list[list[Word]]]:
    """Cell texts (and words) from words read on a sheet of stacked cells: by the word's centre."""
    per_cell: list[list[Word]] = [[] for _ in range(n)]
    for w in words:
        cy = w.top + w.height / 2
        for lo, hi, k in slots:
            if lo <= cy < hi:
                per_cell[k].append(w)
                break
    texts = []
    for ws in per_cell:
        # sparse mode numbers text islands, not lines: lines are rebuilt from the boxes
        ws.sort(key=lambda w: w.top)
        lines: list[list[Word]] = []
        for w in ws:
            cy = w.top + w.height / 2
            if lines and lines[-1][0].top <= cy <= lines[-1][0].top + lines[-1][0].height:
                lines[-1].append(w)
            else:
                lines.append([w])
        # a line break inside a cell is wrapping: joined without a break
        texts.append(repair(normalize("".join(_join(sorted(lw, key=lambda w: w.left)) for lw in lines))))
    return texts, per_cell


def stack(crops: list, gap: int, margin: int) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """Crops (None = skip) pasted one under another on a white sheet, so one tesseract call reads
    them all; slots (top, bottom, index) say which crop a word's centre belongs to (see ``_assign``)."""
    kept = [(k, c) for k, c in enumerate(crops) if c is not None]
    sheet = np.full((sum(c.shape[0] + gap for _, c in kept) + gap, max((c.shape[1] for _, c in kept), default=0) + 2 * margin),
                    255, dtype=np.uint8)
    slots, y = [], gap
    for k, c in kept:
        sheet[y:y + c.shape[0], margin:margin + c.shape[1]] = c
        slots.append((y - gap // 2, y + c.shape[0] + gap // 2, k))
        y += c.shape[0] + gap
    return sheet, slots


def _table_block(gray: np.ndarray, grid: Grid, page_no: int) -> tuple[Block, list[Word]]:
    """Cells cut out and stacked one under another, read in one tesseract call; each word
    goes to the cell whose slot holds the word's centre."""
    from PIL import Image
    pad = max(4, gray.shape[1] // 400)
    crops, slots = [], []   # slots stay empty when no cell has ink
    for (r, c, rs, cs) in grid.cells:
        crop = _cell_crop(gray, grid.cell_box(r, c, rs, cs), pad)
        crops.append(crop)
    cells_text: list[str] = [""] * len(grid.cells)
    words: list[Word] = []
    if any(cr is not None for cr in crops):
        sheet, slots = stack([None if cr is None else _paper_white(cr) for cr in crops], gap=60, margin=40)
        sheet_img = Image.fromarray(sheet)
        # sparse-text mode: each cell is a separate island of text on the sheet
        # percentages inside text cells ("赋值100%" read as "1009%") get the same check as text lines
        words = _reread_numbers(sheet_img, tesseract_words(sheet_img, psm=11))
        cells_text, cell_words = _assign(words, slots, len(grid.cells))
        tight = [None if crops[k] is None else _cell_crop(gray, grid.cell_box(*cell), pad, tight=True)
                 for k, cell in enumerate(grid.cells)]
        alts = _reread_number_cells(grid, cells_text, cell_words, tight)
        if not PLAIN:
            _reread_blank_cells(cells_text, cell_words, crops)
            _reread_weak_numbers(cells_text, cell_words, tight, alts)
            _reread_weak_names(cells_text, cell_words, tight)
            _reread_number_scraps(grid, cells_text, cell_words, tight, alts)
        words = [w for ws in cell_words for w in ws]
    else:
        cell_words, alts = [[] for _ in grid.cells], {}
    cells = [Cell(r, c, cells_text[k], rs, cs) for k, (r, c, rs, cs) in enumerate(grid.cells)]
    conf, _ = _mean_conf(words)
    block = Block(TABLE, "", page=page_no, cells=cells, confidence=round(conf, 3))
    block.cell_boxes = [grid.cell_box(r, c, rs, cs) for (r, c, rs, cs) in grid.cells]   # pixels, as cells
    # per-cell evidence for the record's plausibility check (pipeline/record/ocr_check.py): a table's
    # mean confidence hides the one misread score that makes a false alarm
    block.ocr_cells = [{"row": r, "col": c, "text": cells_text[k], "confidence": round(_mean_conf(cell_words[k])[0], 3),
                        "alternatives": sorted(alts.get(k, set()) - {cells_text[k]})}
                       for k, (r, c, rs, cs) in enumerate(grid.cells) if re.search(r"\d", cells_text[k])]
    return block, words


NUMBER_READING = re.compile(r"^[(（]?[+\-]?\d[\d,]*(?:\.\d+)?%?[)）]?$")
CJK = re.compile(r"[\u3400-\u9fff]")
DIGITS_WHITELIST = "0123456789.,%()-"


def _numeric_columns(grid: Grid, texts: list[str]) -> set[int]:
    """Columns where most one-column cells with text read as numbers."""
    by_col: dict[int, list[str]] = {}
    for k, (r, c, rs, cs) in enumerate(grid.cells):
        if cs == 1 and texts[k]:
            by_col.setdefault(c, []).append(texts[k])
    return {c for c, ts in by_col.items()
            if (n := sum(1 for t in ts if NUMERIC_CELL.match(t))) >= 2 and n >= 0.5 * len(ts)}


def _reread_number_cells(grid: Grid, texts: list[str], cell_words: list[list[Word]],
                         crops: list) -> dict[int, set[str]]:
    """Cells worth a digits-only reading, read in one call (``_digit_pass``): those read as
    numbers (the Chinese model misreads "%" and some digits), those with ink but no text or a
    short non-Chinese scrap (a lone "3" is often dropped or read as "B"), and one-character
    cells: a score misread as a Chinese character — these take the digits only when their
    column is mostly numbers after the re-reading (else "优"/"是" would turn into digits).
    Returns {cell: both readings} for the cells the digits pass read."""
    cands, maybe = [], set()
    for k, (r, c, rs, cs) in enumerate(grid.cells):
        t = texts[k]
        if crops[k] is None:
            continue
        if not t or NUMERIC_CELL.match(t) or (len(t) <= 3 and not CJK.search(t)):
            cands.append(k)
        elif len(t) == 1 and cs == 1:
            cands.append(k)
            maybe.add(k)
    found = _digit_pass(crops, cands)
    # both engines' readings of a cell are kept: the one not used is the re-read a later check may prefer
    alts: dict[int, set[str]] = {k: {t, texts[k]} - {""} for k, (t, _) in found.items()}
    for k, (t, ws) in found.items():
        if k not in maybe:
            texts[k], cell_words[k] = t, ws
    numeric = _numeric_columns(grid, texts)
    for k in maybe & found.keys():
        if grid.cells[k][1] in numeric:
            texts[k], cell_words[k] = found[k]
    return alts


WEAK_NUMBER = 0.70      # cell confidence below which a number gets a third, larger reading (as an alternative)


def _outliers(texts: list[str]) -> set[int]:
    """Number cells ten times larger than the median of the table's numbers and without a decimal
    point while most have one: a decimal point lost ("9138" for "91.38")."""
    nums = {k: t for k, t in enumerate(texts) if NUMBER_READING.match(t or "")}
    vals = sorted(float(re.sub(r"[^\d.]", "", t) or 0) for t in nums.values())
    if len(vals) < 4 or sum("." in t for t in nums.values()) < len(nums) / 2:
        return set()
    med = vals[len(vals) // 2]
    return {k for k, t in nums.items() if "." not in t and med > 0 and float(re.sub(r"[^\d]", "", t) or 0) > 10 * med}


def _reread_weak_numbers(texts: list[str], cell_words: list[list[Word]], crops: list,
                         alts: dict[int, set[str]]) -> None:
    """Numbers read with low confidence, read once more at a larger size (~64 px glyphs) by the
    Chinese model with digits only. The reading never replaces the cell's text: it is kept as an
    alternative that the record's plausibility check takes only where it fits the table's
    arithmetic (pipeline/record/ocr_check.py)."""
    from PIL import Image
    weak = [k for k, t in enumerate(texts) if crops[k] is not None and NUMBER_READING.match(t or "")
            and (_mean_conf(cell_words[k])[0] < WEAK_NUMBER or k in _outliers(texts))]
    if not weak:
        return
    from . import ocr_rapid      # the second recogniser, where installed
    for k, (t, score) in zip(weak, ocr_rapid.read_crops([crops[k] for k in weak])):
        t = normalize(t).replace(" ", "")
        if t and NUMBER_READING.match(t) and t != texts[k]:
            alts.setdefault(k, set()).add(t)
    sheet, slots = stack([_enlarged(crops[k], 64, 4) for k in weak], gap=40, margin=40)
    got, _ = _assign(tesseract_words(Image.fromarray(sheet), psm=6,
                                     config=("tessedit_char_whitelist=" + DIGITS_WHITELIST,)), slots, len(weak))
    for j, k in enumerate(weak):
        if got[j] and NUMBER_READING.match(got[j]) and got[j] != texts[k]:
            alts.setdefault(k, set()).add(got[j])


WEAK_NAME = 0.90        # cell confidence below which a short Chinese cell is read by the second recogniser
MIN_SECOND_SCORE = 0.80
SURE_SECOND_SCORE = 0.95      # as many dictionary words as tesseract's weak reading: the surer reader wins


def _reread_weak_names(texts: list[str], cell_words: list[list[Word]], crops: list) -> None:
    """Short Chinese cells (indicator names, labels) that tesseract read with low confidence, read
    again by the second recogniser with its own text detection. On a rough phone copy tesseract
    makes "资釜到泣率" of a name the second reader reads as "资金到位率". Its reading
    replaces the cell's only when it is confident and more of it is dictionary words (jieba: a
    misreading is mostly no word), and it is not shorter unless tesseract's was mostly no words
    (a detection that lost the first character is no better); or, as many words and characters,
    when it is very sure ("三级指标" for a weak "一级指标"). Measured on the phone copies of the
    seeds: the second reader read every weak name cell right, at ~35 ms of CPU a cell."""
    from . import ocr_rapid
    from .textlayer import word_coverage
    weak = [k for k, t in enumerate(texts) if crops[k] is not None and CJK.search(t or "")
            and len(t) <= 30 and _mean_conf(cell_words[k])[0] < WEAK_NAME]
    if not weak or not ocr_rapid.available():
        return
    for k in weak:
        got, score = ocr_rapid.read_lines(crops[k])
        got = normalize(got).replace(" ", "")
        if score < MIN_SECOND_SCORE or not CJK.search(got):
            continue
        old_cov, new_cov = word_coverage(texts[k]), word_coverage(got)
        n_old, n_new = len(CJK.findall(texts[k])), len(CJK.findall(got))
        if (new_cov > old_cov and (n_new >= n_old or old_cov < 0.5)) or \
                (new_cov == old_cov and n_new == n_old and score >= SURE_SECOND_SCORE):
            texts[k] = got


SCRAP_CONF = 0.60       # below this, a short non-number in a column of numbers is a blurred figure
SCRAP_SECOND_SCORE = 0.90


def _reread_number_scraps(grid: Grid, texts: list[str], cell_words: list[list[Word]], crops: list,
                          alts: dict[int, set[str]]) -> None:
    """A cell of a number column that tesseract read weakly as a scrap of one to three non-digit
    characters ("卫卫", "鬲" for a blurred "10" on a phone copy; the digits pass found nothing):
    read by the second recogniser, and its reading taken only when it is a number read with high
    confidence; tesseract's reading stays among the cell's alternatives (``ocr_cells``), as evidence.
    The cell keeps its low confidence, so a finding resting on it stays an info."""
    from . import ocr_rapid
    numeric = _numeric_columns(grid, texts)
    scraps = [k for k, (r, c, rs, cs) in enumerate(grid.cells)
              if c in numeric and cs == 1 and crops[k] is not None and texts[k] and len(texts[k]) <= 3
              and not re.search(r"\d", texts[k]) and _mean_conf(cell_words[k])[0] < SCRAP_CONF]
    if not scraps or not ocr_rapid.available():
        return
    for k in scraps:
        got, score = ocr_rapid.read_lines(crops[k])
        got = normalize(got).replace(" ", "")
        if score >= SCRAP_SECOND_SCORE and NUMBER_READING.match(got):
            alts.setdefault(k, set()).add(texts[k])
            texts[k] = got


def _enlarged(crop, target_px: int, max_factor: int):
    """A cell crop scaled up by a whole factor (at most ``max_factor``) so that its height nears
    ``target_px``: small print read at a glyph size tesseract reads well."""
    from PIL import Image
    f = min(max_factor, max(1, round(target_px / max(1, crop.shape[0]))))
    if f == 1:
        return crop
    return np.asarray(Image.fromarray(crop).resize((crop.shape[1] * f, crop.shape[0] * f), Image.BICUBIC))


def _reread_blank_cells(texts: list[str], cell_words: list[list[Word]], crops: list) -> None:
    """Cells with ink that both passes read as nothing (a header "分值", a row label on a grey, noisy
    scan: a whole column or row is lost with them) read once more, enlarged to ~48 px glyphs, stacked
    on one sheet in uniform-block mode. Only a reading with a Chinese character or a digit is used."""
    from PIL import Image
    blank = [k for k, t in enumerate(texts) if not t and crops[k] is not None]
    if not blank:
        return
    sheet, slots = stack([_enlarged(_paper_white(crops[k]), 72, 3) for k in blank], gap=60, margin=40)
    got, per = _assign(tesseract_words(Image.fromarray(sheet), psm=6), slots, len(blank))
    for j, k in enumerate(blank):
        if got[j] and (CJK.search(got[j]) or re.search(r"\d", got[j])):
            texts[k], cell_words[k] = got[j], per[j]


def _digit_pass(crops: list, cands: list[int]) -> dict[int, tuple[str, list[Word]]]:
    """Candidate cells stacked one per line and read in one call with the Latin model, digits
    only, as a uniform block (sparse mode drops lone digits). A reading is used when it is a
    plain number; anything else keeps the first reading."""
    from PIL import Image
    if not cands or "eng" not in _langs():
        return {}
    # small print is enlarged to a glyph height tesseract reads well (~40 px)
    sheet, slots = stack([_enlarged(crops[k], 40, 3) for k in cands], gap=30, margin=40)
    words = tesseract_words(Image.fromarray(sheet), psm=6, lang="eng",
                            config=("tessedit_char_whitelist=" + DIGITS_WHITELIST,))
    texts, per = _assign(words, slots, len(cands))
    out = {}
    for j, k in enumerate(cands):
        t = texts[j]
        if t and NUMBER_READING.match(t):
            out[k] = (t, per[j])
    return out


PERCENT_WORD = re.compile(r"^(\d[\d.,]*%)([，。、；;,.）)]*)$")
# how the Chinese model misreads a percentage: "46.37%" → "46.319%", "28.919%6", "28.9196"
SUSPECT_PERCENT = re.compile(r"^(\d[\d.,]*(?:9%6?|%6|96))([，。、；;,.）)]*)$")


def _digits(t: str) -> str:
    return re.sub(r"\D", "", t)


def _reread_numbers(img, words: list[Word]) -> list[Word]:
    """Percentages the Chinese model may have misread (above), cut out, stacked on one sheet and
    read again with the Latin model added. Its reading is used only as evidence of how many digits
    there are: if it is a percentage with fewer digits whose last two agree with the Chinese
    reading's at that place, the extra trailing digits were the "%" sign. Digits stay the Chinese
    model's (the Latin one misreads them more often)."""
    from PIL import Image
    nums = [k for k, w in enumerate(words) if SUSPECT_PERCENT.match(normalize(w.text))]
    if not nums or "eng" in LANG.split("+") or "eng" not in _langs():
        return words
    gray = np.asarray(img)
    pad = 15
    crops = [gray[max(0, w.top - pad):w.top + w.height + pad, max(0, w.left - pad):w.left + w.width + pad]
             for w in (words[k] for k in nums)]
    sheet, slots = stack(crops, gap=40, margin=30)
    _, alt_words = _assign(tesseract_words(Image.fromarray(sheet), psm=11, lang="eng"), slots, len(nums))
    out = list(words)
    for j, k in enumerate(nums):
        old = SUSPECT_PERCENT.match(normalize(words[k].text))
        # the crop's margin may catch bits of the neighbouring characters: the percentage word only
        new = next((m for m in (PERCENT_WORD.match(normalize(a.text).rstrip("，。、；;,.")) for a in alt_words[j]) if m),
                   None)
        if not (old and new):
            continue
        d_old, d_new = _digits(old.group(1)), _digits(new.group(1))
        n = len(d_new)
        if 2 <= n < len(d_old) and d_old[:n][-2:] == d_new[-2:] and d_old[n:] in ("9", "96", "6"):
            # the Chinese text up to its n-th digit, then "%"
            seen, cut = 0, 0
            for cut, ch in enumerate(old.group(1)):
                seen += ch.isdigit()
                if seen == n:
                    break
            w = words[k]
            out[k] = Word(old.group(1)[:cut + 1] + "%" + old.group(2), w.left, w.top, w.width, w.height, w.conf, w.line)
    return out


LINE_GLYPH_PX = 40      # glyph height tesseract reads best; a weak line is re-read scaled to it


def _reread_weak_lines(img, groups: dict[tuple, list[Word]]) -> None:
    """Lines read with low confidence (a large bold title, small print) cut out, scaled to ~40 px
    glyphs (or 1.5× when already near it: another resolution), stacked and read in one call. The
    new reading replaces the line only when its confidence is clearly higher."""
    from PIL import Image
    weak = [k for k, ws in groups.items() if _mean_conf(ws)[0] < LOW_CONFIDENCE and sum(len(w.text) for w in ws) >= 2]
    if not weak:
        return
    gray = np.asarray(img)
    crops = []
    for k in weak:
        ws = groups[k]
        x0, y0 = min(w.left for w in ws), min(w.top for w in ws)
        x1, y1 = max(w.left + w.width for w in ws), max(w.top + w.height for w in ws)
        h = float(np.median([w.height for w in ws]))
        pad = max(6, int(h // 4))
        crop = gray[max(0, y0 - pad):y1 + pad, max(0, x0 - pad):x1 + pad]
        f = LINE_GLYPH_PX / max(1.0, h)
        f = 1.5 if abs(f - 1) < 0.25 else min(3.0, max(0.3, f))
        crops.append(np.asarray(Image.fromarray(crop).resize((max(1, int(crop.shape[1] * f)), max(1, int(crop.shape[0] * f))),
                                                            Image.LANCZOS)))
    sheet, slots = stack(crops, gap=40, margin=30)
    _, per = _assign(tesseract_words(Image.fromarray(sheet), psm=6), slots, len(weak))
    for j, k in enumerate(weak):
        old = groups[k]
        if per[j] and _mean_conf(per[j])[0] > _mean_conf(old)[0] + 0.1:
            top, left = min(w.top for w in old), min(w.left for w in old)
            # the new words stand where the line stood (reading order and position come from the page)
            new = sorted(per[j], key=lambda w: w.left)          # one line: left to right
            groups[k] = [Word(w.text, left + n, top, w.width, w.height, w.conf, k) for n, w in enumerate(new)]


def _text_lines(img, grids: list[Grid]) -> tuple[list[tuple[int, OcrLine]], list[Word]]:
    """Lines outside the tables, as (top y, line) in tesseract's reading order."""
    from PIL import ImageDraw
    if grids:
        img = img.copy()
        draw = ImageDraw.Draw(img)
        for g in grids:
            x0, y0, x1, y1 = g.bbox
            draw.rectangle([x0 - 10, y0 - 10, x1 + 10, y1 + 10], fill=255)
    words = _reread_numbers(img, tesseract_words(img, psm=3))
    groups: dict[tuple, list[Word]] = {}
    for w in words:
        groups.setdefault(w.line, []).append(w)
    if not PLAIN:
        _reread_weak_lines(img, groups)
    words = [w for ws in groups.values() for w in ws]
    out = []
    for ws in groups.values():
        ws.sort(key=lambda w: w.left)
        line = OcrLine(repair(_join(ws)))
        line.confidence, line.weight = _mean_conf(ws)
        line.confidence = round(line.confidence, 3)
        line.box = (min(w.left for w in ws), min(w.top for w in ws),
                    max(w.left + w.width for w in ws), max(w.top + w.height for w in ws))
        out.append((min(w.top for w in ws), line))
    return out, words


# page clean-up before recognition (extractors/ocr_clean.py): "auto" flattens pages whose light is
# uneven (phone photos), "flatten" every page, "none" reads the render as it is. Measured on degraded
# seed copies (README, OCR section).
CLEAN = os.environ.get("JIXIAO_OCR_CLEAN", "auto").strip().lower()
# the old path, for the bench's comparison (bench/scans.py): plain tesseract on the grey render, no
# clean-up, no seal removal, no re-reads of weak lines / blank cells / weak numbers, no second reader
PLAIN = os.environ.get("JIXIAO_OCR_PLAIN", "").strip().lower() in ("1", "true", "yes")
if PLAIN:
    CLEAN = "none"


def _clean(img):
    from .ocr_clean import flatten_background, needs_flattening
    gray = np.asarray(img)
    if CLEAN == "flatten" or (CLEAN == "auto" and needs_flattening(gray)):
        from PIL import Image
        return Image.fromarray(flatten_background(gray))
    return img


def _find_grids(gray: np.ndarray) -> list[Grid]:
    """Ruled tables of the page. On a grey, noisy page thin light rules fall under the ink level in
    places and two cells read as one merged cell ("1514" for 15 | 14); the grid found on the page
    binarized at its Otsu threshold is taken when it finds the same tables with more cells. Cells
    are still cut from the grey page."""
    from .ocr_clean import binarize, choose_binarization
    grids = find_grids(gray)
    if PLAIN or not grids or choose_binarization(gray) != "otsu":
        return grids
    alt = find_grids(binarize(gray))
    same = len(alt) == len(grids) and all(abs(a.bbox[1] - g.bbox[1]) < 20 for a, g in zip(alt, grids))
    return alt if same and sum(len(a.cells) for a in alt) > sum(len(g.cells) for g in grids) else grids


def _gray(img):
    """The grey page the recogniser reads: a colour render loses its seals' red ink first
    (``ocr_clean.remove_seals``; black text under a seal stays), a grey one is taken as it is."""
    if img.mode in ("RGB", "RGBA") and not PLAIN:
        from PIL import Image
        from .ocr_clean import remove_seals
        return Image.fromarray(remove_seals(np.asarray(img.convert("RGB"))))
    return img.convert("L")


def _debug_save(img, page_no: int) -> None:
    """``extract --debug DIR``: the page as the recogniser sees it (cleaned, straightened)."""
    out = os.environ.get("JIXIAO_OCR_DEBUG_DIR")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        img.save(Path(out) / f"page-{page_no:03d}.png")


def ocr_image(img, page_no: int = 1) -> tuple[list, float]:
    """Items (text lines and table Blocks, reading order) of one page image, and its mean confidence."""
    img = _gray(img)
    img = _clean(img)
    img, gray = _straighten(img)
    _debug_save(img, page_no)
    grids = _find_grids(gray)
    lines, words = _text_lines(img, grids)
    tables = []
    for g in grids:
        block, tw = _table_block(gray, g, page_no)
        if any(c.text for c in block.cells):
            tables.append((g.ys[0], block))
        words += tw
    items: list = []
    pending = sorted(tables, key=lambda t: t[0])
    for top, line in lines:
        while pending and pending[0][0] <= top:
            items.append(pending.pop(0)[1])
        items.append(line)
    items += [b for _, b in pending]
    conf, _ = _mean_conf(words)
    return items, round(conf, 3)


# The rendered size is capped by pixels, not dpi: a page's size is the file's claim (14400 pt =
# 200 inches square is legal PDF), and at 300 dpi that page is 60000² px, 3.6 GB. 25 MP holds an
# A3 page at 300 dpi; a larger page is read at the dpi that fits, down to MIN_DPI, below which
# text is too small to read and the page is reported as too large instead.
MAX_PAGE_PIXELS = 25_000_000
MIN_DPI = 100


def render_dpi(width_pt: float, height_pt: float) -> float | None:
    """The dpi a page of that size is rendered at for OCR: DPI, or less so the image stays within
    MAX_PAGE_PIXELS; None when even MIN_DPI would not fit (the page is too large to read)."""
    area_in2 = max(width_pt, 1.0) * max(height_pt, 1.0) / 72 ** 2
    dpi = min(float(DPI), (MAX_PAGE_PIXELS / area_in2) ** 0.5)
    return dpi if dpi >= MIN_DPI else None


def too_large_pages(path: Path, pages: list[int]) -> list[int]:
    """The 0-based pages of ``pages`` that are too large to read (``render_dpi``)."""
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [i for i in pages if render_dpi(*pdf[i].get_size()) is None]
    finally:
        pdf.close()


def too_large_reason(pages: list[int]) -> str:
    shown = ", ".join(str(i + 1) for i in pages[:10]) + (" …" if len(pages) > 10 else "")
    return (f"page(s) {shown} too large to read: over {MAX_PAGE_PIXELS // 1_000_000} million pixels even at "
            f"{MIN_DPI} dpi (an oversized or hostile page size); send the pages at a normal paper size "
            f"/ 第 {shown} 页页面过大，无法识别，请按正常纸张尺寸重新扫描或导出")


def _render(pdf, i: int):
    page = pdf[i]
    dpi = render_dpi(*page.get_size())
    if dpi is None:         # callers leave such pages out (too_large_pages); never render one
        raise ExtractionError(too_large_reason([i]))
    grey = page.render(scale=dpi / 72, grayscale=True).to_pil()
    if PLAIN:
        return grey
    # a red seal is told from black text by its colour: the page is looked at in colour, and only a
    # page with a seal is read from the colour render (``_gray``); any other page is read exactly as
    # the grey render (colour → grey conversions differ by a grey level, enough to flip a weak cell)
    rgb = page.render(scale=dpi / 72).to_pil().convert("RGB")
    from .ocr_clean import seal_boxes
    return rgb if seal_boxes(np.asarray(rgb)) else grey


def ocr_pages(path: Path, pages: list[int]) -> dict[int, list]:
    """{page index: [text lines and table Blocks in reading order]} for the given 0-based pages.
    Text lines are ``OcrLine`` (a str with ``.confidence``); page means: ``page_confidence``."""
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(str(path))
    try:
        return _ocr_pages(pdf, pages)
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        raise ExtractionError(f"OCR of the scanned pages failed ({type(e).__name__}: {str(e)[:200]}) "
                              "/ 扫描页识别失败") from e
    finally:
        pdf.close()


def _workers() -> int:
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(4, n))


def _ocr_pages(pdf, pages: list[int]) -> dict[int, list]:
    """One page per core at a time (tesseract runs single-threaded, see ``tesseract_words``).
    Pages are rendered here, in this thread (pdfium is not thread-safe), each as soon as a
    worker is about to be free, so no worker waits for the slowest page of a batch and only
    a few large images are held at once."""
    results: dict[int, list] = {}
    workers = _workers()
    with ThreadPoolExecutor(max_workers=workers) as ex:
        running: dict = {}
        todo = list(pages)
        while todo or running:
            while todo and len(running) <= workers:          # one rendered page ready in the queue
                i = todo.pop(0)
                running[ex.submit(ocr_image, _render(pdf, i), i + 1)] = i
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                results[running.pop(fut)] = fut.result()[0]
    return results


def cell_evidence(results: dict[int, list]) -> list[dict]:
    """Every OCR'd table cell that holds a digit: {page (1-based), row, col, text, confidence,
    alternatives (the other engine's reading, when it differs)} — kept in ``meta["ocr_cells"]``."""
    out = []
    for i, items in sorted(results.items()):
        for x in items:
            if isinstance(x, Block):
                out += [dict(c, page=i + 1) for c in getattr(x, "ocr_cells", [])]
    return out


def page_confidence(results: dict[int, list]) -> dict[int, float]:
    """{1-based page: confidence 0..1} over the lines and table cells read on each page,
    weighted by characters."""
    out = {}
    for i, items in results.items():
        num = den = 0.0
        for x in items:
            if isinstance(x, OcrLine):
                w = max(1, x.weight)
                num, den = num + x.confidence * w, den + w
            elif isinstance(x, Block) and x.confidence is not None:
                w = max(1, sum(len(c.text) for c in x.cells))
                num, den = num + x.confidence * w, den + w
        out[i + 1] = round(num / den, 3) if den else 0.0
    return out


def mark_confidence(doc: Document, results: dict[int, list]) -> None:
    """Give paragraph/heading blocks on OCR'd pages the confidence of the lines they were
    built from (lines are matched in order inside the block text); warn about weak pages."""
    lines = [x for i in sorted(results) for x in results[i] if isinstance(x, OcrLine)]
    keys = [squash(normalize(x)) for x in lines]
    page_conf = doc.meta.get("ocr_confidence") or {}
    ocr_pages = {i + 1 for i in results}
    cursor = 0
    for b in doc.blocks:
        if b.kind == TABLE or b.page not in ocr_pages or b.confidence is not None:
            continue
        text = squash(b.text)
        # the block's first line: the next OCR line found in its text (furniture lines that
        # were dropped are skipped); then the lines that follow while they match
        k = next((j for j in range(cursor, min(len(lines), cursor + 40)) if len(keys[j]) >= 2 and keys[j] in text),
                 None)
        num = den = 0.0
        while k is not None and k < len(lines) and keys[k] and keys[k] in text:
            w = max(1, lines[k].weight)
            num, den = num + lines[k].confidence * w, den + w
            k += 1
        if den:
            cursor = k
            b.confidence = round(num / den, 3)
        elif b.page in page_conf:
            b.confidence = page_conf[b.page]
    weak = [p for p, c in sorted(page_conf.items()) if c < LOW_CONFIDENCE]
    if weak:
        doc.warnings.append(f"OCR confidence below {LOW_CONFIDENCE:.0%} on page(s) {', '.join(map(str, weak))}; "
                            "check these pages by eye / 扫描页识别可信度低，请人工核对")
    low = sum(1 for b in doc.blocks if b.confidence is not None and b.confidence < LOW_CONFIDENCE)
    if low:
        doc.meta["ocr_low_confidence_blocks"] = low
