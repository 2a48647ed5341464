"""docs/architecture.md's layout table names every module of the product and the worker."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_layout_table_lists_every_module() -> None:
    """A module added, moved or renamed without its row in the table fails here."""
    layout = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    modules = [
        path.relative_to(ROOT).as_posix()
        for package in ("recruit", "worker")
        for path in sorted((ROOT / package).rglob("*.py"))
    ]
    assert len(modules) > 50
    assert [module for module in modules if f"| `{module}` |" not in layout] == []
