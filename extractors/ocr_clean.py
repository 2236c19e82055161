"""Page clean-up before recognition: small pure functions over numpy images (uint8).

- ``remove_red``: a red seal (公章) stamped over text. By colour separation: a pixel whose red
  channel clearly exceeds its green and blue is seal ink; it becomes the paper's grey of its red
  channel, so black text under the seal (dark in every channel) stays black. ``remove_seals`` does
  it only inside seal-shaped groups of red ink (``seal_boxes``), so a red letterhead stays text.
- ``flatten_background``: paper grey and light falling off toward a corner. The page divided by
  an estimate of its background (a coarse maximum filter: the paper around the ink), so paper is
  white everywhere and ink keeps its contrast.
- ``otsu_threshold`` / ``binarize``: one global threshold (Otsu) when the page is evenly lit after
  flattening; ``choose_binarization`` says which (global, or none when the page is already clean).

Deskew is measured in extractors/ocr.py (``_deskew_angle``, ±0.1° steps over ±3°).
"""
from __future__ import annotations

import numpy as np

RED_MARGIN = 40          # red above max(green, blue) by this many grey levels: seal ink


def red_mask(rgb: np.ndarray, margin: int = RED_MARGIN) -> np.ndarray:
    r, g, b = (rgb[..., k].astype(np.int16) for k in range(3))
    return (r - np.maximum(g, b)) > margin


def remove_red(rgb: np.ndarray, margin: int = RED_MARGIN) -> np.ndarray:
    """Grey page (uint8) from an RGB page with red ink dropped: seal pixels take their red channel
    (high on paper and on red ink alike, low under black text), all others their luminance."""
    gray = (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]).astype(np.uint8)
    m = red_mask(rgb, margin)
    out = gray.copy()
    out[m] = rgb[..., 0][m]
    return out


