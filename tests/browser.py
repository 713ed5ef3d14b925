"""Helpers for the page tests in headless Chromium: one browser per test module, the checks a
visitor page must pass (fits its screen, nothing cut off), and axe-core from the
axe-playwright-python wheel (its bundled axe.min.js; nothing is downloaded at test time)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from .conftest import CHROMIUM_ARGS

SIZES = {"720p": {"width": 1280, "height": 720}, "1080p": {"width": 1920, "height": 1080},
         "2160p": {"width": 3840, "height": 2160}}
PHONE = {"width": 390, "height": 844}


@asynccontextmanager
async def chromium(*, autoplay: bool = True):
    """Debian's Chromium; `autoplay=False` is a browser that blocks sound until a click, as a
    TV's browser does by default."""
    from playwright.async_api import async_playwright

    args = CHROMIUM_ARGS if autoplay else [a for a in CHROMIUM_ARGS if not a.startswith("--autoplay-policy")]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        try:
            yield browser
        finally:
            await browser.close()


# Every visible element inside the viewport and inside its parent, no box whose content spills
# out of it (text wider or taller than its block), no text node outside its element, no
# ellipsis anywhere. Returns a list of readable problems. `page.evaluate(FIT_PROBLEMS, True)`:
# a page that scrolls down (a phone's), where only the width is the screen's.
FIT_PROBLEMS = r"""
(scrolls = false) => {
  const problems = [];
  const W = innerWidth, H = scrolls ? Infinity : innerHeight, T = 1;
  const name = (e) => e.id ? `#${e.id}` : `${e.tagName.toLowerCase()}.${e.className || ''}` +
        (e.textContent ? ` "${e.textContent.trim().slice(0, 30)}"` : '');
  const shown = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  // v: vertical slack for a font's content area (ascent + descent) standing over a tight line
  // box -- nothing is cut there, as nothing clips
  const inside = (r, o, v = T) => r.left >= o.left - T && r.right <= o.right + T && r.top >= o.top - v && r.bottom <= o.bottom + v;
  const root = document.scrollingElement;
  if (root.scrollWidth > W + T || root.scrollHeight > H + T) problems.push(`page ${root.scrollWidth}x${root.scrollHeight} in ${W}x${H}`);
  for (const e of document.body.querySelectorAll('*')) {
    if (e.tagName === 'SCRIPT' || !shown(e) || e.closest('.visually-hidden')) continue;
    const style = getComputedStyle(e);
    if (style.textOverflow === 'ellipsis') problems.push(`${name(e)} is cut with an ellipsis`);
    const r = e.getBoundingClientRect();
    const slack = Math.max(T, 0.05 * parseFloat(style.fontSize));
    if (!inside(r, {left: 0, top: 0, right: W, bottom: H})) problems.push(`${name(e)} leaves the screen`);
    const parent = e.parentElement;
    if (parent !== document.body && !inside(r, parent.getBoundingClientRect(), style.display === 'inline' ? slack : T)) problems.push(`${name(e)} leaves ${name(parent)}`);
    // an item of a grid or flex box that runs on into its padding (nothing scrolls, the text
    // touches the edge): the content box is the limit across
    const outer = getComputedStyle(parent);
    if (parent !== document.body && /grid|flex/.test(outer.display) && style.position !== 'absolute' && style.position !== 'fixed') {
      const p = parent.getBoundingClientRect();
      const left = p.left + parseFloat(outer.borderLeftWidth) + parseFloat(outer.paddingLeft);
      const right = p.right - parseFloat(outer.borderRightWidth) - parseFloat(outer.paddingRight);
      if (r.left < left - T || r.right > right + T) problems.push(`${name(e)} runs into the padding of ${name(parent)}`);
    }
    if (style.display !== 'inline' && e.clientWidth > 0 &&
        (e.scrollWidth > e.clientWidth + T || e.scrollHeight > e.clientHeight + slack))
      problems.push(`${name(e)} holds ${e.scrollWidth}x${e.scrollHeight} in ${e.clientWidth}x${e.clientHeight}`);
    for (const node of e.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE || !node.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const line of range.getClientRects())
        if (!inside(line, r, slack)) { problems.push(`text of ${name(e)} spills out`); break; }
    }
  }
  return problems;
}
"""


# WCAG 2.1 A and AA. `resultTypes`: axe builds a selector for every node of every rule it
# reports; asking for violations only skips that for the passes (a third of a page test's time
# went there) and leaves the violations' list as it was.
AXE_OPTIONS = ("{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, "
               "resultTypes: ['violations']}")


def axe_script() -> Path:
    import axe_playwright_python

    return Path(axe_playwright_python.__file__).parent / "axe.min.js"


async def axe_violations(page) -> list[str]:
    """axe-core over the page as it is now: the WCAG 2.1 A and AA rules that fail, with where."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(axe_script()))
    result = await page.evaluate(f"axe.run(document, {AXE_OPTIONS})")
    return [f"{v['id']}: {v['help']} -- {[n['target'] for n in v['nodes']][:4]} "
            f"{[n.get('failureSummary', '')[:160] for n in v['nodes']][:2]}" for v in result["violations"]]
