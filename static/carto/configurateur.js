/* carto — the widget's configurator (/embed/configurateur/): builds the snippets to paste
 * and shows the widget as configured. */
import {copyField} from "./modules/dom.js";
import {combobox, territorySource} from "./modules/combobox.js";

const form = document.querySelector("[data-configurator]");
const snippet = document.querySelector("[data-snippet]");
const iframeSnippet = document.querySelector("[data-iframe-snippet]");
const preview = document.querySelector("[data-preview]");
const input = document.getElementById("c-territory");
const embedJs = snippet.dataset.embedJs;
const embedUrl = iframeSnippet.dataset.embedUrl;
let shown = null;

// A value escaped for a double-quoted HTML attribute (the snippets are HTML to paste).
function attr(value) { return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;"); }

function update() {
  const attrs = [];
  const query = new URLSearchParams();
  const height = form.elements.height.value || "480";
  for (const name of ["territory", "theme", "kind"]) {
    const value = form.elements[name].value;
    if (value) { attrs.push(`data-${name}="${attr(value)}"`); query.set(name, value); }
  }
  attrs.push(`data-height="${attr(height)}"`);
  snippet.value = `<div data-carto-embed ${attrs.join(" ")}></div>\n<script src="${embedJs}" async></script>`;
  const src = embedUrl + (query.toString() ? "?" + query : "");
  iframeSnippet.value = `<iframe src="${attr(src)}" title="Carte : qui fait quoi, où ?" style="border:0;width:100%;height:${attr(height)}px" allow="geolocation"></iframe>`;
  // Reload the preview only when it would change (leaving the territory field also fires « change »).
  if (shown === src + " " + height) { return; }
  shown = src + " " + height;
  const frame = document.createElement("iframe");
  frame.src = src;
  frame.title = "Aperçu du widget";
  frame.style.cssText = "border:0;width:100%;height:" + parseInt(height, 10) + "px";
  preview.replaceChildren(frame);
}

combobox(input, {
  sources: [territorySource(input.dataset.search)],
  keepLabel: true,
  onType(text) { if (!text) { form.elements.territory.value = ""; update(); } },
  onChoose(result) { form.elements.territory.value = result.kind + ":" + result.code; update(); }
});
form.addEventListener("change", update);
document.querySelector("[data-copy]").addEventListener("click", () => {
  copyField(snippet);
  document.querySelector("[data-copied]").textContent = "Extrait copié.";
});
update();
