/* carto — the widget's configurator (/embed/configurateur/): builds the snippets to paste
 * and shows the widget as configured: the directory, or the agenda preset (mode=agenda with
 * its window and format; the actor kind does not apply to it). */
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

// The parameters the form sets, in the widget's names (embed.js reads data-<name>).
function chosen() {
  const agenda = form.elements.mode.value === "agenda";
  const dates = agenda && form.elements.periode.value === "dates";
  document.querySelectorAll("[data-agenda-only]").forEach((node) => { node.hidden = !agenda; });
  document.querySelector("[data-agenda-dates]").hidden = !dates;
  document.querySelector("[data-directory-only]").hidden = agenda;
  const names = ["territory", "theme"].concat(agenda ? ["mode", "periode", "format"] : ["kind"], dates ? ["du", "au"] : []);
  const error = document.querySelector("[data-dates-error]");
  const {du, au} = form.elements;
  error.textContent = !dates ? "" : !du.value || !au.value ? "Choisissez les deux dates (du et au)."
    : au.value < du.value ? "La date de fin (au) doit suivre la date de début (du)." : "";
  error.hidden = !error.textContent;
  return names.map((name) => [name, form.elements[name].value]).filter(([, value]) => value);
}

function update() {
  const attrs = [];
  const query = new URLSearchParams();
  const height = form.elements.height.value || "480";
  for (const [name, value] of chosen()) {
    attrs.push(`data-${name}="${attr(value)}"`);
    query.set(name, value);
  }
  attrs.push(`data-height="${attr(height)}"`);
  snippet.value = `<div data-carto-embed ${attrs.join(" ")}></div>\n<script src="${embedJs}" async></script>`;
  const src = embedUrl + (query.toString() ? "?" + query : "");
  const title = query.get("mode") === "agenda" ? "Agenda : les séances à venir" : "Carte : qui fait quoi, où ?";
  iframeSnippet.value = `<iframe src="${attr(src)}" title="${title}" style="border:0;width:100%;height:${attr(height)}px" allow="geolocation"></iframe>`;
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
