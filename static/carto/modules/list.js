/* The result list beside the map: the loaded actors in view (all of them, nearest first,
 * around a place), how many there are, and which one is open. */
import {el} from "./dom.js";
import {away, plural, total} from "./format.js";

const LIST_LIMIT = 500;

export function createList(root, map, state, onSelect) {
  const listEl = root.querySelector("[data-results]");
  const countEl = root.querySelector("[data-count]");
  let features = [];
  let truncatedTotal = 0;
  let truncatedExact = true;

  function item(p) {
    const meta = [p.kind_label, p.city].filter(Boolean).join(" · ") + (p.itinerant ? " · itinérant" : "");
    const button = el("button", {type: "button", className: "resultat", "data-id": String(p.id)}, [
      el("span", {className: "nom", text: p.name}),
      el("span", {className: "meta", text: meta}),
      p.distance_m != null ? el("span", {className: "distance", text: away(p.distance_m)}) : null
    ]);
    if (String(p.id) === state.actor) { button.setAttribute("aria-current", "true"); }
    button.addEventListener("click", () => onSelect(String(p.id)));
    return el("li", {}, [button]);
  }

  // List the actors in view (after a move, or new actors).
  function render() {
    const bounds = map.getBounds();
    // Around a place, nearest first (the API's order); otherwise by name, in French order
    // (the API pages by id).
    const shown = state.near ? features : features
      .filter((f) => bounds.contains([f.geometry.coordinates[1], f.geometry.coordinates[0]]))
      .sort((a, b) => (a.properties.name || "").localeCompare(b.properties.name || "", "fr"));
    let text = state.near
      ? plural(features.length, "acteur") + ", du plus proche au plus lointain"
      : plural(shown.length, "acteur") + " dans la vue (sur " + features.length + ")";
    if (truncatedTotal) { text += " — " + total(truncatedTotal, truncatedExact) + " correspondent : affinez pour tout voir"; }
    countEl.textContent = text;
    listEl.textContent = "";
    shown.slice(0, LIST_LIMIT).forEach((feature) => listEl.appendChild(item(feature.properties)));
    if (shown.length > LIST_LIMIT) {
      listEl.appendChild(el("li", {className: "plus", text: "… et " + (shown.length - LIST_LIMIT) + " autres : zoomez ou filtrez."}));
    }
  }

  // The actors loaded for the filters; `capped`: how many match when not all were loaded
  // (`exact` false: at least that many).
  function show(loaded, capped, exact = true) {
    features = loaded;
    truncatedTotal = capped;
    truncatedExact = exact;
    render();
  }

  // Mark the open actor's entry.
  function mark(id) {
    listEl.querySelectorAll("[aria-current]").forEach((node) => node.removeAttribute("aria-current"));
    const current = listEl.querySelector(`[data-id="${CSS.escape(id)}"]`);
    if (current) { current.setAttribute("aria-current", "true"); }
  }

  return {render, show, mark};
}
