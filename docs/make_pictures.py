"""The README's pictures, regenerated from the example corpus.

    python docs/make_pictures.py            # writes docs/img/*.png

Builds examples/corpus (with its report and view) in a temporary folder, opens the field map
(view.html) in headless Chromium (Debian's /usr/bin/chromium through playwright, a 1400x1000 window,
as a user would see it), waits until the layout has settled and stopped, clicks the most mentioned
method so the side panel shows its papers and evidence, and saves a screenshot; then copies report
plots next to it. Nothing is downloaded: the page is offline and Chromium is the system's.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
CHROMIUM = "/usr/bin/chromium"
PLOTS = ("top_entities.png", "modality_heatmap.png")  # of the report, in this order of preference


def screenshot(page_path: Path, out: Path, click_label: str | None) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(page_path.as_uri())
            page.wait_for_function("typeof network !== 'undefined' && network.physics.options.enabled === false",
                                   timeout=120_000)
            page.wait_for_function("(document.getElementById('loadingBar') || {style: {display: 'none'}})"
                                   ".style.display === 'none'", timeout=10_000)
            if click_label:
                node = page.evaluate("(label) => (nodes.get({filter: n => n.kgLabel === label})[0] || {}).id", click_label)
                if node:
                    page.evaluate("(id) => { network.selectNodes([id]); kgView.showEntity(id); }", node)
            page.screenshot(path=str(out))
        finally:
            browser.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--click", default="CLIP", help="entity whose side panel the screenshot shows ('' for none)")
    args = ap.parse_args()
    from kg.build import build

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        graph = Path(work) / "graph"
        build([ROOT / "examples" / "corpus"], graph, exports=())
        screenshot(graph / "view.html", OUT / "field_map.png", args.click or None)
        written = ["field_map.png"]
        for name in PLOTS:
            plot = graph / "report" / name
            if plot.exists():
                shutil.copyfile(plot, OUT / name)
                written.append(name)
    print("wrote " + ", ".join(str(OUT / n) for n in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
