"""Photos with words in them, for OCR tests and the OCR benchmark: text rendered onto real photos.

Three kinds, like what people photograph: a sign (a board with a few big words, tilted as when shot at an angle),
a receipt or ticket (several lines of small monospaced text on paper), a screenshot-like panel (flat UI text), and
a caption written straight onto the picture. Fonts and angles vary with a seed; every photo carries one
distinctive word (the query) and the words it shows. The same photos without text are the control.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts"))
FONT_NAMES = ("DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf", "DejaVuSansCondensed.ttf",
              "DejaVuSerif-Bold.ttf", "DejaVuSans.ttf")

# distinctive words a person would search for, with the rest of what the picture says
SIGNS = [("MOONLIGHT42", "WIFI: {w}"), ("BAKERY", "{w} open 7am"), ("PLATFORM", "{w} 9 to Leeds"),
         ("PHARMACY", "{w} 24h"), ("EXIT", "emergency {w}"), ("HARBOUR", "{w} road"), ("MUSEUM", "city {w}"),
         ("PARKING", "no {w} here"), ("LIBRARY", "public {w}"), ("GARAGE", "{w} sale today")]
RECEIPTS = [("CAPPUCCINO", ["CAFE ROMA", "{w}  3.40", "CROISSANT  2.10", "TOTAL  5.50"]),
            ("INVOICE", ["{w} 20931", "ACME PLUMBING", "AMOUNT DUE 120.00"]),
            ("BOARDING", ["{w} PASS", "GATE B12  SEAT 14C", "FLIGHT LH 2041"]),
            ("TICKET", ["CONCERT {w}", "ROW F  SEAT 22", "ADMIT ONE"]),
            ("GROCERIES", ["{w} MARKET", "APPLES  1.99", "BREAD  2.49", "MILK  0.99"])]
SCREENS = [("PASSWORD", ["Enter your {w}", "Forgot it?", "Sign in"]),
           ("BATTERY", ["{w} low", "20% remaining", "Charge now"]),
           ("CALENDAR", ["{w} reminder", "Dentist 14:30", "Tomorrow"])]
CAPTIONS = [("HOLIDAY", "summer {w} 2023"), ("BIRTHDAY", "happy {w} anna"), ("GRADUATION", "{w} day")]


@dataclass(frozen=True)
class TextPhoto:
    path: Path
    query: str  # the distinctive word, lower case
    words: tuple[str, ...]  # everything written on it
    kind: str
    font: str
    angle: float


def fonts() -> list[ImageFont.FreeTypeFont | None]:
    """TrueType fonts found on this machine (None: Pillow's built-in scalable font)."""
    found: list[ImageFont.FreeTypeFont | None] = []
    for name in FONT_NAMES:
        for d in FONT_DIRS:
            if (d / name).is_file():
                found.append(ImageFont.truetype(str(d / name), 10))
                break
    return found or [None]


def _font(base: ImageFont.FreeTypeFont | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if base is None:
        return ImageFont.load_default(size)
    return base.font_variant(size=size)


def _panel(lines: list[str], font: ImageFont.FreeTypeFont | ImageFont.ImageFont, bg: tuple[int, int, int],
           fg: tuple[int, int, int], pad: int) -> Image.Image:
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    boxes = [probe.textbbox((0, 0), t, font=font) for t in lines]
    line_h = max(b[3] - b[1] for b in boxes) + pad // 2
    w = max(b[2] - b[0] for b in boxes) + 2 * pad
    h = line_h * len(lines) + pad * 2
    panel = Image.new("RGBA", (w, h), (*bg, 255))
    d = ImageDraw.Draw(panel)
    for i, t in enumerate(lines):
        d.text((pad, pad + i * line_h), t, font=font, fill=fg)
    return panel


def _paste(photo: Image.Image, panel: Image.Image, angle: float, rng: random.Random, max_frac: float) -> Image.Image:
    panel = panel.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC, fillcolor=(0, 0, 0, 0))
    limit = (int(photo.width * max_frac), int(photo.height * max_frac))
    if panel.width > limit[0] or panel.height > limit[1]:
        panel.thumbnail(limit, Image.Resampling.LANCZOS)
    x = rng.randint(0, max(0, photo.width - panel.width))
    y = rng.randint(0, max(0, photo.height - panel.height))
    out = photo.copy()
    out.paste(panel, (x, y), panel)
    return out


def render(photo: Image.Image, kind: str, index: int, font: ImageFont.FreeTypeFont | None, angle: float,
           rng: random.Random) -> tuple[Image.Image, str, list[str]]:
    """``photo`` with one piece of text of ``kind`` on it. Returns (image, query word, lines written)."""
    scale = max(photo.size) / 1000
    if kind == "sign":
        word, fmt = SIGNS[index % len(SIGNS)]
        lines = [fmt.format(w=word)]
        panel = _panel(lines, _font(font, int(56 * scale)), (245, 245, 235), (20, 30, 90), int(24 * scale))
        return _paste(photo, panel, angle, rng, 0.8), word, lines
    if kind == "receipt":
        word, tpl = RECEIPTS[index % len(RECEIPTS)]
        lines = [t.format(w=word) for t in tpl]
        panel = _panel(lines, _font(font, int(30 * scale)), (250, 248, 240), (30, 30, 30), int(20 * scale))
        return _paste(photo, panel, angle, rng, 0.7), word, lines
    if kind == "screen":
        word, tpl = SCREENS[index % len(SCREENS)]
        lines = [t.format(w=word) for t in tpl]
        panel = _panel(lines, _font(font, int(34 * scale)), (32, 36, 44), (235, 240, 250), int(26 * scale))
        return _paste(photo, panel, angle, rng, 0.75), word, lines
    word, fmt = CAPTIONS[index % len(CAPTIONS)]
    lines = [fmt.format(w=word)]
    f = _font(font, int(64 * scale))
    out = photo.copy()
    d = ImageDraw.Draw(out)
    d.text((int(30 * scale), int(photo.height * 0.8)), lines[0], font=f, fill=(255, 255, 255),
           stroke_width=max(2, int(3 * scale)), stroke_fill=(0, 0, 0))
    return out, word, lines


KINDS = ("sign", "receipt", "screen", "caption")


def make_text_photos(sources: list[Path], out_dir: Path, count: int, *, seed: int = 0,
                     angles: tuple[float, ...] = (0.0, -6.0, 9.0, -14.0, 4.0)) -> list[TextPhoto]:
    """Write ``count`` photos with text into ``out_dir``, cycling through sources, kinds, fonts and angles."""
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    font_list = fonts()
    made: list[TextPhoto] = []
    for i in range(count):
        src = sources[i % len(sources)]
        photo = Image.open(src).convert("RGB")
        if max(photo.size) > 1600:
            photo.thumbnail((1600, 1600))
        kind = KINDS[i % len(KINDS)]
        font = font_list[(i // len(KINDS)) % len(font_list)]
        angle = 0.0 if kind == "caption" else angles[i % len(angles)]
        img, word, lines = render(photo, kind, i // len(KINDS), font, angle, rng)
        path = out_dir / f"text_{i:03d}_{kind}.jpg"
        img.save(path, quality=90)
        font_name = Path(font.path).name if font is not None and isinstance(font.path, str) else "default"
        made.append(TextPhoto(path, word.lower(), tuple(w for line in lines for w in line.split()), kind, font_name,
                              angle))
    return made
