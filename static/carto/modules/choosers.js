/* The choosers of the initiative form, on the ARIA combobox (combobox.js): its territories
 * (communes, EPCI, bassins de vie, kept as « kind:code » in a hidden field, each shown with
 * a button to remove it) and its organiser (a listed actor found by name, or a new one
 * with its commune). Every label is set as text. */
import {el} from "./dom.js";
import {getJSON} from "./api.js";
import {combobox, territorySource} from "./combobox.js";

const KIND_WORDS = {commune: "commune", epci: "EPCI", bv: "bassin de vie"};

/* `block`: the fieldset [data-territories]; `url`: the territories' search. */
export function territoriesChooser(block, url) {
  const value = block.querySelector("[data-territories-value]");
  const list = block.querySelector("[data-territories-chosen]");
  const search = block.querySelector("[data-territories-search]");
  const input = search.querySelector("input");
  search.hidden = false;

  function codes() {
    return Array.from(list.children, (item) => item.dataset.code);
  }

  function sync() { value.value = codes().join(" "); }

  function bindRemove(item) {
    item.querySelector("[data-remove]").addEventListener("click", () => {
      item.remove();
      sync();
      input.focus();
    });
  }

  function add(result) {
    const code = result.kind + ":" + result.code;
    if (codes().includes(code)) { return; }
    const label = result.name + " (" + (KIND_WORDS[result.kind] || result.kind_label) + ")";
    const item = el("li", {"data-code": code}, [
      el("span", {text: label}),
      document.createTextNode(" "),
      el("button", {type: "button", className: "lien", "data-remove": "", "aria-label": "Retirer " + label, text: "retirer"})
    ]);
    list.appendChild(item);
    bindRemove(item);
    sync();
  }

  Array.from(list.children).forEach(bindRemove);
  combobox(input, {sources: [territorySource(url, ["commune", "epci", "bv"])], onChoose: add});
}

// Listed actors matching the text (the directory's full-text search), as combobox results.
function actorSource(url) {
  return (text) => getJSON(url + "?" + new URLSearchParams({q: text, page_size: "8"}))
    .then((body) => body.features.map((feature) => ({
      id: feature.id,
      label: feature.properties.name,
      kind_label: [feature.properties.kind_label, feature.properties.city].filter(Boolean).join(", ")
    })));
}

/* `block`: the fieldset [data-organizer]; `config`: the page's configuration. */
export function organizerChooser(block, config) {
  const existing = block.querySelector("[data-organizer-existing]");
  const fresh = block.querySelector("[data-organizer-new]");
  const radios = Array.from(block.querySelectorAll('input[name="organizer_choice"]'));
  const id = existing.querySelector('input[name="organizer"]');
  const chosen = existing.querySelector("[data-organizer-chosen]");
  const search = existing.querySelector("[data-organizer-search]");
  const commune = fresh.querySelector("[data-commune-search]");
  const communeCode = fresh.querySelector('input[name="organizer_commune_code"]');

  function toggle() {
    const choice = (radios.find((radio) => radio.checked) || {}).value;
    existing.hidden = choice !== "existing";
    fresh.hidden = choice !== "new";
  }
  radios.forEach((radio) => radio.addEventListener("change", toggle));
  toggle();

  combobox(search, {
    sources: [actorSource(config.actors)],
    keepLabel: true,
    onType() { id.value = ""; chosen.hidden = true; },
    onChoose(result) {
      id.value = String(result.id);
      chosen.querySelector("span").textContent = result.label + " (" + result.kind_label + ")";
      chosen.hidden = false;
    }
  });
  combobox(commune, {
    sources: [territorySource(config.search, ["commune"])],
    keepLabel: true,
    onType() { communeCode.value = ""; },
    onChoose(result) { communeCode.value = result.code; }
  });
}
