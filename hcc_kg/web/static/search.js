// The site's search box: lunr.js (static/lunr/) over search-index.js (every entity's title, kind
// and the other names the sources give it), built in the browser when the page opens. Offline,
// and from file:// too (the index is a script, not a fetched file).
(function () {
  "use strict";
  var box = document.getElementById("search");
  var list = document.getElementById("search-results");
  if (!box || !list || !window.lunr || !window.HCC_SEARCH) return;
  var root = box.getAttribute("data-root") || "";
  var byRef = {};
  var index = lunr(function () {
    // no stemming, so that what one types is a prefix of what is indexed ("atezo" finds atezolizumab)
    this.pipeline.remove(lunr.stemmer);
    this.pipeline.remove(lunr.stopWordFilter);
    this.searchPipeline.remove(lunr.stemmer);
    this.ref("path");
    this.field("title", { boost: 10 });
    this.field("names");
    this.field("kind");
    window.HCC_SEARCH.forEach(function (doc) { byRef[doc.path] = doc; this.add(doc); }, this);
  });
  function search(text) {
    var tokens = lunr.tokenizer(text).map(String).filter(Boolean);
    if (!tokens.length) return [];
    return index.query(function (q) {
      tokens.forEach(function (t) {
        q.term(t, { presence: lunr.Query.presence.REQUIRED, wildcard: lunr.Query.wildcard.TRAILING,
                    usePipeline: false });
      });
    });
  }
  function show() {
    list.innerHTML = "";
    var hits = search(box.value).slice(0, 15);
    hits.forEach(function (hit) {
      var doc = byRef[hit.ref];
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = root + doc.path;
      link.textContent = doc.title;
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = doc.kind;
      item.appendChild(link);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(kind);
      list.appendChild(item);
    });
    list.hidden = !hits.length;
  }
  box.addEventListener("input", show);
  box.addEventListener("keydown", function (event) {
    var first = list.querySelector("a");
    if (event.key === "Enter" && first) { event.preventDefault(); window.location.href = first.href; }
  });
})();
