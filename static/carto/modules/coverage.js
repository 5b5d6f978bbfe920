/* Coverage mode: a choropleth of one coverage indicator by territory (quantile classes,
 * colour-blind safe), its legend, and a click through to the territory's sheet. */
import {L} from "./leaflet.js";
import {asText, el} from "./dom.js";
import {getJSON, territoryUrl} from "./api.js";
import {distance, plural} from "./format.js";
import {filterQuery} from "./state.js";

const COLOURS = ["#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#2166ac"];  // poor -> good
// The level drawn for the map's view only when no territory is chosen: all of France
// holds 35 000 communes (the other levels, at most 1 700 territories, are drawn whole).
const IN_VIEW = new Set(["commune"]);

// At most `classes` - 1 distinct thresholds cutting `values` into classes of equal size.
function quantileBreaks(values, classes) {
  const sorted = values.slice().sort((a, b) => a - b);
  const breaks = [];
  for (let i = 1; i < classes; i += 1) { breaks.push(sorted[Math.floor(i * sorted.length / classes)]); }
  return breaks.filter((value, index, all) => all.indexOf(value) === index);
}

function classOf(value, breaks) {
  let index = 0;
  while (index < breaks.length && value >= breaks[index]) { index += 1; }
  return index;
}

function tooltip(p, maxKm) {
  let text = p.name + " : " + plural(p.actors, "acteur");
  if (p.share_within != null) { text += ", " + Math.round(p.share_within * 100) + " % de la population à moins de " + maxKm + " km"; }
  if (p.distance_m != null) { text += ", acteur le plus proche à " + distance(p.distance_m); }
  return text;
}

/* `form`: the filter form (its indicator's wording titles the legend). load() draws the
 * layer for the state, or removes it outside coverage mode. */
export function createCoverage(root, map, config, state, form) {
  let layer = null;
  let legend = null;
  let asked = 0;
  let viewTimer = null;
  // The communes in view (thousands of polygons) draw on one canvas, not as as many SVG
  // elements; the other levels stay SVG (each territory a focusable path).
  const renderer = L.canvas({padding: 0.2});

  function inView() { return IN_VIEW.has(state.level) && !state.territory; }

  // Moving the map reloads a view-bounded layer (debounced).
  map.on("moveend", () => {
    if (state.mode !== "couverture" || !inView()) { return; }
    clearTimeout(viewTimer);
    viewTimer = setTimeout(load, 300);
  });

  // The value coloured: the indicator, or for QPV the distance (nearer is better).
  function metricOf(p) {
    if (state.level === "qpv") { return p.distance_m == null ? null : -p.distance_m; }
    return p[state.metric];
  }

  function describe(value) {
    if (state.level === "qpv") { return distance(-value); }
    return state.metric === "share_within" ? Math.round(value * 100) + " %" : String(value);
  }

  function legendBox(data, breaks, palette) {
    const box = el("div", {className: "legende", role: "note"});
    const title = state.level === "qpv" ? "Distance au plus proche acteur" : form.elements.metric.selectedOptions[0].text;
    box.appendChild(el("h2", {text: title}));
    const bounds = [null].concat(breaks);
    palette.forEach((colour, index) => {
      const low = bounds[index] == null ? null : describe(bounds[index]);
      const high = bounds[index + 1] == null ? null : describe(bounds[index + 1]);
      let label = low == null ? "moins de " + high : high == null ? low + " et plus" : low + " – " + high;
      if (state.level === "qpv") { label = low == null ? "plus de " + high : high == null ? "moins de " + low : high + " – " + low; }
      const swatch = el("i");
      swatch.style.background = colour;
      box.appendChild(el("div", {}, [swatch, document.createTextNode(label)]));
    });
    box.appendChild(el("div", {text: data.numberReturned + " territoires · cliquez pour la fiche"}));
    return box;
  }

  function draw(data) {
    const values = data.features.map((f) => metricOf(f.properties)).filter((v) => v != null);
    const breaks = quantileBreaks(values, COLOURS.length);
    const palette = COLOURS.slice(COLOURS.length - breaks.length - 1);
    layer = L.geoJSON(data, {
      renderer: inView() ? renderer : undefined,
      style(feature) {
        const value = metricOf(feature.properties);
        return {color: "#333", weight: 0.6, fillOpacity: 0.7, fillColor: value == null ? "#bbb" : palette[classOf(value, breaks)]};
      },
      onEachFeature(feature, shape) {
        const p = feature.properties;
        shape.bindTooltip(asText(tooltip(p, data.max_km)), {sticky: true});
        shape.on("click", () => { window.location.href = territoryUrl(config.api.sheet, p.kind, p.code); });
      }
    }).addTo(map);
    legend = L.control({position: "bottomright"});
    legend.onAdd = () => legendBox(data, breaks, palette);
    legend.addTo(map);
  }

  function load() {
    const question = ++asked;
    if (layer) { map.removeLayer(layer); layer = null; }
    if (legend) { map.removeControl(legend); legend = null; }
    if (state.mode !== "couverture" || !config.api.coverage) { return; }
    const query = filterQuery(state);
    query.delete("near");
    query.delete("radius_km");
    query.set("level", state.level);
    query.set("zoom", String(Math.min(map.getZoom(), 10)));
    if (inView()) {
      const b = map.getBounds().pad(0.1);
      const round = (v) => Math.round(v * 1e4) / 1e4;
      query.set("bbox", [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -90), Math.min(b.getEast(), 180), Math.min(b.getNorth(), 90)].map(round).join(","));
    }
    root.setAttribute("data-coverage", "loading");
    getJSON(config.api.coverage + "?" + query).then((data) => {
      if (question !== asked) { return; }
      draw(data);
      root.setAttribute("data-coverage", String(data.features.length));
    }).catch((error) => {
      if (question !== asked) { return; }
      root.querySelector("[data-count]").textContent = "Couverture indisponible : " + error.message;
      root.setAttribute("data-coverage", "error");
    });
  }

  return {load};
}
