"""Scan degrader: copies of any PDF as they really arrive from a scanner or a phone.

Every page is rendered (150–300 dpi) and then degraded by small pure functions over numpy images:
tilt, grey paper, uneven light (a phone's fall-off toward one corner), sensor noise, blur, a red
seal (公章) stamped over the page, and JPEG compression when the pages are written back into a PDF
of images (no text layer). Everything random comes from one ``numpy.random.Generator`` seeded
from the ``seed`` argument and the page number, so the same call writes the same bytes.

Kinds (``KINDS``) are the two copies the issue measured: ``office`` (200 dpi, ~0.7°, grey paper,
JPEG 70) and ``phone`` (150 dpi, ~2°, uneven light, noise, slight blur, a red seal, JPEG 50);
``clean`` is the render alone, for a baseline.

    .venv/bin/python -m corpus.degrade IN.pdf OUT.pdf --kind phone --seed 7
"""
from __future__ import annotations

import argparse
import time
import io
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


@dataclass(frozen=True)
class Degradation:
    dpi: int = 200
    skew_deg: float = 0.0        # the tilt's size; its sign is drawn per page
    paper: int = 255             # grey level of the paper (255 white)
    light: float = 0.0           # 0..1: how much darker the far corner is
    noise: float = 0.0           # sensor noise sigma, grey levels
    blur: float = 0.0            # Gaussian radius in pixels at this dpi
    seal: bool = False           # a red seal stamped on the first and last page
    jpeg: int = 95               # JPEG quality of the page images in the PDF

    def __post_init__(self):
        if not 72 <= self.dpi <= 600:
            raise ValueError(f"dpi {self.dpi}: use 72–600 (real scans are 150–300)")
        if not 5 <= self.jpeg <= 100:
            raise ValueError(f"jpeg quality {self.jpeg}: use 5–100")


KINDS: dict[str, Degradation] = {
    "clean": Degradation(dpi=300, jpeg=95),
    "office": Degradation(dpi=200, skew_deg=0.7, paper=232, noise=4.0, jpeg=70),
    "phone": Degradation(dpi=150, skew_deg=2.0, paper=225, light=0.35, noise=9.0, blur=0.8, seal=True, jpeg=50),
}


def rng_for(seed: int, page: int) -> np.random.Generator:
    return np.random.default_rng([seed, page])


def rotate(img: np.ndarray, deg: float, fill: int = 255) -> np.ndarray:
    """The page tilted by ``deg`` degrees (counter-clockwise), same size, corners filled with paper."""
    if abs(deg) < 1e-6:
        return img
    pil = Image.fromarray(img)
    fc = (fill,) * 3 if img.ndim == 3 else fill
    return np.asarray(pil.rotate(deg, resample=Image.BILINEAR, fillcolor=fc))


def grey_paper(img: np.ndarray, paper: int) -> np.ndarray:
    """White becomes ``paper``, black stays black (cheap paper, a scanner's grey background)."""
    if paper >= 255:
        return img
    return (img.astype(np.float32) * (paper / 255.0)).astype(np.uint8)


def uneven_light(img: np.ndarray, strength: float, corner: int) -> np.ndarray:
    """Light falling off toward one corner (0..3 clockwise from top-left) by up to ``strength``."""
    if strength <= 0:
        return img
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cy, cx = (0 if corner in (0, 1) else h), (0 if corner in (0, 3) else w)
    # distance from the lit corner's opposite: darkest at ``corner``
    d = np.hypot(yy - cy, xx - cx) / math.hypot(h, w)
    gain = 1.0 - strength * np.clip(1.0 - d, 0, 1) ** 1.5
    out = img.astype(np.float32) * (gain[..., None] if img.ndim == 3 else gain)
    return np.clip(out, 0, 255).astype(np.uint8)


