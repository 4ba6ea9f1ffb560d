"""The site: entity pages, the source viewer, plots, `hcc-kg site` and `respond` (content negotiation).

Drawn from the committed release (the release tests check it equals a fresh build)."""

from __future__ import annotations

import html
import re

import pytest
from click.testing import CliRunner

from hcc_kg.answer.store import open_release, store_of
from hcc_kg.cli import main
from hcc_kg.constants import RELEASE, RELEASE_NQ, RESOURCE
from hcc_kg.web.site import Site, SourceText, make_responder

EXACT = """PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?ev ?source ?start ?end ?exact WHERE {
  ?ev oa:hasSource ?source ; oa:hasSelector ?p, ?q .
  ?p oa:start ?start ; oa:end ?end . ?q oa:exact ?exact }"""


@pytest.fixture(scope="module")
def site():
    return Site(open_release())


@pytest.fixture(scope="module")
def respond():
    return make_responder(RELEASE)


def marked(page: str) -> str:
    """The text of every <mark class="hl"> in page order, as a browser's textContent gives it."""
    return "".join(html.unescape(re.sub(r"<[^>]+>", "", m)) for m in re.findall(r'<mark class="hl"[^>]*>(.*?)</mark>',
                                                                                 page, re.DOTALL))


def test_every_evidence_highlights_exactly_its_quote(site):
    """For all evidence in the release: the marked characters are the quote, tables included."""
    rows = list(site.store.query(EXACT, use_default_graph_as_union=True))
    assert len(rows) > 400
    for row in rows:
        sid = row["source"].value.rsplit("/", 1)[-1]
        body = site.texts[sid].html(int(row["start"].value), int(row["end"].value))
        assert marked(body) == row["exact"].value, row["ev"].value
        assert body.count('id="hl"') == 1


def test_tables_are_drawn_as_tables_with_rows(site):
    page = site.page("resource/evidence/s001-12398-12500.html")
    assert page.count('<table class="source-table"') == 2  # s001 Table 1 and Table 2
    assert '<dd class="table-row">table-1, row 1</dd>' in page
    assert re.search(r'<tr id="table-1-row-1"><td>(<span class="sep">.*?</span>)?<mark class="hl" id="hl">IMbrave 150', page)


def test_source_text_is_escaped():
    text = SourceText('He said "<script>alert(1)</script>" & left.', [])
    body = str(text.html(9, 34))
    assert "<script>" not in body
    assert marked(body) == "<script>alert(1)</script>"


def test_quote_with_script_renders_as_text(tmp_path):
    """Curated text reaches pages only escaped: a quote, a note and a label holding <script>."""
    nquads = (RELEASE / RELEASE_NQ).read_text(encoding="utf-8")
    graph = "<https://w3id.org/hcc-kg/graph/asserted>"
    evil = '"<script>alert(\\"x\\")</script>"'
    extra = "\n".join([
        f"<{RESOURCE}evidence/s001-6115-6286#quote> <http://www.w3.org/ns/oa#exact> {evil} {graph} .",
        f"<{RESOURCE}study/imbrave150> <https://w3id.org/hcc-kg/ontology#curatorNote> {evil} {graph} .",
        f"<{RESOURCE}study/imbrave150> <http://www.w3.org/2004/02/skos/core#altLabel> {evil} {graph} .",
    ])
    site = Site(store_of(nquads + extra + "\n"))
    for path in ("resource/study/imbrave150.html", "resource/evidence/s001-6115-6286.html"):
        page = site.page(path)
        assert "<script>alert" not in page, path
        assert "&lt;script&gt;alert(" in page, path


def test_study_page_shows_arms_values_flags_and_plots(site):
    page = site.page("resource/study/imbrave150.html")
    for text in ("IMbrave150: atezolizumab + bevacizumab", "19.2", "13.4", "0.63", "0.46", "0.85", "NCT03434379",
                 "https://www.clinicaltrials.gov/study/NCT03434379", "over 70 countries"):
        assert text in page, text
    assert 'class="badge disputed"' in page and 'class="badge conflict"' in page
    assert page.count("<svg") == 3  # the forest plot, median OS and PFS, and the response rates
    assert 'id="hr-imbrave150-atezolizumab-bevacizumab-vs-sorafenib-qol-s000"' in page


