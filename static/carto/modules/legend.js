/* The legend of the map's markers: each kind of place with its own marker (the CSS classes
 * pastille-<kind> of carte.css, the ones the markers wear), folded on small screens. */
import {L} from "./leaflet.js";
import {el} from "./dom.js";

// The mark of a kind as the map's markers wear it, outside the map (legend, filters, sheet):
// decorative, its label says the kind; `.repere`, so that only markers are `.pastille`.
export function pastille(kind) {
  return el("span", {className: "repere pastille-" + kind, "aria-hidden": "true"});
}

// A control at `position` listing `kinds` ([{slug, label}]) with their markers.
export function addKindsLegend(map, kinds, position = "bottomright") {
  const control = L.control({position});
  control.onAdd = () => {
    const items = kinds.map((kind) => el("li", {"data-kind": kind.slug}, [pastille(kind.slug), el("span", {text: kind.label})]));
    const box = el("details", {className: "legende legende-types"}, [
      el("summary", {text: "Légende : types de lieux"}),
      el("ul", {}, items)
    ]);
    box.open = window.matchMedia("(min-width: 769px)").matches;
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  };
  control.addTo(map);
  return control;
}
