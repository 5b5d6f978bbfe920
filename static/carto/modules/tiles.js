/* The actors as vector tiles (/tiles/actors/{z}/{x}/{y}.pbf, Mapbox Vector Tiles built by
 * PostGIS) for result sets too large for markers: clusters with their count up to zoom 11,
 * each actor from 12, with the same filters as the API. Drawn on canvas by protomaps-leaflet
 * (maintained, no WebGL, so it draws where there is no GPU), loaded only when first needed.
 * Each kind wears its markers' mark, read from carte.css (.repere.pastille-<kind>::before):
 * one definition for markers, legend and tiles. A click on an actor opens its sheet, on a
 * cluster zooms in; the canvas holds no text from the data (only counts). */
import {el} from "./dom.js";

const PANE = "acteurs-tuiles";  // above the territory outlines (400), below markers (600)
const MARK = 14;  // px: the markers' 18, a little smaller where points are dense
const BRUSH = 16;  // px around the pointer within which a point is picked
const CLUSTER_FILL = "#0b5cad";  // white counts on it: 6.4:1

let renderer = null;

// protomaps-leaflet's standalone build (global `protomapsL`), once.
function loadRenderer(src) {
  if (window.protomapsL) { return Promise.resolve(window.protomapsL); }
  if (!renderer) {
    renderer = new Promise((resolve, reject) => {
      const script = el("script", {src});
      script.addEventListener("load", () => resolve(window.protomapsL));
      script.addEventListener("error", () => {
        renderer = null;
        reject(new Error("le moteur de rendu des tuiles n’a pas pu être chargé"));
      });
      document.head.appendChild(script);
    });
  }
  return renderer;
}

// The mark of a kind as carte.css draws it: colours, border, corner radii, rotation.
function markOf(kind) {
  const probe = el("span", {className: "repere pastille-" + kind, "aria-hidden": "true"});
  probe.style.position = "absolute";
  probe.style.visibility = "hidden";
  document.body.appendChild(probe);
  const box = probe.getBoundingClientRect().width || 18;
  const style = getComputedStyle(probe, "::before");
  const size = box - 2 * (parseFloat(style.top) || 0);
  const length = (value) => (String(value).endsWith("%") ? parseFloat(value) / 100 * size : parseFloat(value) || 0);
  const matrix = /matrix\(([^,]+),\s*([^,]+)/.exec(style.transform || "");
  const mark = {
    size, fill: style.backgroundColor, border: style.borderTopColor, width: length(style.borderTopWidth),
    radii: [style.borderTopLeftRadius, style.borderTopRightRadius, style.borderBottomRightRadius, style.borderBottomLeftRadius].map(length),
    angle: matrix ? Math.atan2(Number(matrix[2]), Number(matrix[1])) : 0
  };
  probe.remove();
  return mark;
}

function square(ctx, half, radii) {
  ctx.beginPath();
  ctx.roundRect(-half, -half, 2 * half, 2 * half, radii.map((r) => Math.max(0, Math.min(r, half))));
}

function drawMark(ctx, x, y, mark) {
  const scale = MARK / 18;
  const half = mark.size * scale / 2;
  const radii = mark.radii.map((r) => r * scale);
  const width = mark.width * scale;
  ctx.save();
  ctx.translate(x, y);
  ctx.rotate(mark.angle);
  square(ctx, half + 1, radii.map((r) => r + 1));
  ctx.fillStyle = "rgba(0, 0, 0, 0.55)";
  ctx.fill();
  square(ctx, half, radii);
  ctx.fillStyle = mark.border;
  ctx.fill();
  square(ctx, half - width, radii.map((r) => r - width));
  ctx.fillStyle = mark.fill;
  ctx.fill();
  ctx.restore();
}

// "870", "1,2 k", "37 k", "1,1 M": a count that fits in its circle.
function shortCount(count) {
  const format = (value, digits) => value.toLocaleString("fr-FR", {maximumFractionDigits: digits});
  if (count < 1000) { return String(count); }
  if (count < 10000) { return format(count / 1000, 1) + " k"; }
  if (count < 1000000) { return format(Math.round(count / 1000), 0) + " k"; }
  return format(count / 1000000, 1) + " M";
}

function drawCluster(ctx, x, y, count) {
  const radius = Math.min(15, 9 + 2 * Math.log10(count));
  ctx.save();
  ctx.beginPath();
  ctx.arc(x, y, radius + 1, 0, 2 * Math.PI);
  ctx.fillStyle = "rgba(0, 0, 0, 0.55)";
  ctx.fill();
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, 2 * Math.PI);
  ctx.fillStyle = "#fff";
  ctx.fill();
  ctx.beginPath();
  ctx.arc(x, y, radius - 2, 0, 2 * Math.PI);
  ctx.fillStyle = CLUSTER_FILL;
  ctx.fill();
  ctx.fillStyle = "#fff";
  ctx.font = "bold 11px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText(shortCount(count), x, y + 0.5);
  ctx.restore();
}

