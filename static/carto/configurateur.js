/* carto — configurateur du widget : construit l'extrait et montre l'aperçu. */
(function () {
  "use strict";
  var form = document.querySelector("[data-configurator]");
  var snippet = document.querySelector("[data-snippet]");
  var iframeSnippet = document.querySelector("[data-iframe-snippet]");
  var preview = document.querySelector("[data-preview]");
  var input = document.getElementById("c-territory");
  var list = document.getElementById("c-territory-options");
  var embedJs = snippet.dataset.embedJs;
  var embedUrl = iframeSnippet.dataset.embedUrl;
  var timer, items = [], shown = null;

  function attr(value) { return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;"); }

  function update() {
    var attrs = [], query = new URLSearchParams();
    var territory = form.elements.territory.value, theme = form.elements.theme.value, kind = form.elements.kind.value;
    var height = form.elements.height.value || "480";
    if (territory) { attrs.push('data-territory="' + attr(territory) + '"'); query.set("territory", territory); }
    if (theme) { attrs.push('data-theme="' + attr(theme) + '"'); query.set("theme", theme); }
    if (kind) { attrs.push('data-kind="' + attr(kind) + '"'); query.set("kind", kind); }
    attrs.push('data-height="' + attr(height) + '"');
    snippet.value = "<div data-carto-embed " + attrs.join(" ") + "></div>\n<script src=\"" + embedJs + "\" async></script>";
    var src = embedUrl + (query.toString() ? "?" + query.toString() : "");
    iframeSnippet.value = "<iframe src=\"" + attr(src) + "\" title=\"Carte : qui fait quoi, où ?\" style=\"border:0;width:100%;height:" + attr(height) + "px\" allow=\"geolocation\"></iframe>";
    // Reload the preview only when it would change (leaving the territory field also fires « change »).
    if (shown === src + " " + height) { return; }
    shown = src + " " + height;
    preview.textContent = "";
    var frame = document.createElement("iframe");
    frame.src = src;
    frame.title = "Aperçu du widget";
    frame.style.cssText = "border:0;width:100%;height:" + parseInt(height, 10) + "px";
    preview.appendChild(frame);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var text = input.value.trim();
    if (text.length < 2) { list.hidden = true; if (!text) { form.elements.territory.value = ""; update(); } return; }
    timer = setTimeout(function () {
      fetch(input.dataset.search + "?" + new URLSearchParams({q: text, limit: "8"})).then(function (r) { return r.json(); }).then(function (body) {
        items = body.results || [];
        list.textContent = "";
        items.forEach(function (result, index) {
          var option = document.createElement("li");
          option.setAttribute("role", "option");
          option.textContent = result.label + " — " + result.kind_label;
          option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(index); });
          list.appendChild(option);
        });
        list.hidden = !items.length;
        input.setAttribute("aria-expanded", items.length ? "true" : "false");
      });
    }, 200);
  });
  input.addEventListener("keydown", function (event) { if (event.key === "Enter" && items.length) { event.preventDefault(); choose(0); } });
  function choose(index) {
    var result = items[index];
    input.value = result.label;
    form.elements.territory.value = result.kind + ":" + result.code;
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    update();
  }
  form.addEventListener("change", update);
  document.querySelector("[data-copy]").addEventListener("click", function () {
    snippet.select();
    if (navigator.clipboard) { navigator.clipboard.writeText(snippet.value).catch(function () {}); } else { document.execCommand("copy"); }
    document.querySelector("[data-copied]").textContent = "Extrait copié.";
  });
  update();
})();
