"""Screenshots of the real PhotoSeek window (offscreen): results grid, context menu, preview, first-run empty state,
the divider between matches and weaker results (closed and open), the chips of a refined search, the Duplicates
view and a result stack opened (a second folder holds resized, recompressed and cropped copies of a few photos, so
the results stack them under an "×N" badge);
the one-time CLIP offer and Settings -> Models with real downloads from the loopback Hub server of the tests
(tests/hub_server.py serving a random-weight pack in Immich's layout; nothing goes online).

    PYTHONPATH=src QT_QPA_PLATFORM=offscreen python bench/screenshots.py [--photos DIR|demo] [--model basic|tiny]

By default it indexes the public photo set in bench/photos with the built-in pack and searches
"sunset over the sea"; ``--photos demo`` draws 24 photo-like pictures instead, and ``--model tiny`` uses the colour
test pack from ``tests/tiny_pack.py`` (queries are then colour words).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

PALETTES = [  # sky top, sky bottom, sun, far hills, near ground
    ((20, 60, 160), (250, 150, 60), (255, 230, 140), (90, 50, 90), (40, 25, 40)),  # sunset
    ((90, 160, 240), (200, 230, 255), (255, 255, 220), (90, 130, 90), (50, 110, 40)),  # summer day
    ((10, 20, 50), (50, 60, 120), (240, 240, 210), (30, 35, 60), (15, 15, 30)),  # night
    ((255, 170, 120), (255, 220, 170), (255, 250, 220), (200, 110, 80), (120, 60, 40)),  # desert
    ((140, 190, 230), (230, 240, 250), (255, 255, 255), (180, 190, 210), (240, 245, 250)),  # snow
    ((60, 140, 200), (120, 200, 230), (255, 245, 200), (30, 100, 150), (20, 70, 130)),  # sea
    ((120, 170, 90), (200, 220, 140), (255, 240, 180), (80, 130, 50), (200, 170, 40)),  # field
    ((200, 60, 40), (250, 160, 60), (255, 220, 120), (120, 40, 30), (60, 20, 20)),  # red dusk
]


def demo_photo(path: Path, i: int) -> None:
    rnd = random.Random(i)
    w, h = (960, 640) if i % 3 else (640, 800)
    top, bottom, sun, far, near = PALETTES[i % len(PALETTES)]
    img = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(img)
    for y in range(h):
        t = y / h
        d.line([(0, y), (w, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    sx, sy, r = rnd.randint(w // 5, 4 * w // 5), rnd.randint(h // 8, h // 3), rnd.randint(30, 70)
    d.ellipse([sx - r, sy - r, sx + r, sy + r], fill=sun)
    for layer, colour, base in ((0, far, 0.55), (1, near, 0.72)):
        pts = [(0, h)]
        amp = rnd.randint(40, 120) // (layer + 1)
        phase = rnd.random() * 6
        for x in range(0, w + 20, 20):
            y = h * base + amp * math.sin(x / (90 + 40 * layer) + phase) + rnd.randint(-8, 8)
            pts.append((x, int(y)))
        pts.append((w, h))
        d.polygon(pts, fill=colour)
    if i % 4 == 1:  # a few trees
        for _ in range(rnd.randint(3, 7)):
            x = rnd.randint(0, w)
            y = int(h * 0.75) + rnd.randint(0, h // 6)
            s = rnd.randint(25, 60)
            d.polygon([(x, y - 2 * s), (x - s // 2, y), (x + s // 2, y)], fill=(20, 60 + rnd.randint(0, 40), 30))
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    noise = Image.effect_noise((w, h), 12).convert("RGB")
    img = Image.blend(img, noise, 0.06)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, quality=88)


def make_copies(photos: Path, folder: Path) -> None:
    """What a phone backup or an export leaves behind: a few photos again, resized, recompressed or cropped."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    every = sorted(photos.glob("*.jpg"))
    wanted = [p for p in every if p.stem in ("boats_sunset", "astronaut", "moss_plants", "colorful_cups")]
    picks = wanted or every[:: max(1, len(every) // 4)][:4]
    for i, src in enumerate(picks):
        with Image.open(src) as im:
            img = im.convert("RGB")
        w, h = img.size
        if i % 2 == 0:
            img.resize((w * 2 // 3, h * 2 // 3), Image.Resampling.LANCZOS).save(folder / f"{src.stem}-small.jpg",
                                                                                 quality=80)
        else:
            img.crop((w // 16, h // 20, w, h)).save(folder / f"{src.stem}-edited.jpg", quality=85)
        if i == 0:
            img.save(folder / f"{src.stem}-export.jpg", quality=60)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", default=str(ROOT / "bench" / "photos"),
                    help="folder of real photos to show (default: bench/photos; 'demo' draws 24 demo photos)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--model", default="basic", help="model pack (default: the built-in pack; 'tiny': colour test pack)")
    ap.add_argument("--query", default="sunset over the sea")
    ap.add_argument("--divider-query", default="a kite flying in the sky")
    ap.add_argument("--chip-query", default="boats this year")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="photoseek-shots-"))

    if args.model == "tiny":
        from tiny_pack import build_tiny_pack

        build_tiny_pack(tmp / "models" / "tiny")
        os.environ["PHOTOSEEK_BUILTIN_MODELS"] = str(tmp / "models")
    demo = args.photos == "demo"
    photos = tmp / "Demo photos" if demo else Path(args.photos)
    if demo:
        names = ["sunset", "meadow", "night_sky", "dunes", "snowfield", "seaside", "wheat_field", "red_dusk"]
        for i in range(24):
            demo_photo(photos / f"{names[i % len(names)]}_{i // len(names) + 1:02}.jpg", i)

    from PySide6.QtCore import QPoint, QTimer
    from PySide6.QtGui import QPainter
    from PySide6.QtWidgets import QApplication

    from photoseek.core.domain import FilterKind
    from photoseek.core.library import Library
    from photoseek.gui.app import make_app
    from photoseek.gui.main_window import MainWindow

    app = make_app([])

    def wait(pred, ms: int = 15000) -> None:  # noqa: ANN001
        import time

        end = time.monotonic() + ms / 1000
        while not pred() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    def settle(ms: int = 300) -> None:
        loop_end = [False]
        QTimer.singleShot(ms, lambda: loop_end.__setitem__(0, True))
        wait(lambda: loop_end[0], ms + 1000)

    # a loopback Hub for Settings -> Models (the random-weight test pack under two catalog repos)
    from hub_server import HubServer, repo_from_folder
    from immich_pack import build_immich_pack

    pack = repo_from_folder(build_immich_pack(tmp / "hub" / "pack"))
    hub = HubServer({"immich-app/ViT-B-32__openai": pack, "immich-app/ViT-B-32__laion2b-s34b-b79k": pack})
    hub.__enter__()
    os.environ["HF_ENDPOINT"] = hub.url

    def open_lib(name: str) -> Library:
        home = tmp / name
        home.mkdir()
        (home / "config.toml").write_text(f'model = "{args.model}"\n')
        return Library(home)

    # 1. empty state (first run)
    lib0 = open_lib("empty")
    w0 = MainWindow(lib0)
    w0.resize(1100, 700)
    w0.show()
    wait(lambda: w0.stack.currentWidget() is w0.empty_page)
    settle()
    w0.grab().save(str(out / "empty-state.png"))
    w0.close()
    lib0.close()

    # 2. results
    lib = open_lib("library")
    lib.add_folder(photos)
    copies = tmp / "Phone backup"
    make_copies(photos, copies)
    lib.add_folder(copies)
    lib.index()
    win = MainWindow(lib)
    win.resize(1200, 760)
    win.set_cell_size(176)
    win.show()
    wait(lambda: not win.indexer.running)
    wait(lambda: win.banner.isVisible())  # indexed with the built-in pack: CLIP is offered once
    win.search.setText(args.query)
    win.search_now()
    wait(lambda: win.model.rowCount() > 0)
    win.select_row(0)
    visible = min(win.model.rowCount(), 24)
    shown = [h for h in (win.model.hit(r) for r in range(visible)) if h is not None]
    wait(lambda: all(win.thumbs.pixmap(h.photo) is not None for h in shown))
    wait(lambda: win.details.image.pixmap() is not None and not win.details.image.pixmap().isNull(), 3000)
    settle()
    win.grab().save(str(out / "clip-banner.png"))
    win.banner.close_button.click()
    settle()
    if os.environ.get("SHOTS_DEBUG"):
        for name in ("image", "title", "facts"):
            print(name, getattr(win.details, name).geometry(), getattr(win.details, name).isVisible())
        print("pane", win.details.geometry(), win.details.layout().geometry())
    shot = win.grab()
    shot.save(str(out / "main-window.png"))

    # 3. context menu, composed onto the window at the second photo
    idx = win.model.index(1, 0)
    rect = win.view.visualRect(idx)
    menu = win.build_context_menu(1)
    assert menu is not None
    menu.popup(win.view.viewport().mapToGlobal(rect.center()))
    settle()
    mp = menu.grab()
    composed = win.grab()
    at = win.view.viewport().mapTo(win, rect.center()) + QPoint(4, 4)
    p = QPainter(composed)
    p.drawPixmap(at, mp)
    p.end()
    composed.save(str(out / "context-menu.png"))
    menu.close()

    # 4. the divider: matches, then "N weaker results"; a click opens them
    def show(query: str) -> None:
        win.search.setText(query)
        win.search_now()
        wait(lambda: f"“{query}”" in win.header.text())
        rows = [r for r in range(min(win.model.rowCount(), 24)) if win.model.hit(r) is not None]
        wait(lambda: all(win.thumbs.pixmap(win.model.hit(r).photo) is not None for r in rows))
        settle()

    show(args.divider_query)
    win.grab().save(str(out / "divider.png"))
    win.model.toggle_weaker()
    settle()
    win.grab().save(str(out / "divider-open.png"))

    # 5. chips: a date read from the query, and a photo marked "More like this"
    show(args.chip_query)
    second = next((r for r in range(1, win.model.rowCount()) if win.model.hit(r) is not None), None)
    if second is not None:
        hit = win.model.hit(second)
        win.searcher.mark(hit, FilterKind.MORE)
        wait(lambda: len(win.search_bar.chips.chips) == 2)
        settle(600)
    win.grab().save(str(out / "chips.png"))

    # 6. preview
    dlg = win.open_preview(win.view.results().photo_row(-1, +1) or 0)
    assert dlg is not None
    dlg.resize(1100, 720)
    wait(lambda: dlg.image.pixmap() is not None and dlg.image.pixmap().width() > 300, 5000)
    settle()
    dlg.grab().save(str(out / "preview.png"))
    dlg.close()

    # 5. a stack of near-duplicates opened in the grid (its badge clicked)
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from photoseek.gui.widgets.results import StackRole

    stacked = next((r for r in range(win.model.rowCount()) if win.model.index(r, 0).data(StackRole)), None)
    if stacked is None:
        print("no stacked result for this query: stack.png not made", file=sys.stderr)
    else:
        top = win.model.index(stacked, 0)
        badge = win.delegate.stack_badge(win.view.visualRect(top), top, win.view.font())
        QTest.mouseClick(win.view.viewport(), Qt.MouseButton.LeftButton, pos=badge.center())
        win.select_row(stacked)
        visible = min(win.model.rowCount(), 24)
        wait(lambda: all(win.thumbs.pixmap(h.photo) is not None for r in range(visible) if (h := win.model.hit(r))))
        settle()
        win.grab().save(str(out / "stack.png"))

    # 6. duplicates view
    dd = win.open_duplicates()
    dd.resize(1100, 760)
    wait(lambda: not win.duplicates.running and dd.cards, 60000)
    wait(lambda: all(c.image.pixmap().width() > 40 for c in dd.cards.values()), 10000)
    settle()
    dd.grab().save(str(out / "duplicates.png"))
    dd.close()

    # 7. Settings -> Models: one download cancelled halfway (Resume), another under way on a slow line (it goes on
    # when the dialog closes)
    from photoseek.gui.controllers.models import ModelState
    from photoseek.gui.dialogs.settings import SettingsTab

    lib.installer.downloader.chunk_bytes = 1 << 14
    hub.faults.chunk_delay = 0.05
    models = win.models_controller
    settings = win.open_settings(SettingsTab.MODELS)
    settings.resize(680, 720)
    wait(lambda: models.loaded)

    def state(entry_id: str) -> ModelState | None:
        row = models.row(entry_id)
        return row.state if row else None

    def fraction(entry_id: str) -> float:
        row = models.row(entry_id)
        return row.progress.fraction if row and row.progress else 0.0

    models.download("clip-vit-b32-laion2b")
    wait(lambda: fraction("clip-vit-b32-laion2b") > 0.4, 60000)
    models.cancel()
    wait(lambda: state("clip-vit-b32-laion2b") == ModelState.PARTIAL)
    models.download("clip-vit-b32")
    wait(lambda: fraction("clip-vit-b32") > 0.3 and (models.row("clip-vit-b32").progress.rate or 0) > 0, 60000)
    settle(600)
    settings.grab().save(str(out / "settings-models.png"))
    settings.close()

    # 8. the rest of the download, then the library's new vectors computed in the background (the status bar)
    hub.faults.chunk_delay = 0.0
    wait(lambda: win.progress_label.text().startswith("Improving search"), 120000)
    win.grab().save(str(out / "improving-search.png"))
    wait(lambda: models.downloading is None and not win.indexer.running, 120000)

    win.close()
    lib.close()
    hub.__exit__()
    QApplication.processEvents()
    for f in sorted(out.glob("*.png")):
        print(f"{f}  {f.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
