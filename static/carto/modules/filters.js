/* The map's filter form: the facets built from the vocabularies, the form kept in step with
 * the state, the chips of the chosen territory and place, and what the form's events change. */
import {el, checkedValues} from "./dom.js";
import {AGENDA_KEYS, LIST_KEYS, clearFilters} from "./state.js";
import {pastille} from "./legend.js";

const VOCABULARIES = {kind: "kinds", theme: "themes", public: "publics"};

/* Handlers: onChange(push) once a filter changed (push: a history step), onOverlays() once the
 * outlines to show changed, onMode() once the mode, level or indicator changed. */
export function createFilters(root, config, state, {onChange, onOverlays, onMode}) {
  const form = root.querySelector("[data-filters]");
  let debounce;

  LIST_KEYS.forEach((key) => {
    const box = form.querySelector(`[data-facet="${key}"]`);
    config[VOCABULARIES[key]].forEach((term) => {
      const input = el("input", {type: "checkbox", name: key, value: term.slug});
      // A kind shows its marker, as on the map and in the legend.
      const mark = key === "kind" ? pastille(term.slug) : null;
      box.appendChild(el("label", {}, [input, document.createTextNode(" "), mark, document.createTextNode((mark ? " " : "") + term.label)]));
    });
  });

  // A removable chip saying what is chosen (hidden when `text` is empty).
  function chip(selector, text, onClear) {
    const node = root.querySelector(selector);
    node.textContent = "";
    node.hidden = !text;
    if (!text) { return; }
    node.appendChild(document.createTextNode(text + " "));
    const clear = el("button", {type: "button", className: "lien", "aria-label": "Retirer : " + text, text: "retirer"});
    clear.addEventListener("click", onClear);
    node.appendChild(clear);
  }

  // Show the state in the form.
  function sync() {
    form.elements.q.value = state.q;
    LIST_KEYS.concat(AGENDA_KEYS, "overlay").forEach((key) => {
      const chosen = key === "overlay" ? state.overlays : state[key];
      form.querySelectorAll(`input[name="${key}"]`).forEach((box) => { box.checked = chosen.includes(box.value); });
    });
    form.elements.radius_km.value = state.radius;
    if (form.elements.mode) {
      form.querySelectorAll('input[name="mode"]').forEach((radio) => { radio.checked = radio.value === state.mode; });
      form.elements.level.value = state.level;
      form.elements.metric.value = state.metric;
      root.querySelector("[data-coverage-options]").hidden = state.mode !== "couverture";
      root.classList.toggle("mode-couverture", state.mode === "couverture");
    }
    // The agenda's window and facets (the widget's agenda preset has no mode switch).
    root.classList.toggle("mode-agenda", state.mode === "agenda");
    root.querySelector("[data-agenda-options]").hidden = state.mode !== "agenda";
    form.elements.periode.value = state.periode;
    form.elements.du.value = state.du;
    form.elements.au.value = state.au;
    root.querySelector("[data-dates]").hidden = state.periode !== "dates";
    if (LIST_KEYS.some((key) => state[key].length)) { root.querySelector("[data-facets]").open = true; }
    chip("[data-territory-chip]", state.territory ? (state.territoryLabel || state.territory) : "", () => {
      Object.assign(state, {territory: "", territoryLabel: ""});
      onChange(true);
    });
    chip("[data-near-chip]", state.near ? "Autour de " + (state.nearLabel || state.near) : "", () => {
      Object.assign(state, {near: "", nearLabel: ""});
      onChange(true);
    });
  }

  // Read the form's filters into the state.
  function read() {
    state.q = form.elements.q.value.trim();
    LIST_KEYS.forEach((key) => { state[key] = checkedValues(form, key); });
    state.radius = form.elements.radius_km.value;
    AGENDA_KEYS.forEach((key) => { state[key] = checkedValues(form, key); });
    state.periode = form.elements.periode.value;
    state.du = form.elements.du.value;
    state.au = form.elements.au.value;
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); read(); onChange(true); });
  form.elements.q.addEventListener("input", () => {
    // Typing: one load when the typing pauses, and no history step a letter.
    clearTimeout(debounce);
    debounce = setTimeout(() => { read(); onChange(false); }, 350);
  });
  form.addEventListener("change", (event) => {
    const target = event.target;
    if (target.name === "overlay") {
      state.overlays = checkedValues(form, "overlay");
      onOverlays();
    } else if (["mode", "level", "metric"].includes(target.name)) {
      state.mode = form.querySelector('input[name="mode"]:checked').value;
      state.level = form.elements.level.value;
      state.metric = form.elements.metric.value;
      onMode();
    } else if (!["f-territory", "f-near"].includes(target.id) && target.name !== "q") {
      read();
      onChange(true);
    }
  });
  root.querySelector("[data-reset]").addEventListener("click", () => { clearFilters(state); onChange(true); });

  return {form, sync};
}
