"""Web: HTTP requests in, SPARQL answers and pages out.

serve (the SPARQL 1.1 endpoint and its routes) with admission (who may run how many queries) over
answer/; site/ (the static pages, one module per page kind, and their plots) from the release;
templates/ and static/ (Jinja templates with autoescape, CSS, the bundled YASGUI and lunr);
browser (headless chromium, for the tests and the screenshots).
"""
