"""The finance pack in headless Chromium: its charts lay out, bars drawn to scale, and the page fetches nothing."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from decimal import Decimal

import pytest

from tests.finance.test_finance_report import render

# Appended to a copy of the page only (the page itself has no script): measures what Chromium laid out.
PROBE = """<script>
window.addEventListener('load', () => {
  const charts = [...document.querySelectorAll('svg.chart')].map(svg => {
    const box = svg.getBoundingClientRect();
    const bars = [...svg.querySelectorAll('rect')].filter(r => r.querySelector('title')).map(r => {
      const b = r.getBoundingClientRect();
      return {title: r.querySelector('title').textContent, width: b.width, height: b.height};
    });
    const labels = [...svg.querySelectorAll('text.label')].map(t => [t.textContent, t.getComputedTextLength()]);
    const view = svg.viewBox.baseVal;
    return {title: svg.getAttribute('aria-label'), width: box.width, height: box.height,
            view: [view.width, view.height], bars, labels};
  });
  const probe = document.createElement('pre');
  probe.id = 'probe';
  probe.textContent = 'PROBE' + JSON.stringify({charts, fetched: performance.getEntriesByType('resource').length});
  document.body.appendChild(probe);
});
</script>"""
# The flags this machine's closed network needs (no background connections), as root without a sandbox.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,2000", "--virtual-time-budget=5000", "--dump-dom"]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    assert found, "headless Chromium is needed for this test: `make test` installs it (apt-get install chromium)"
    return found


@pytest.fixture(scope="module")
def laid_out(finance_url, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("report-browser")
    page = render(finance_url, out).replace("</body>", PROBE + "</body>")
    probed = out / "probed.html"
    probed.write_text(page, encoding="utf-8")
    proc = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={out / 'profile'}", probed.as_uri()],
                          capture_output=True, text=True, timeout=120)
    found = re.search(r"PROBE(\{.*?\})</pre>", proc.stdout)
    assert found, f"Chromium laid out no probe (exit {proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def dollars(title: str) -> Decimal:
    """'Margin: -$1,234.50' -> Decimal('-1234.50')"""
    amount = title.split(": ", 1)[1]
    return Decimal(re.sub(r"[^\d.]", "", amount)) * (-1 if "-" in amount else 1)


def test_both_charts_lay_out_with_their_labels(laid_out):
    charts = laid_out["charts"]
    assert [c["title"] for c in charts] == ["By country, USD", "By category, USD"]
    for chart in charts:
        # readable (at least 300 px wide: two charts side by side on the page) and not distorted
        assert chart["width"] >= 300, chart
        view_w, view_h = chart["view"]
        assert abs(chart["height"] / chart["width"] - view_h / view_w) < 0.01, chart
        assert chart["labels"] and all(length > 0 for _, length in chart["labels"]), chart["labels"]
        # three bars (revenue, cost, margin) per labelled group, each painted
        assert len(chart["bars"]) == 3 * len(chart["labels"])
        assert all(b["width"] > 0 and b["height"] > 0 for b in chart["bars"])


def test_bars_are_drawn_to_scale(laid_out):
    for chart in laid_out["charts"]:
        bars = [(abs(dollars(b["title"])), b["width"]) for b in chart["bars"]]
        biggest_value, biggest_width = max(bars)
        for value, width in bars:
            if value * 100 > biggest_value:  # smaller ones are drawn at the minimum width
                assert abs(Decimal(width) / Decimal(biggest_width) - value / biggest_value) < Decimal("0.01"), (
                    chart["title"], value, width)


def test_the_page_fetches_nothing(laid_out):
    assert laid_out["fetched"] == 0
