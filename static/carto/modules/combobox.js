/* The ARIA combobox: a text field that suggests places as one types (territories, and
 * addresses where the server has a geocoder), chosen with the arrows and Enter or a click.
 * Serves the map's « Territoire » and « Près de », the planner and the configurator. */
import {el} from "./dom.js";
import {getJSON} from "./api.js";

// Territories matching the text, of these kinds (any kind when none).
export function territorySource(url, kinds = []) {
  return (text) => {
    const params = new URLSearchParams({q: text, limit: "8"});
    kinds.forEach((kind) => params.append("kind", kind));
    return getJSON(url + "?" + params).then((body) => body.results);
  };
}

// Addresses from the Base Adresse Nationale through our geocoder, from 3 letters on; an
// unreachable geocoder leaves the territories alone.
export function addressSource(url) {
  return (text) => {
    if (text.length < 3) { return Promise.resolve([]); }
    return getJSON(url + "?" + new URLSearchParams({q: text, limit: "5"}))
      .then((body) => body.results.map((r) => ({label: r.label, kind_label: "adresse", center: r.center, kind: "address"})))
      .catch(() => []);
  };
}

/* `input` has role=combobox and aria-controls naming its listbox. Options:
 * sources: functions text -> Promise of results ({label, kind_label, …}), listed in order;
 * onChoose(result); onType(text) on every keystroke; keepLabel: leave the chosen label in
 * the field (otherwise it is emptied, the page showing the choice elsewhere). */
export function combobox(input, {sources, onChoose, onType = () => {}, keepLabel = false}) {
  const list = document.getElementById(input.getAttribute("aria-controls"));
  let items = [];
  let active = -1;
  let timer;
  let asked = 0;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function render(results) {
    list.textContent = "";
    items = results;
    active = -1;
    results.forEach((result, index) => {
      const option = el("li", {role: "option", id: list.id + "-" + index, "aria-selected": "false"}, [
        el("span", {text: result.label}), el("small", {text: " " + result.kind_label})
      ]);
      option.addEventListener("mousedown", (event) => { event.preventDefault(); choose(index); });
      list.appendChild(option);
    });
    list.hidden = !results.length;
    input.setAttribute("aria-expanded", results.length ? "true" : "false");
  }

  function choose(index) {
    const result = items[index];
    close();
    if (!result) { return; }
    input.value = keepLabel ? result.label : "";
    onChoose(result);
  }

  function move(step) {
    if (!items.length) { return; }
    active = (active + step + items.length) % items.length;
    Array.from(list.children).forEach((node, i) => node.setAttribute("aria-selected", i === active ? "true" : "false"));
    input.setAttribute("aria-activedescendant", list.id + "-" + active);
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const text = input.value.trim();
    onType(text);
    asked += 1;
    if (text.length < 2) { close(); return; }
    const question = asked;
    timer = setTimeout(() => {
      Promise.all(sources.map((source) => source(text)))
        .then((lists) => { if (question === asked) { render(lists.flat()); } })
        .catch(close);
    }, 200);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") { event.preventDefault(); move(1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); move(-1); }
    else if (event.key === "Enter") { if (!list.hidden) { event.preventDefault(); choose(active < 0 ? 0 : active); } }
    else if (event.key === "Escape") { close(); }
  });
  input.addEventListener("blur", () => { setTimeout(close, 150); });
}
