"""Measuring a drawn page the way the issue-11 tester did: what fits a phone (decision 0018) and
how tall a list's rows grow on an office screen (decision 0017)."""

from typing import Any

from playwright.sync_api import Page, ViewportSize

PHONE_WIDTH = 360
PHONE: ViewportSize = {"width": PHONE_WIDTH, "height": 740}
OFFICE: ViewportSize = {"width": 1366, "height": 768}
MIN_TEXT_PX = 14
MIN_TARGET_PX = 44
# One line of the dense table is about 30 px: two lines of summary and the padding stay under 70.
MAX_ROW_HEIGHT = 70

# What a person reads or taps on the page: each visible text node's computed font size, and
# each visible control's box. A checkbox's target includes its label (a tap on the label ticks
# it); a link inside a sentence is excepted (WCAG 2.5.8).
MEASURE = """([minText, minTarget]) => {
  const shown = el => el.checkVisibility({visibilityProperty: true, opacityProperty: true});
  const onScreen = r => r.width > 1 && r.height > 1 && r.right > 0 && r.bottom > 0;
  const describe = el => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
    return `${el.tagName.toLowerCase()}.${el.className} "${text.slice(0, 30)}"`;
  };
  const smallText = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!node.textContent.trim() || !parent || parent.closest('script, style, noscript')) continue;
    if (!shown(parent)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    if (![...range.getClientRects()].some(onScreen)) continue;
    const size = parseFloat(getComputedStyle(parent).fontSize);
    if (size < minText) smallText.push(`${size}px ${describe(parent)}`);
  }
  const inSentence = el => el.tagName === 'A' && [...el.parentElement.childNodes].some(
    n => n !== el && n.nodeType === Node.TEXT_NODE && n.textContent.trim());
  const smallTargets = [];
  const controls = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary');
  for (const control of controls) {
    if (!shown(control) || inSentence(control)) continue;
    let box = control.getBoundingClientRect();
    if (!onScreen(box)) continue;
    if (control.type === 'checkbox' || control.type === 'radio') {
      const label = control.closest('label') || control.closest('.form-check');
      if (label) box = label.getBoundingClientRect();
    }
    if (box.width < minTarget - 0.5 || box.height < minTarget - 0.5) {
      smallTargets.push(`${Math.round(box.width)}×${Math.round(box.height)} ${describe(control)}`);
    }
  }
  return {
    scrollWidth: document.scrollingElement.scrollWidth,
    smallText: smallText,
    smallTargets: smallTargets,
  };
}"""

# How many lines a cell's text takes: its laid-out height over the cell's line height.
TEXT_LINES = """cell => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  const line = parseFloat(getComputedStyle(cell).lineHeight);
  return range.getBoundingClientRect().height / line;
}"""

# The rows of the page's lists (the tables that become cards on a phone) taller than the bound.
TALL_ROWS = """maxHeight => [...document.querySelectorAll(
    ':is(table.table-dense, table.app-cards) > tbody > tr')]
  .filter(row => row.checkVisibility())
  .map(row => [row.closest('table').dataset.testid || row.closest('table').className,
               Math.round(row.getBoundingClientRect().height)])
  .filter(([, height]) => height > maxHeight)
  .map(([table, height]) => `${table}: ${height}px`)"""


def measure_phone_fit(page: Page) -> dict[str, Any]:
    """The page's scroll width, its text under 14 px and its controls under 44×44 px."""
    measured: dict[str, Any] = page.evaluate(MEASURE, [MIN_TEXT_PX, MIN_TARGET_PX])
    return measured


def assert_fits_a_phone(page: Page, what: str) -> None:
    """No sideways scrolling on a 360 px phone, no text under 14 px, no target under 44 px."""
    measured = measure_phone_fit(page)
    width = page.viewport_size["width"] if page.viewport_size else PHONE_WIDTH
    assert measured["scrollWidth"] <= width, f"{what}: {measured['scrollWidth']}px wide"
    assert measured["smallText"] == [], (
        f"{what}: text under {MIN_TEXT_PX} px: {measured['smallText']}"
    )
    assert measured["smallTargets"] == [], (
        f"{what}: targets under {MIN_TARGET_PX} px: {measured['smallTargets']}"
    )


def tall_rows(page: Page, max_height: int = MAX_ROW_HEIGHT) -> list[str]:
    """The list rows of the page taller than `max_height`, as `table: height`."""
    rows: list[str] = page.evaluate(TALL_ROWS, max_height)
    return rows
