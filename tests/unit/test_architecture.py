"""DESIGN.md's dependency rules, enforced: import-linter contracts, and a headless core at run time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold() -> None:
    exe = Path(sys.executable).parent / "lint-imports"
    p = subprocess.run([str(exe), "--config", str(ROOT / "pyproject.toml")], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "broken" not in p.stdout.lower() or "0 broken" in p.stdout.lower()


def test_core_and_cli_run_without_qt() -> None:
    code = (
        "import sys\n"
        "import photoseek.core.library, photoseek.cli.main\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'torch'))\n"
        "print(bad)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


def test_no_network_stack_is_loaded_unless_a_download_is_asked_for() -> None:
    """Start-up, search and index never go online: the Hub client is imported only inside a download."""
    code = (
        "import sys\n"
        "import photoseek.core.library, photoseek.cli.main, photoseek.cli.models_cmd\n"
        "import photoseek.core.runtime.download, photoseek.core.runtime.installer\n"
        "bad = sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in "
        "('huggingface_hub', 'httpx', 'httpx2', 'requests', 'urllib3')})\n"
        "print(bad)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"
