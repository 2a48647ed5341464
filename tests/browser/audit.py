"""axe-core and phone-width checks on the pages a browser test visits.

`Audit.check(page, name)` runs axe (WCAG 2.2 A and AA tags) at 1280 px and at 375 px on the
page in hand, and measures whether it scrolls sideways at 375 px. Findings are collected, so
a journey runs to its end and then fails once, naming every serious or critical violation by
rule, target, page, role and width. Set RECRUIT_BROWSER_REPORT to a file path to also append
every result there as JSON lines (the figures quoted in reports come from it).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = {"desktop": 1280, "phone": 375}
HEIGHT = 900
FAILING_IMPACTS = {"serious", "critical"}
_AXE = Axe()

OVERFLOW_SCRIPT = """() => {
  const width = window.innerWidth;
  const sticksOut = (el) => el.getBoundingClientRect().right > width + 1;
  // Inside a box that clips or scrolls and itself fits, an element cannot widen the page.
  const contained = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.overflowX !== 'visible' && !sticksOut(up)) return true;
    }
    return false;
  };
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    const position = getComputedStyle(el).position;
    // An absolutely positioned element escapes a scroll box that is not its containing block
    // (GOV.UK's visually hidden text in a scrolling table does), so it is never excused.
    if (box.width > 0 && sticksOut(el) && position !== 'fixed'
        && (position === 'absolute' || !contained(el))) wide.push(el);
  }
  const caption = (el) => {
    const found = el.querySelector('caption');
    return found ? ' "' + found.textContent.trim().slice(0, 40) + '"' : '';
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.className && typeof el.className === 'string'
       ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + caption(el);
  // The outermost offenders only: their children are too wide because they are.
  const outer = wide.filter((el) => !wide.includes(el.parentElement));
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width,
          culprits: outer.slice(0, 8).map(name)};
}"""


@dataclass
class Violation:
    """One axe rule broken on one page at one width."""

    page: str
    role: str
    width: int
    rule: str
    impact: str
    help: str
    targets: list[str]

    def line(self) -> str:
        """A readable one-line description for a failure message."""
        where = ", ".join(self.targets[:5]) + (" ..." if len(self.targets) > 5 else "")
        return (
            f"[{self.impact}] {self.rule} on {self.page!r} as {self.role} at {self.width}px: "
            f"{self.help} -> {where}"
        )


@dataclass
class Overflow:
    """A page that is wider than the 375 px viewport, and the outermost elements to blame."""

    page: str
    role: str
    scroll_width: int
    inner_width: int
    culprits: list[str]

    def line(self) -> str:
        """A readable one-line description for a failure message."""
        return (
            f"{self.page!r} as {self.role}: scrollWidth {self.scroll_width} > "
            f"{self.inner_width}; widest: {', '.join(self.culprits) or '?'}"
        )


def axe_violations(page: Page, name: str, role: str) -> list[Violation]:
    """Every axe violation on the page as it is now, at its current viewport width."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_AXE.axe_script)  # axe-core, from the axe-playwright-python wheel
    options = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]}
    response = page.evaluate("(options) => axe.run(document, options)", options)
    width = page.viewport_size["width"] if page.viewport_size else 0
    found = []
    for item in response["violations"]:
        targets = [" ".join(map(str, node["target"])) for node in item["nodes"]]
        found.append(
            Violation(name, role, width, item["id"], str(item["impact"]), item["help"], targets)
        )
    return found


def overflow(page: Page, name: str, role: str) -> Overflow | None:
    """What makes the page scroll sideways at its current width, or None when nothing does."""
    measured: dict[str, Any] = page.evaluate(OVERFLOW_SCRIPT)
    if measured["scrollWidth"] <= measured["innerWidth"]:
        return None
    return Overflow(
        name, role, measured["scrollWidth"], measured["innerWidth"], measured["culprits"]
    )


def set_width(page: Page, width: int) -> None:
    """Resize the viewport and let the layout settle."""
    page.set_viewport_size({"width": width, "height": HEIGHT})
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done(null)))")


def _record(entry: dict[str, Any]) -> None:
    target = os.environ.get("RECRUIT_BROWSER_REPORT")
    if target:
        with Path(target).open("a", encoding="utf-8") as sink:
            sink.write(json.dumps(entry) + "\n")


@dataclass
class Audit:
    """Findings for one role over the pages one test visits."""

    role: str
    violations: list[Violation] = field(default_factory=list)
    overflows: list[Overflow] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def check(self, page: Page, name: str, axe: bool = True) -> None:
        """axe at both widths, and the sideways-scroll measure at 375 px; back to 1280 px after.

        With `axe=False`, only the measure at 375 px.
        """
        self.pages.append(name)
        original = page.viewport_size["width"] if page.viewport_size else WIDTHS["desktop"]
        for width in WIDTHS.values() if axe else [WIDTHS["phone"]]:
            set_width(page, width)
            started = time.monotonic()
            found = axe_violations(page, name, self.role) if axe else []
            self.violations.extend(found)
            wide = overflow(page, name, self.role) if width == WIDTHS["phone"] else None
            if wide is not None:
                self.overflows.append(wide)
            _record(
                {
                    "page": name,
                    "role": self.role,
                    "width": width,
                    "url": page.url,
                    "violations": [asdict(v) for v in found],
                    "overflow": asdict(wide) if wide else None,
                    "seconds": round(time.monotonic() - started, 2),
                }
            )
        set_width(page, original)

    def serious(self) -> list[Violation]:
        """The violations that fail a test: serious or critical."""
        return [v for v in self.violations if v.impact in FAILING_IMPACTS]

    def assert_fits_phones(self) -> None:
        """Fail with every page that scrolls sideways at 375 px, and what is too wide on it."""
        assert not self.overflows, (
            f"{len(self.overflows)} page(s) scroll sideways at {WIDTHS['phone']}px:\n"
            + "\n".join(item.line() for item in self.overflows)
        )

    def assert_accessible(self) -> None:
        """Fail with every serious or critical violation found, one per line."""
        bad = self.serious()
        assert not bad, f"axe found {len(bad)} serious or critical violation(s):\n" + "\n".join(
            v.line() for v in bad
        )