def _block_max(gray: np.ndarray, k: int) -> np.ndarray:
    """Maximum over k×k tiles, expanded back to the page size (a cheap background estimate)."""
    h, w = gray.shape
    H, W = -(-h // k) * k, -(-w // k) * k
    pad = np.pad(gray, ((0, H - h), (0, W - w)), mode="edge")
    tiles = pad.reshape(H // k, k, W // k, k).max(axis=(1, 3))
    # smooth the tile grid (3×3 mean) so tile edges leave no steps
    t = np.pad(tiles.astype(np.float32), 1, mode="edge")
    sm = sum(t[i:i + tiles.shape[0], j:j + tiles.shape[1]] for i in range(3) for j in range(3)) / 9.0
    return np.repeat(np.repeat(sm, k, axis=0), k, axis=1)[:h, :w]


def flatten_background(gray: np.ndarray, tile: int = 64) -> np.ndarray:
    """Paper made white and evenly lit: each pixel over the brightness of the paper around it."""
    bg = np.maximum(_block_max(gray, tile), 1.0)
    return np.clip(gray.astype(np.float32) / bg * 255.0, 0, 255).astype(np.uint8)


UNEVEN_SPREAD = 20      # grey levels between the page's brightest and dimmest paper (5th–95th percentile)


def background_spread(gray: np.ndarray) -> int:
    """How unevenly the paper is lit: a flatbed scan measures ~5 grey levels, a phone photo with light
    falling off toward a corner ~55. Measured on a quarter-size copy (cheap)."""
    bg = _block_max(gray[::4, ::4], 16)
    return int(np.percentile(bg, 95) - np.percentile(bg, 5))


def needs_flattening(gray: np.ndarray) -> bool:
    """Flatten only unevenly lit pages: on evenly grey scans it cost a cell on the office copy (README)."""
    return background_spread(gray) > UNEVEN_SPREAD


def otsu_threshold(gray: np.ndarray) -> int:
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    p = hist / max(1.0, hist.sum())
    omega = np.cumsum(p)
    mu = np.cumsum(p * np.arange(256))
    between = (mu[-1] * omega - mu) ** 2 / np.maximum(omega * (1 - omega), 1e-12)
    return int(np.argmax(between))


def binarize(gray: np.ndarray, threshold: int | None = None) -> np.ndarray:
    t = otsu_threshold(gray) if threshold is None else threshold
    return np.where(gray > t, 255, 0).astype(np.uint8)


def choose_binarization(gray: np.ndarray) -> str:
    """"none" when the page is already near black-and-white (a clean render: tesseract binarizes
    such pages well itself), else "otsu" (grey, noisy or JPEG'd scans after flattening)."""
    mid = float(((gray > 60) & (gray < 200)).mean())
    return "none" if mid < 0.02 else "otsu"


# A seal (公章) is 3.8–4.5 cm across, a fifth of an A4 page's width; a red letterhead (红头) or a red
# rule is a wide, short band. Only red ink in seal-shaped places is dropped: red words stay words.
SEAL_MIN, SEAL_MAX = 0.12, 0.35      # side of a seal's box, as a share of the page's shorter side
SEAL_ASPECT = 1.6                    # a seal's box is about square (tilted ellipses: up to this ratio)
SEAL_TILE = 16                       # px: red ink is grouped on tiles of this size
SEAL_JOIN = 2                        # tiles: red tiles this close are one group


def _components(grid: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes (y0, x0, y1, x1, in tiles, end exclusive) of the 8-connected True regions of a small grid."""
    seen = np.zeros_like(grid, dtype=bool)
    h, w = grid.shape
    out = []
    for y, x in zip(*np.nonzero(grid)):
        if seen[y, x]:
            continue
        stack, box = [(y, x)], [y, x, y, x]
        seen[y, x] = True
        while stack:
            cy, cx = stack.pop()
            box = [min(box[0], cy), min(box[1], cx), max(box[2], cy), max(box[3], cx)]
            for ny in range(max(0, cy - 1), min(h, cy + 2)):
                for nx in range(max(0, cx - 1), min(w, cx + 2)):
                    if grid[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        stack.append((ny, nx))
        out.append((box[0], box[1], box[2] + 1, box[3] + 1))
    return out


def seal_boxes(rgb: np.ndarray, margin: int = RED_MARGIN) -> list[tuple[int, int, int, int]]:
    """Pixel boxes (y0, x0, y1, x1) of the seal-shaped groups of red ink on a page."""
    m = red_mask(rgb, margin)
    h, w = m.shape
    t = SEAL_TILE
    H, W = -(-h // t), -(-w // t)
    pad = np.zeros((H * t, W * t), dtype=bool)
    pad[:h, :w] = m
    # a tile holds red ink when a few dozen of its pixels are red (JPEG fringes of black text are not)
    grid = pad.reshape(H, t, W, t).sum(axis=(1, 3)) >= max(4, t * t // 16)
    # text lines cross the seal (red over black shows no red): tiles are joined across such gaps
    r = SEAL_JOIN
    g = np.pad(grid, r)
    joined = np.zeros_like(grid)
    for dy in range(2 * r + 1):
        for dx in range(2 * r + 1):
            joined |= g[dy:dy + H, dx:dx + W]
    short = min(h, w)
    boxes = []
    for y0, x0, y1, x1 in _components(joined):
        # the dilation taken off again, less one tile: the rim's thin edge may hold fewer red pixels
        y0, x0, y1, x1 = max(0, y0 + r - 1), max(0, x0 + r - 1), min(H, y1 - r + 1), min(W, x1 - r + 1)
        bh, bw = (y1 - y0 - 2) * t, (x1 - x0 - 2) * t
        if SEAL_MIN * short <= max(bh, bw) <= SEAL_MAX * short and max(bh, bw) <= SEAL_ASPECT * min(bh, bw):
            boxes.append((int(y0) * t, int(x0) * t, min(h, int(y1) * t), min(w, int(x1) * t)))
    return boxes


def remove_seals(rgb: np.ndarray, margin: int = RED_MARGIN) -> np.ndarray:
    """Grey page from an RGB page with the red ink of its seals dropped: inside each seal's box the
    red channel (high on paper and on red ink alike, low under black text: also the seal's faint,
    JPEG-blurred edges go), luminance elsewhere. Black text under a seal stays, a red letterhead stays."""
    gray = np.rint(0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]).astype(np.uint8)
    for y0, x0, y1, x1 in seal_boxes(rgb, margin):
        gray[y0:y1, x0:x1] = rgb[y0:y1, x0:x1, 0]
    return gray
