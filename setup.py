"""Packaging glue that pyproject.toml alone cannot express.

The built-in model pack lives at ``models/basic`` (beside its build scripts, outside ``src/``) but must ship inside
the wheel so that ``pip install photoseek`` works with no download. ``package_dir`` maps that folder, and each
folder in it, in as the data-only package ``photoseek.models.basic[.textual, .visual, ...]``;
:func:`photoseek.core.paths.builtin_models_dir` finds it there at run time. Everything else (metadata,
dependencies) is in pyproject.toml. Package data is listed here too, all of it: pyproject's
``[tool.setuptools.package-data]`` would replace this table rather than add to it. ``include_package_data`` is off
so the wheel's contents follow from this table alone, not from whatever an earlier build left in ``*.egg-info``.
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup

PACK_NAME = "photoseek.models.basic"
PACK_DIR = Path("models") / "basic"


def pack_packages() -> dict[str, str]:
    """Package name -> folder for the pack and every folder inside it (so none is dropped as 'not a package')."""
    folders = [PACK_DIR, *sorted(d for d in PACK_DIR.rglob("*") if d.is_dir() and d.name != "__pycache__")]
    return {".".join([PACK_NAME, *d.relative_to(PACK_DIR).parts]): d.as_posix() for d in folders}


PACK = pack_packages()

CODE_DATA = {
    "photoseek": ["py.typed", "gui/*.qss", "gui/*.svg", "core/runtime/catalog.json"],
    # the desktop entry, metainfo and icons, installed by `photoseek install-desktop`
    "photoseek.share": ["**/*"],
}

setup(
    packages=[*find_namespace_packages(where="src", include=["photoseek", "photoseek.*"]), *PACK],
    package_dir={"": "src", **PACK},
    package_data={**CODE_DATA, **{name: ["*"] for name in PACK}},
    exclude_package_data={name: ["*.pyc"] for name in PACK},
    include_package_data=False,
)
