"""A headless Chromium (Debian's ``chromium`` + ``chromedriver``) driven by selenium, for the
browser tests and the README's screenshots. Started offline-quiet with a fresh profile."""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from hcc_kg.errors import HccKgError

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars")


@contextmanager
def chromium(workdir: str | Path, width: int = 1280, height: int = 900):
    """A selenium WebDriver for headless Chromium; quit (and its profile removed) on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (Path(binary).exists() and Path(driver_path).exists()):
        raise HccKgError("chromium and chromedriver are needed: apt-get install chromium chromium-driver")
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=workdir)
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