def test_study_22_page_shows_the_doubt_beside_each_doubted_value(site):
    """Issue 22: the suspected swap of s000 Table 1's monotherapy columns (doubts.yaml) stands next
    to each of the eight values it doubts; the values themselves are as printed."""
    page = html.unescape(site.page("resource/study/study-22.html"))
    note = "Suspected source error: s000 Table 1's attribution of Study 22's second and third values"
    assert page.count(note) == 8
    assert "Outside reference: Kelley RK et al." in page
    for value in ("13.6", "10.6", "15.1", "7.2", "11.17", "23.95"):
        assert value in page, value


def test_inferred_classes_are_marked(site):
    page = site.page("resource/drug/atezolizumab.html")
    inferred = re.findall(r'<span class="class inferred"><a [^>]*>([^<]+)</a>', page)
    asserted = re.findall(r'<span class="class asserted"><a [^>]*>([^<]+)</a>', page)
    assert sorted(inferred) == ["PD-L1 inhibitor", "drug", "immune checkpoint inhibitor"]
    assert asserted == ["monoclonal antibody"]
    assert "atelizumab" in page  # a misspelling seen in s000


def test_forest_plot_has_a_mark_per_hazard_ratio(site):
    count = next(iter(site.store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?c <https://w3id.org/hcc-kg/ontology#hazardRatio> ?hr }",
        use_default_graph_as_union=True)))["n"].value
    page = site.page("overview.html")
    marks = re.findall(r'<g id="hr-[a-z0-9-]+" class="mark"><title>.*?<a xlink:href="([^"]+)"', page, re.DOTALL)
    assert len(marks) == int(count) > 0
    assert all(m.startswith("resource/evidence/") and m.endswith(".html#hl") for m in marks)


def test_pages_are_deterministic_and_offline(site):
    first = site.page("overview.html")
    assert first == Site(open_release()).page("overview.html")
    assert not re.search(r'(src|href)="(https?:)?//[^"]*\.(js|css)', first)  # no CDN
    assert re.findall(r'<script src="([^"]+)"', first) == ["static/lunr/lunr.min.js", "search-index.js",
                                                            "static/search.js"]  # the search box, bundled


@pytest.mark.slow
def test_site_command_writes_every_page(site_written):
    target, output = site_written
    assert re.match(r"wrote .*: \d+ pages in [\d.]+ s", output)
    for path in ("index.html", "overview.html", "ontology.html", "ontology.ttl", "static/site.css", "resource/study/imbrave150.html",
                 "resource/study/imbrave150.ttl", "resource/study/imbrave150.nt", "resource/study/imbrave150.jsonld",
                 "resource/evidence/s000-10579-10694.html", "resource/drug/index.html"):
        assert (target / path).is_file(), path
    page = (target / "resource/study/imbrave150.html").read_text(encoding="utf-8")
    assert 'href="../../static/site.css"' in page and 'href="../drug/' not in page.split("<main>")[0]
    assert not re.search(r'href="/', page)  # relative links only


def test_site_command_refuses_a_file_as_target(tmp_path):
    target = tmp_path / "taken"
    target.write_text("x")
    result = CliRunner().invoke(main, ["site", str(target)])
    assert result.exit_code == 1
    assert result.output == f"error: {target}: exists and is not a folder\n"


