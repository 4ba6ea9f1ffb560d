"""The static site in a real headless browser (Debian's chromium through chromedriver and selenium).

The site is built from the committed release and opened from file://. Each test reads what a person
sees: the values the sources give, and, after clicking a value's evidence link, the source viewer
with exactly the quoted span highlighted (compared with the graph's oa:exact)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hcc_kg.answer.store import open_release
from hcc_kg.constants import RESOURCE

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.environ.get("CI") != "true" and not shutil.which("chromedriver"),
                                 reason="needs chromium and chromedriver (.ci/run installs them; never skipped in CI)")]

EXACT = """PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?ev ?exact WHERE { ?ev oa:hasSelector ?q . ?q oa:exact ?exact }"""
HIGHLIGHTED = "return Array.from(document.querySelectorAll('mark.hl')).map(m => m.textContent).join('')"


@pytest.fixture(scope="module")
def site(site_written) -> Path:
    return site_written[0]


@pytest.fixture(scope="module")
def store():
    return open_release()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from hcc_kg.web.browser import chromium

    with chromium(tmp_path_factory.mktemp("chromium")) as driver:
        yield driver


def exact_of(store, href: str) -> str:
    """oa:exact of the evidence a site link points to (".../resource/evidence/SLUG.html#hl")."""
    import pyoxigraph as ox

    slug = href.rsplit("/", 1)[-1].split(".html")[0]
    ev = ox.NamedNode(f"{RESOURCE}evidence/{slug}")
    rows = list(store.query(EXACT, substitutions={ox.Variable("ev"): ev}, use_default_graph_as_union=True))
    assert len(rows) == 1, href
    return rows[0]["exact"].value


def open_page(browser, site: Path, path: str):
    from selenium.webdriver.common.by import By

    browser.get((site / path).as_uri())
    return browser.find_element(By.TAG_NAME, "main").text


def rows_with(browser, value: str) -> list:
    """Fact-table rows that show ``value`` as a whole cell value."""
    from selenium.webdriver.common.by import By

    return browser.find_elements(By.XPATH, f"//table[contains(@class,'facts') or contains(@class,'attributes')]"
                                           f"//tr[td//a[normalize-space()='{value}'] or td[normalize-space()='{value}']]")


def follow_all(browser, store, value: str) -> list[str]:
    """follow_evidence for every row showing ``value`` (found again after each visit)."""
    return [follow_evidence(browser, store, value, i) for i in range(len(rows_with(browser, value)))]


def follow_evidence(browser, store, value: str, index: int = 0) -> str:
    """Click the evidence link of the index-th row showing ``value``; check the viewer highlights
    exactly the quote and scrolled to it; come back; the quote."""
    from selenium.webdriver.common.by import By

    link = rows_with(browser, value)[index].find_element(By.CSS_SELECTOR, "a.ev")
    href = link.get_attribute("href")
    link.click()
    expected = exact_of(store, href)
    assert browser.execute_script(HIGHLIGHTED) == expected
    top = browser.execute_script("return document.getElementById('hl').getBoundingClientRect().top")
    assert 0 <= top < browser.execute_script("return window.innerHeight")  # scrolled into view
    quote = browser.find_element(By.CSS_SELECTOR, "blockquote.exact")
    assert quote.get_attribute("textContent") == expected  # every character kept; residue only hidden
    assert "$" not in quote.text and "[bookmark:" not in quote.text
    browser.back()
    return expected


def test_imbrave150_page_shows_the_sources_values(browser, site, store):
    text = open_page(browser, site, "resource/study/imbrave150.html")
    for value in ("IMbrave150: atezolizumab + bevacizumab", "IMbrave150: sorafenib", "336", "165", "19.2", "13.4",
                  "6.8", "6.9", "4.3", "33.2", "30", "0.63", "0.46", "0.85", "over 70 countries", "17 countries"):
        assert value in text, value
    quotes = follow_all(browser, store, "19.2")
    assert len(quotes) >= 3  # s000 text, s001 text, s001 Table 1 (and s000 Table 1)
    assert all("19.2" in q for q in quotes)
    assert any("Table" not in q and "mOS of 19.2 months" in q for q in quotes)


def test_table_row_evidence_highlights_the_row(browser, site, store):
    from selenium.webdriver.common.by import By

    open_page(browser, site, "resource/study/imbrave150.html")
    link = browser.find_element(By.XPATH, "//a[@class='ev' and normalize-space()='s001 table-1 row 1']")
    href = link.get_attribute("href")
    link.click()
    assert browser.execute_script(HIGHLIGHTED) == exact_of(store, href)
    assert browser.find_element(By.CSS_SELECTOR, "dd.table-row").text == "table-1, row 1"
    marked_cells = browser.find_elements(By.CSS_SELECTOR, "table#table-1 tr#table-1-row-1 td mark.hl")
    assert [m.text for m in marked_cells if m.text][:4] == ["IMbrave 150", "First", "III", "Atezolizumab + Bevacizumab"]
    browser.back()


def test_atezolizumab_page(browser, site, store):
    text = open_page(browser, site, "resource/drug/atezolizumab.html")
    for value in ("PD-L1", "atelizumab", "monoclonal antibody", "PD-L1 inhibitor", "atezolizumab + bevacizumab"):
        assert value in text, value
    quote = follow_evidence(browser, store, "PD-L1")
    assert "atezolizumab" in quote.lower() and "PD-L1" in quote


def test_pd1_page(browser, site, store):
    text = open_page(browser, site, "resource/target/pd-1.html")
    for value in ("pembrolizumab", "nivolumab", "camrelizumab", "sintilimab", "tislelizumab", "cadonilimab",
                  "programmed cell death protein 1"):
        assert value in text, value
    quotes = follow_all(browser, store, "pembrolizumab")
    assert len(quotes) >= 3
    assert all("pembrolizumab" in q.lower() for q in quotes)


def test_fda_2020_approval_page(browser, site, store):
    text = open_page(browser, site, "resource/approval/fda-2020-atezolizumab-bevacizumab-first-line.html")
    for value in ("FDA", "2020", "atezolizumab + bevacizumab", "first line", "IMbrave150",
                  "unresectable advanced HCC"):
        assert value in text, value
    quote = follow_evidence(browser, store, "2020")
    assert quote == ("In 2020, based on the results of IMbrave150, atezolizumab in combination with bevacizumab "
                     "was approved by the FDA as the first-line treatment for unresectable advanced HCC")


def test_forest_plot_marks_every_hazard_ratio(browser, site, store):
    from selenium.webdriver.common.by import By

    count = int(next(iter(store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?c <https://w3id.org/hcc-kg/ontology#hazardRatio> ?hr }",
        use_default_graph_as_union=True)))["n"].value)
    open_page(browser, site, "overview.html")
    marks = browser.find_elements(By.CSS_SELECTOR, "#forest svg g.mark[id^='hr-']")
    assert len(marks) == count > 0
    himalaya = browser.find_element(By.CSS_SELECTOR, "#forest g.mark[id^='hr-himalaya'] a")
    href = browser.execute_script("return new URL(arguments[0].getAttribute('xlink:href'), document.baseURI).href",
                                  himalaya)
    himalaya.click()
    assert browser.current_url == href
    quote = browser.execute_script(HIGHLIGHTED)
    assert quote == exact_of(store, href) and "0.78" in quote


def test_survival_plot_stands_beside_the_forest_plot(browser, site):
    """Issue 20: the medians per arm beside the hazard ratios (1280 px wide), one above the other
    on a narrow window."""
    from selenium.webdriver.common.by import By

    def boxes():
        return [browser.find_element(By.CSS_SELECTOR, f"#{s} svg").rect for s in ("forest", "survival")]

    open_page(browser, site, "overview.html")
    forest, survival = boxes()
    assert survival["x"] >= forest["x"] + forest["width"] and survival["y"] < forest["y"] + forest["height"]
    size = browser.get_window_size()
    try:
        browser.set_window_size(700, size["height"])
        forest, survival = boxes()
        assert survival["y"] >= forest["y"] + forest["height"]
    finally:
        browser.set_window_size(size["width"], size["height"])


def test_table_row_with_an_empty_first_cell_reads_under_its_headers(browser, site, store):
    """CARES-310's sorafenib row in s001 Table 1 starts with an empty cell (the trial's name is on
    the row above): each value stands under its own header, and the page opens scrolled to it."""
    from selenium.webdriver.common.by import By

    open_page(browser, site, "resource/study/cares-310.html")
    link = browser.find_element(By.XPATH, "//a[@class='ev' and normalize-space()='s001 table-1 row 17']")
    href = link.get_attribute("href")
    link.click()
    assert browser.execute_script(HIGHLIGHTED) == exact_of(store, href)
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "table#table-1 thead th")]
    cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "table#table-1 tr#table-1-row-17 td")]
    assert len(cells) == len(headers) == 15
    row = dict(zip(headers, cells))
    assert row["Trials"] == "" and row["Treatment arms"] == "Sorafenib"
    assert (row["Num- ber of patients"], row["mOS (months)"], row["mPFS (months)"], row["ORR (%)"],
            row["DCR (%)"]) == ("271", "15.2", "3.7", "19.0", "54.0")
    highlight = browser.find_element(By.ID, "hl")
    assert highlight.text == "First" and highlight.is_displayed()
    top = browser.execute_script("return document.getElementById('hl').getBoundingClientRect().top")
    assert 0 <= top < browser.execute_script("return window.innerHeight")  # scrolled into view
    browser.back()


def test_latex_in_the_source_reads_without_dollar_signs(browser, site, store):
    """s001 writes p-values as inline LaTeX ($p < 0.0001$): the viewer shows "p < 0.0001", and the
    highlighted text is still the stored quote, dollar signs included."""
    from selenium.webdriver.common.by import By

    browser.get((site / "resource/source/s001.html").as_uri())
    paragraph = browser.find_element(By.XPATH, "//p[contains(., 'CARES-310 is a global')]")
    assert "(5.6 vs. 3.7 months, p < 0.0001)" in paragraph.text and "$" not in paragraph.text
    assert "$p < 0.0001$" in paragraph.get_attribute("textContent")  # kept in the page, hidden


def test_query_page_form_returns_imbrave150s_card(browser):
    """On `hcc-kg serve`'s query page, the trial-card form (its default: IMbrave150) given the
    alias "Imbrave 150" opens the card in a tab of its own: IMbrave150's rows only, labels shown
    without their @en tag."""
    import sys

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from hcc_kg.bench.procs import free_port, running
    from hcc_kg.constants import RELEASE

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    bindings = "return yasgui.getTab().getYasr().results.getBindings()"
    with running([sys.executable, "-m", "hcc_kg.cli", "serve", "--port", str(port), "--release", str(RELEASE)],
                 url + "/", 120):
        browser.get(url + "/")
        Select(browser.find_element(By.ID, "canned-query")).select_by_value("trial-card")
        study = browser.find_element(By.CSS_SELECTOR, "fieldset[data-query='trial-card'] input[name='study']")
        assert study.is_displayed() and study.get_attribute("value") == "IMbrave150"  # the query's default
        others = browser.find_elements(By.CSS_SELECTOR, "fieldset[data-query='drug-card'] input")
        assert others and not any(o.is_displayed() for o in others)  # one form at a time
        study.clear()
        study.send_keys("Imbrave 150")
        browser.find_element(By.ID, "canned-run").click()
        WebDriverWait(browser, 60).until(lambda d: d.execute_script(
            "const r = yasgui.getTab().getYasr().results; return r && r.getBindings().length > 0"))
        rows = browser.execute_script(bindings)
        assert {r["study_label"]["value"] for r in rows} == {"IMbrave150"}
        assert {r["study"]["value"] for r in rows} == {RESOURCE + "study/imbrave150"}
        assert any(r["section"]["value"] == "06 outcome" and r["value"]["value"].startswith("mOS: 19.2")
                   for r in rows)
        table = WebDriverWait(browser, 30).until(lambda d: d.find_element(By.CSS_SELECTOR, ".yasr table.dataTable"))
        assert "IMbrave150" in table.text and "@en" not in table.text
        assert browser.execute_script("return yasgui.getTab().getName()") == "trial-card"
        study.clear()
        study.send_keys("IMbrave15O")
        browser.find_element(By.ID, "canned-run").click()
        error = WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "canned-error").text)
        assert error.startswith("query trial-card: parameter study: no entity named 'IMbrave15O'")


def test_search_box_finds_entities_by_any_of_their_names(browser, site):
    """The search box (lunr.js, bundled) on a page opened from file://: a prefix of a name, an
    alias with a space, a misspelling seen in the sources; Enter opens the first hit."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    def hits(text: str) -> list[str]:
        box = browser.find_element(By.ID, "search")
        box.clear()
        box.send_keys(text)
        WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results a"))
        return [a.get_attribute("href").split("/site/", 1)[1]
                for a in browser.find_elements(By.CSS_SELECTOR, "#search-results a")]

    open_page(browser, site, "resource/target/pd-1.html")
    assert hits("atezo")[0] == "resource/drug/atezolizumab.html"
    assert hits("atelizumab") == ["resource/drug/atezolizumab.html"]  # s000's misspelling
    assert hits("Imbrave 150")[0] == "resource/study/imbrave150.html"
    assert "resource/study/cares-310.html" in hits("CARES-310")
    browser.find_element(By.ID, "search").send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("resource/study/cares-310.html"))
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("CARES-310")