/* The tile layer of the actors, hidden until show(filters). `settings`: the page's
 * config.vectorTiles; `kinds`: [{slug}]; onSelect(id, latlng) when an actor is clicked. */
export function createTiles(map, settings, kinds, onSelect) {
  map.createPane(PANE).style.zIndex = "450";
  let marks = null;  // kind -> mark, read from the style sheet when first drawn
  function markFor(kind) {
    if (!marks) { marks = new Map(kinds.map((k) => [k.slug, markOf(k.slug)]).concat([["", markOf("")]])); }
    return marks.get(kind) || marks.get("");
  }
  const actorsRule = {
    dataLayer: "actors",
    filter: (z, feature) => feature.props.count === 1,
    symbolizer: {draw(ctx, geom, z, feature) { drawMark(ctx, geom[0][0].x, geom[0][0].y, markFor(feature.props.kind)); }}
  };
  const clustersRule = {
    dataLayer: "actors",
    filter: (z, feature) => feature.props.count > 1,
    symbolizer: {draw(ctx, geom, z, feature) { drawCluster(ctx, geom[0][0].x, geom[0][0].y, feature.props.count); }}
  };
  const container = map.getContainer();
  let layer = null;
  let url = "";
  let shown = 0;

  function hide() {
    shown += 1;
    if (layer) { map.removeLayer(layer); }
    layer = null;
    url = "";
    delete container.dataset.tuiles;
  }

  // Draw the actors matching `filters` (URLSearchParams of the API's filters).
  function show(filters) {
    const next = settings.actors + (filters.toString() ? "?" + filters : "");
    if (layer && next === url) { return Promise.resolve(); }
    const token = ++shown;
    return loadRenderer(settings.renderer).then((protomaps) => {
      if (token !== shown) { return; }
      if (layer) { map.removeLayer(layer); }
      url = next;
      // levelDiff 0: a 256 px tile of zoom z shows the data tile z (protomaps' own basemaps
      // use 512 px data tiles, one zoom up).
      layer = protomaps.leafletLayer({
        url: next, levelDiff: 0, maxDataZoom: settings.maxDataZoom, pane: PANE, attribution: "",
        paintRules: [actorsRule, clustersRule], labelRules: []
      });
      layer.on("loading", () => { container.dataset.tuiles = "chargement"; });
      layer.on("load", () => { container.dataset.tuiles = "chargees"; });
      layer.addTo(map);
    });
  }

  // The actor or cluster drawn nearest `latlng` (within BRUSH px): {id, count, latlng}.
  function pick(latlng) {
    if (!layer) { return null; }
    const found = layer.queryTileFeaturesDebug(latlng.lng, latlng.lat, BRUSH).get("") || [];
    const zoom = Math.min(Math.round(map.getZoom()), settings.maxDataZoom);
    const origin = map.project(latlng, zoom).divideBy(256).floor().multiplyBy(256);
    const pointer = map.latLngToContainerPoint(latlng);
    let best = null;
    found.filter((hit) => hit.layerName === "actors").forEach(({feature}) => {
      const at = map.unproject(origin.add([feature.geom[0][0].x, feature.geom[0][0].y]), zoom);
      const distance = map.latLngToContainerPoint(at).distanceTo(pointer);
      if (!best || distance < best.distance) {
        best = {distance, latlng: at, id: feature.props.id, count: feature.props.count};
      }
    });
    return best;
  }

  map.on("click", (event) => {
    const hit = pick(event.latlng);
    if (!hit) { return; }
    if (hit.count === 1 && hit.id) { onSelect(String(hit.id), hit.latlng); return; }
    map.setView(hit.latlng, Math.min(map.getZoom() + 2, settings.pointZoom));
  });
  map.on("mousemove", (event) => {
    if (layer) { container.style.cursor = pick(event.latlng) ? "pointer" : ""; }
  });

  // Shown or not (the coverage mode hides the actors).
  function setVisible(visible) {
    map.getPane(PANE).hidden = !visible;
  }

  return {show, hide, pick, setVisible, get active() { return Boolean(layer); }};
}