def test_site_command_never_replaces_a_folder_that_is_not_a_site(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(main, ["site", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {tmp_path}: a folder with other files in it;")
    assert (tmp_path / "notes.txt").read_text() == "keep me" and len(list(tmp_path.iterdir())) == 1


def test_site_command_names_an_unwritable_target(tmp_path):
    (tmp_path / "file").write_text("x")
    result = CliRunner().invoke(main, ["site", str(tmp_path / "file" / "site")])
    assert result.exit_code == 1
    assert result.output == f"error: {tmp_path / 'file' / 'site'}: cannot write the site: {tmp_path / 'file'} is not a folder\n"


def test_turtle_description_has_the_evidence(respond):
    from rdflib import Graph, Literal, URIRef

    status, ctype, body = respond("/resource/study/imbrave150", "text/turtle")
    assert (status, ctype) == (200, "text/turtle; charset=utf-8")
    graph = Graph().parse(data=body.decode(), format="turtle")
    oa = "http://www.w3.org/ns/oa#"
    study = URIRef(RESOURCE + "study/imbrave150")
    assert (study, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("IMbrave150", lang="en")) in graph
    exact = Literal("The IMbrave150 study[39], conducted in over 70 countries, was a phase III, multicenter "
                    "open-ended study.")
    assert (URIRef(RESOURCE + "evidence/s000-10287-10391#quote"), URIRef(oa + "exact"), exact) in graph


def test_approval_description_in_each_format(respond):
    from rdflib import Graph, URIRef

    iri = URIRef(RESOURCE + "approval/fda-2020-atezolizumab-bevacizumab-first-line")
    graphs = {}
    for accept, fmt in (("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld")):
        status, ctype, body = respond("/resource/approval/fda-2020-atezolizumab-bevacizumab-first-line", accept)
        assert status == 200 and ctype.startswith(accept)
        graphs[fmt] = Graph().parse(data=body.decode(), format=fmt)
        assert (iri, URIRef("https://w3id.org/hcc-kg/ontology#approvalYear"), None) in graphs[fmt]
    assert len(graphs["turtle"]) == len(graphs["nt"]) == len(graphs["json-ld"]) > 10


def test_browser_gets_html_and_extensions_override(respond):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    status, ctype, body = respond("/resource/drug/atezolizumab", accept)
    assert (status, ctype) == (200, "text/html; charset=utf-8") and b"<h1>atezolizumab" in body
    assert respond("/resource/drug/atezolizumab.ttl", accept)[1] == "text/turtle; charset=utf-8"
    assert respond("/resource/drug/atezolizumab", "")[1].startswith("text/html")
    assert respond("/resource/drug/atezolizumab", None)[1].startswith("text/html")  # no Accept header
    assert respond("/resource/drug/atezolizumab.html?x=1", "text/turtle")[1].startswith("text/html")
    status, ctype, body = respond("/resource/drug/atezolizumab", "image/png")
    assert status == 406 and b"text/turtle" in body


def test_ontology_terms_dereference(respond):
    from rdflib import Graph, URIRef

    _, _, body = respond("/ontology", "text/turtle")
    graph = Graph().parse(data=body.decode(), format="turtle")
    assert (URIRef("https://w3id.org/hcc-kg/ontology#PD1Inhibitor"), None, None) in graph
    status, _, body = respond("/ontology", "text/html")
    assert status == 200 and b'id="PD1Inhibitor"' in body


def test_unknown_iri_is_404_and_other_paths_are_not_ours(respond):
    assert respond("/resource/drug/no-such-drug", "text/turtle")[0] == 404
    assert respond("/resource/nokind/x", "text/html")[0] == 404
    assert respond("/resource/drug/Bad_Slug", "text/html")[0] == 404
    assert respond("/static/missing.js", "")[0] == 404
    for path in ("/", "/index.html", "/query", "/store", "/update"):
        assert respond(path, "text/html") is None, path


def test_site_pages_are_served(respond):
    for path, ctype in (("/overview.html", "text/html"), ("/static/site.css", "text/css"),
                        ("/resource/study/index.html", "text/html"),
                        ("/resource/evidence/s001-6115-6286.html", "text/html")):
        status, got, body = respond(path, "*/*")
        assert status == 200 and got.startswith(ctype), path
    body = respond("/resource/evidence/s001-6115-6286", "text/html")[2].decode()
    assert marked(body) == ("In 2020, based on the results of IMbrave150, atezolizumab in combination with "
                            "bevacizumab was approved by the FDA as the first-line treatment for unresectable "
                            "advanced HCC")


@pytest.mark.slow
def test_served_by_hcc_kg_serve_on_loopback():
    """The IRIs through a real `hcc-kg serve`: Turtle with the evidence, HTML, 404, the style sheet."""
    import sys
    import urllib.error
    import urllib.request

    from rdflib import Graph, Literal, URIRef

    from hcc_kg.bench.procs import free_port, running

    def get(path: str, accept: str) -> tuple[int, str, str, bytes]:
        request = urllib.request.Request(url + path, headers={"Accept": accept})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.headers["Content-Type"], response.headers["Vary"], response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers["Content-Type"], err.headers["Vary"], err.read()

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running([sys.executable, "-m", "hcc_kg.cli", "serve", "--port", str(port), "--release", str(RELEASE)],
                 url + "/", 120):
        status, ctype, vary, body = get("/resource/approval/fda-2020-atezolizumab-bevacizumab-first-line",
                                        "text/turtle")
        assert (status, ctype, vary) == (200, "text/turtle; charset=utf-8", "Accept")
        graph = Graph().parse(data=body.decode(), format="turtle")
        quote = URIRef(RESOURCE + "evidence/s001-6115-6286#quote")
        assert (quote, URIRef("http://www.w3.org/ns/oa#exact"),
                Literal("In 2020, based on the results of IMbrave150, atezolizumab in combination with bevacizumab "
                        "was approved by the FDA as the first-line treatment for unresectable advanced HCC")) in graph
        status, ctype, _, body = get("/resource/study/imbrave150", "text/html,application/xhtml+xml,*/*;q=0.8")
        assert status == 200 and ctype.startswith("text/html") and b"<h1>IMbrave150" in body
        assert get("/resource/study/no-such-trial", "text/turtle")[0] == 404
        status, ctype, _, body = get("/static/site.css", "text/css")
        assert status == 200 and ctype.startswith("text/css") and b"mark.hl" in body
        assert get("/overview.html", "text/html")[0] == 200


def test_a_row_with_an_empty_first_cell_keeps_its_columns(site):
    """s001 Table 1 row 17 (CARES-310's sorafenib arm) starts with a tab: an empty first cell, so
    15.2 stands in the mOS column (the sixth), not the fifth."""
    page = site.page("resource/evidence/s001-13755-13813.html")
    row = re.search(r'<tr id="table-1-row-17">(.*?)</tr>', page, re.DOTALL).group(1)
    cells = [re.sub(r'<span class="sep">.*?</span>|<[^>]+>', "", c, flags=re.DOTALL)
             for c in re.findall(r"<td>(.*?)</td>", row, re.DOTALL)]
    header = re.search(r'<table class="source-table" id="table-1".*?<thead><tr>(.*?)</tr>', page, re.DOTALL).group(1)
    assert len(cells) == header.count("<th>") == 15
    assert cells[:9] == ["", "First", "III", "Sorafenib", "271", "15.2", "3.7", "19.0", "54.0"]
    assert '<mark class="hl" id="hl">First</mark>' in row  # the link's target is shown, not the hidden tab


def test_latex_and_bookmarks_are_hidden_not_removed(site):
    page = site.page("resource/source/s001.html")
    assert '(5.6 vs. 3.7 months, <span class="sep">$</span>p &lt; 0.0001<span class="sep">$</span>)' in page
    bookmark = re.search(r'<span class="sep">(\[bookmark: [^\]]*\])</span>', site.page("resource/source/s000.html"))
    assert bookmark, "a Word bookmark drawn hidden"


def test_study_page_opens_on_a_summary_in_clinical_order(site):
    """IMbrave150: header, arms, then a results grid (endpoint rows x arm columns, effect column),
    efficacy rows (OS first) before safety rows; the fact tables follow as details."""
    page = site.page("resource/study/imbrave150.html")
    summary, details = page.split('<h2 class="details">')
    assert '<section class="study-summary">' in summary and 'class="facts"' in details
    grid = re.search(r'<table class="results">(.*?)</table>', summary, re.DOTALL).group(1)
    columns = re.findall(r'<th><a href="[^"]+">([^<]+)</a></th>', grid.split("</thead>")[0])
    assert columns == ["atezolizumab + bevacizumab", "sorafenib"]
    rows = [(kind, html.unescape(label), body) for kind, label, body in
            re.findall(r'<tr class="(efficacy|safety)"><th>([^<]+)</th>(.*?)</tr>', grid, re.DOTALL)]
    names = [label for _, label, _ in rows]
    assert names[:3] == ["mOS", "mOS · Chinese subgroup", "mPFS"]
    first_safety = names.index("AE>=3")
    assert {kind for kind, _, _ in rows[:first_safety]} == {"efficacy"}
    assert {kind for kind, _, _ in rows[first_safety:]} == {"safety"}
    cells = [re.sub(r"<details.*?</details>|<[^>]+>", " ", c, flags=re.DOTALL)
             for c in re.findall(r"<td>(.*?)</td>", rows[0][2], re.DOTALL)]
    assert "19.2 months" in cells[0] and "13.4 months" in cells[1] and "p &lt; 0.001" in cells[2]
    qol = next(body for _, label, body in rows if label == "QoL")
    assert "HR 0.63 (95% CI 0.46–0.85)" in qol
    # each value's quote is shortened to what holds it, the full quote a click away
    assert "<summary>“Results revealed a mOS of 19.2 months with the T + A regimen" in rows[0][2]
    assert "<summary>“mOS (months): 13.4”</summary>" not in rows[0][2]  # one quote shown per value
    assert "<cite>s001 table-1 row 1</cite> IMbrave 150 First III" in rows[0][2]  # the full row, a click away
    assert "[bookmark:" not in summary


def test_quotes_are_cleaned_and_shortened_for_display_only():
    from hcc_kg.web.site.display import clean, short_quote

    row = "IMbrave150[bookmark: _Hlk155090893]\n\tFirst\n\t19.2"
    assert clean(row) == "IMbrave150 First 19.2"
    assert clean("(22.1 vs. 15.2 months, $p < 0.0001$)") == "(22.1 vs. 15.2 months, p < 0.0001)"
    assert short_quote(row, ["19.2"], {"Trial": "IMbrave150", "mOS (months)": "19.2"}) == "mOS (months): 19.2"
    text = "CARES-310 enrolled 543 patients. The mOS was 22.1 vs. 15.2 months ($p < 0.0001$). It was open-label."
    assert short_quote(text, ["22.1"]) == "The mOS was 22.1 vs. 15.2 months (p < 0.0001)."


def test_canned_query_text_with_its_parameters_bound(respond):
    """What the query page's forms run: the canned query with the given parameters (defaults for
    the rest) bound as a VALUES block, the entity resolved from any of its names."""
    status, ctype, body = respond("/canned/trial-card.rq?study=Imbrave+150", "*/*")
    assert (status, ctype) == (200, "application/sparql-query; charset=utf-8")
    assert f"VALUES (?study) {{ (<{RESOURCE}study/imbrave150>) }}" in body.decode()
    status, _, body = respond("/canned/trial-card.rq", "*/*")  # the default, IMbrave150
    assert status == 200 and f"(<{RESOURCE}study/imbrave150>)" in body.decode()
    status, _, body = respond("/canned/trial-card.rq?study=IMbrave15O", "*/*")
    assert status == 400 and body.decode().startswith("query trial-card: parameter study: no entity named 'IMbrave15O'")
    status, _, body = respond("/canned/trial-card.rq?trial=IMbrave150", "*/*")
    assert status == 400 and "unknown parameter(s) trial" in body.decode()
    status, _, body = respond("/canned/trial-cards.rq", "*/*")
    assert status == 400 and "no canned query 'trial-cards'" in body.decode()


def test_search_index_names_every_entity_by_its_names(site, respond):
    """search-index.js: a document per searched entity with its page, title, kind and other names."""
    import json

    text = site.search_index()
    assert text.startswith("window.HCC_SEARCH = ") and text == Site(open_release()).search_index()
    docs = {d["path"]: d for d in json.loads(text.removeprefix("window.HCC_SEARCH = ").rstrip(";\n"))}
    study = docs["resource/study/imbrave150.html"]
    assert study["title"] == "IMbrave150" and study["kind"] == "study"
    assert "IMbrave 150" in study["names"] and "NCT03434379" in study["names"]
    assert "atelizumab" in docs["resource/drug/atezolizumab.html"]["names"]
    assert not any(path.startswith(("resource/evidence/", "resource/measurement/")) for path in docs)
    assert respond("/search-index.js", "*/*")[2].decode() == text
    assert respond("/static/lunr/lunr.min.js", "*/*")[0] == 200


def test_drug_and_target_pages_gather_trials_regimens_approvals_and_mechanisms(site):
    page = site.page("resource/drug/atezolizumab.html")
    glance = html.unescape(re.sub(r"<[^>]+>", "", page.split('<section class="around">')[1].split('<h2 class="details">')[0]))
    assert re.search(r"targets\s*PD-L1", glance)
    assert "atezolizumab + bevacizumab" in glance and "atezolizumab + cabozantinib" in glance
    imbrave = page.split('<a href="../../resource/study/imbrave150.html">IMbrave150</a> · phase III · first line</h4>')[1]
    grid = imbrave.split("</table>")[0]
    assert "19.2 months" in grid and "13.4 months" in grid and "p &lt; 0.001" in grid  # both arms, the effect
    assert re.search(r"Approvals \(\d+\)", glance) and "FDA" in glance and "2020" in glance
    assert "Trials (14)" in glance and "COSMIC-312" in glance
    target = html.unescape(re.sub(r"<[^>]+>", "", site.page("resource/target/pd-1.html").split('<section class="around">')[1]))
    drugs = re.search(r"drugs\s*(.*?)\s*regimens", target, re.DOTALL).group(1)
    for drug in ("nivolumab", "pembrolizumab", "camrelizumab", "sintilimab", "tislelizumab"):
        assert drug in drugs, drug
    assert "atezolizumab" not in drugs  # a PD-L1 inhibitor


def test_survival_plot_has_a_labelled_dot_per_median(site):
    """Median OS and PFS in months, per arm of a study: one dot each, its value written beside it."""
    count = int(next(iter(site.store.query("""PREFIX hcc: <https://w3id.org/hcc-kg/ontology#>
        SELECT (COUNT(*) AS ?n) WHERE { VALUES ?e { hcc:MedianOS hcc:MedianPFS }
          ?m hcc:endpoint ?e ; hcc:unit <http://purl.obolibrary.org/obo/UO_0000035> ; hcc:value ?v ; hcc:arm ?arm .
          ?study hcc:hasArm ?arm }""", use_default_graph_as_union=True)))["n"].value)
    page = site.page("overview.html")
    survival = page.split('<section id="survival">')[1].split("</section>")[0]
    marks = dict(re.findall(r'<g id="(os-[a-z0-9-]+)" class="mark"><title>([^<]*)</title>', survival))
    assert len(marks) == count > 50
    assert any(t.startswith("mOS 15.2 months · CARES-310 · sorafenib [s001") for t in marks.values())
    labels = re.findall(r"<text [^>]*>([0-9.]+)</text>", survival)
    assert {"15.2", "22.1", "3.7", "5.6"} <= set(labels)
    response = page.split('<section id="response">')[1].split("</section>")[0]
    assert {"33.2", "13.3"} <= set(re.findall(r"<text [^>]*>([0-9.]+)</text>", response))  # IMbrave150's ORRs


def test_evidence_quote_hides_word_bookmarks(site):
    """The quote on an evidence page reads without Word's bookmarks; its text is still the stored quote."""
    page = site.page("resource/evidence/s000-31689-31934.html")
    quote = re.search(r'<blockquote class="exact">(.*?)</blockquote>', page, re.DOTALL).group(1)
    assert '<span class="sep">[bookmark: _Hlk155090751]</span>Reflect' in quote
    exact = site.selector(RESOURCE + "evidence/s000-31689-31934", "http://www.w3.org/ns/oa#exact")
    assert html.unescape(re.sub(r"<[^>]+>", "", quote)) == exact