def add_noise(img: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    if sigma <= 0:
        return img
    n = rng.normal(0, sigma, img.shape[:2]).astype(np.float32)
    out = img.astype(np.float32) + (n[..., None] if img.ndim == 3 else n)
    return np.clip(out, 0, 255).astype(np.uint8)


def blur(img: np.ndarray, radius: float) -> np.ndarray:
    if radius <= 0:
        return img
    return np.asarray(Image.fromarray(img).filter(ImageFilter.GaussianBlur(radius)))


def seal_image(diameter: int, rng: np.random.Generator) -> Image.Image:
    """A red round seal on transparent ground: ring, star, and a band of text-like marks along
    the rim (the shapes of a 公章, not any real one's words)."""
    d = diameter
    im = Image.new("RGBA", (d, d), (0, 0, 0, 0))
    dr = ImageDraw.Draw(im)
    red = (200 + int(rng.integers(0, 40)), int(rng.integers(10, 40)), int(rng.integers(20, 50)), 190)
    w = max(3, d // 28)
    dr.ellipse([w, w, d - w, d - w], outline=red, width=w)
    # five-pointed star in the centre
    r_out, r_in, c = d * 0.16, d * 0.065, d / 2
    pts = [(c + (r_out if k % 2 == 0 else r_in) * math.sin(k * math.pi / 5),
            c - (r_out if k % 2 == 0 else r_in) * math.cos(k * math.pi / 5)) for k in range(10)]
    dr.polygon(pts, fill=red)
    # glyph-like blocks along the upper rim, and a bar of them under the star
    n = 12
    for k in range(n):
        a = math.radians(-150 + 300 * k / (n - 1)) - math.pi / 2
        x, y = c + 0.34 * d * math.cos(a), c + 0.34 * d * math.sin(a)
        s = d * 0.045
        dr.rectangle([x - s, y - s, x + s, y + s], outline=red, width=max(2, w // 2))
    for k in range(5):
        x = c - d * 0.2 + k * d * 0.1
        dr.rectangle([x - d * 0.03, c + d * 0.22, x + d * 0.03, c + d * 0.28], fill=red)
    return im


def stamp(img: np.ndarray, rng: np.random.Generator, dpi: int) -> np.ndarray:
    """A seal (~4.2 cm) pressed on the lower right half of the page, over whatever is printed there.
    The ink multiplies with the page: black text under the seal stays black."""
    rgb = img if img.ndim == 3 else np.stack([img] * 3, axis=-1)
    h, w = rgb.shape[:2]
    d = int(4.2 / 2.54 * dpi)
    seal = seal_image(d, rng).rotate(float(rng.uniform(-25, 25)), resample=Image.BILINEAR)
    x = int(rng.uniform(0.45, 0.95) * w) - d // 2
    y = int(rng.uniform(0.55, 0.9) * h) - d // 2
    x, y = max(0, min(w - d, x)), max(0, min(h - d, y))
    s = np.asarray(seal).astype(np.float32) / 255.0
    alpha = s[..., 3:4]
    region = rgb[y:y + d, x:x + d].astype(np.float32)
    inked = region * (1 - alpha + alpha * s[..., :3])          # multiply blend
    out = rgb.copy()
    out[y:y + d, x:x + d] = np.clip(inked, 0, 255).astype(np.uint8)
    return out


def degrade_page(img: np.ndarray, deg: Degradation, rng: np.random.Generator, page: int, last: bool) -> np.ndarray:
    """One rendered page (RGB uint8) as the scanner/phone returns it."""
    out = img
    if deg.seal and (page == 0 or last):
        out = stamp(out, rng, deg.dpi)
    out = grey_paper(out, deg.paper)
    out = rotate(out, deg.skew_deg * float(rng.choice([-1.0, 1.0])) * float(rng.uniform(0.8, 1.0)), fill=deg.paper)
    out = uneven_light(out, deg.light, int(rng.integers(0, 4)))
    out = blur(out, deg.blur)
    return add_noise(out, deg.noise, rng)


def render(pdf_path: Path, dpi: int) -> list[np.ndarray]:
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        return [np.asarray(pdf[i].render(scale=dpi / 72).to_pil().convert("RGB")) for i in range(len(pdf))]
    finally:
        pdf.close()


def images_to_pdf(pages: list[np.ndarray], dpi: int, quality: int) -> bytes:
    """Pages as a PDF of JPEG images (DCTDecode at ``quality``), page size from the dpi."""
    ims = [Image.fromarray(p).convert("RGB") for p in pages]
    buf = io.BytesIO()
    # fixed dates: the same pages give the same bytes
    when = time.gmtime(946684800)            # 2000-01-01
    ims[0].save(buf, "PDF", save_all=True, append_images=ims[1:], resolution=float(dpi), quality=quality,
                creationDate=when, modDate=when, producer="jixiao corpus.degrade")
    return buf.getvalue()


def degrade_pdf(src: Path, dst: Path, kind: str | Degradation = "office", seed: int = 0,
                pages: list[int] | None = None) -> Path:
    """Write a degraded, image-only copy of ``src`` (0-based ``pages`` only, when given)."""
    deg = KINDS[kind] if isinstance(kind, str) else kind
    rendered = render(Path(src), deg.dpi)
    keep = [i for i in range(len(rendered)) if pages is None or i in pages]
    out = [degrade_page(rendered[i], deg, rng_for(seed, i), i, i == len(rendered) - 1) for i in keep]
    Path(dst).write_bytes(images_to_pdf(out, deg.dpi, deg.jpeg))
    return Path(dst)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Example: python -m corpus.degrade report.pdf report_phone.pdf --kind phone --seed 7")
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--kind", default="office", choices=sorted(KINDS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dpi", type=int, help="override the kind's resolution")
    a = ap.parse_args(argv)
    deg = KINDS[a.kind] if a.dpi is None else replace(KINDS[a.kind], dpi=a.dpi)
    degrade_pdf(Path(a.src), Path(a.dst), deg, a.seed)
    print(a.dst)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
