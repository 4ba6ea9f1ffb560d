"""Screenshots for the README, made by headless Chromium from the real release.

    .venv/bin/python docs/screenshots.py     # writes docs/img/*.png

Builds the static site into a temporary folder, opens it from file:// in Debian's chromium
(through chromedriver and selenium) and saves a study page, the source viewer and the forest plot.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hcc_kg.web.browser import chromium
from hcc_kg.web.site import build_site

OUT = Path(__file__).parent / "img"


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build_site(site)
        with chromium(tmp, width=1280, height=900) as driver:
            from selenium.webdriver.common.by import By

            driver.get((site / "resource/study/imbrave150.html").as_uri())
            driver.save_screenshot(str(OUT / "study-page.png"))
            link = driver.find_element(By.CSS_SELECTOR, "table.facts a.ev")
            driver.get(link.get_attribute("href"))
            driver.save_screenshot(str(OUT / "source-viewer.png"))
            driver.get((site / "overview.html").as_uri())
            driver.set_window_size(1280, 1200)
            driver.find_element(By.CSS_SELECTOR, "#forest figure").screenshot(str(OUT / "forest-plot.png"))
    for png in sorted(OUT.glob("*.png")):
        print(png, png.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
