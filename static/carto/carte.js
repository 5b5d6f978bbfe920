/* carto — the map « qui fait quoi, où ? » (/carte/, and the widget /embed/): builds the map
 * and wires the modules. The state lives in the URL (modules/state.js); actors, list, detail
 * panel, overlays and coverage each own their part of the page. When the filters match more
 * actors than markers can carry, the actors are drawn as vector tiles (modules/tiles.js) and
 * the list shows the actors in view, asked of the API after each move. The « Agenda » mode
 * (modules/sessions.js) shows the agenda's sessions instead of the actors, in the list too.
 * Imports end with « ; »:
 * the production storage rewrites them to the hashed file names. */
import {L} from "./modules/leaflet.js";
import {el, readConfig} from "./modules/dom.js";
import {total} from "./modules/format.js";
import {getJSON, territoryUrl} from "./modules/api.js";
import {readState, filterQuery, pageQuery, writeUrl} from "./modules/state.js";
import {createFilters} from "./modules/filters.js";
import {addBasemap, createOverlays, frame, loadOutlines} from "./modules/layers.js";
import {createActors} from "./modules/actors.js";
import {createList} from "./modules/list.js";
import {createDetail} from "./modules/detail.js";
import {createCoverage} from "./modules/coverage.js";
import {createSessions} from "./modules/sessions.js";
import {createProgrammes} from "./modules/programmes.js";
import {addKindsLegend} from "./modules/legend.js";
import {combobox, territorySource, addressSource} from "./modules/combobox.js";

const LIST_PAGE = 500;  // in tile mode, the list shows at most this many actors in view

const config = readConfig("carto-config");
const root = document.querySelector("[data-carte]");
const countEl = root.querySelector("[data-count]");
const state = readState(window.location.search);

const filters = createFilters(root, config, state, {
  onChange: changed,
  onOverlays() { writeState(true); overlays.refresh(); programmes.refresh(); },
  onMode() { writeState(true); filters.sync(); actors.setVisible(state.mode === "annuaire"); loadAll(); }
});
filters.sync();

const map = L.map("carte", {zoomControl: true, preferCanvas: false, keyboard: true});
addBasemap(map, config.tiles, () => {
  const notice = el("p", {className: "sans-fond", role: "note", text: "Fond de plan indisponible : contours des territoires seuls."});
  root.querySelector(".carte-fond").appendChild(notice);
  root.setAttribute("data-basemap", "off");
});
map.attributionControl.setPrefix(false);
const outlines = L.geoJSON(null, {style: {color: "#44506a", weight: 1.2, fill: false}, interactive: false}).addTo(map);
const actors = createActors(map, config, (id) => select(id, true));
actors.setVisible(state.mode === "annuaire");
const overlays = createOverlays(map, config.api.territories, state);
const list = createList(root, map, state, (id) => select(id, true));
const detail = createDetail(root.querySelector("[data-detail]"), {url: config.api.actor, pageUrl: config.pageUrl, sources: config.sources, onClose: closeDetail});
const coverage = createCoverage(root, map, config, state, filters.form);
const sessions = createSessions(map, root, config, state);
const programmes = createProgrammes(map, root, config.api.initiatives, config.programmes, state);
addKindsLegend(map, config.kinds);

function writeState(push) {
  // In an iframe the parent's history must not fill up: replace only.
  writeUrl(pageQuery(state, map), push && !config.embed);
  root.querySelector("[data-print]").href = config.api.print + "?" + filterQuery(state);
  // The widget's « Ouvrir la carte complète » opens the same view (the agenda preset too).
  const full = document.querySelector("[data-open-full]");
  if (full) { full.href = config.pageUrl + "?" + pageQuery(state, map); }
}

function loadActors() {
  countEl.textContent = "Chargement…";
  actors.load(filterQuery(state)).then((loaded) => {
    // A load ended after the switch to the agenda: the list is the sessions' now.
    if (!loaded || state.mode === "agenda") { return; }
    root.setAttribute("data-rendu", loaded.tiles ? "tuiles" : "marqueurs");
    if (loaded.tiles) {
      matching = loaded.count;
      matchingExact = loaded.exact;
      return listInView().then(() => {
        if (state.actor) { select(state.actor, false); }
        root.setAttribute("data-loaded", String(loaded.count));
        root.setAttribute("data-load-seq", String(loaded.seq));
      });
    }
    if (state.near && !state.view) { actors.frameAround(loaded.features.slice(0, 10), state.near); }
    list.show(loaded.features, loaded.truncatedTotal, loaded.exact);
    if (state.actor) { select(state.actor, false); }
    root.setAttribute("data-loaded", String(loaded.features.length));
    root.setAttribute("data-load-seq", String(loaded.seq));
  }).catch((error) => {
    countEl.textContent = "Impossible de charger les acteurs : " + error.message;
    root.setAttribute("data-loaded", "error");
  });
}

// Tile mode: the list holds the actors in view (at most LIST_PAGE), asked of the API.
let matching = 0;
let matchingExact = true;
let viewSeq = 0;
let viewTimer;
function listInView() {
  const seq = ++viewSeq;
  const bounds = map.getBounds();
  const bbox = [Math.max(bounds.getWest(), -180), Math.max(bounds.getSouth(), -90), Math.min(bounds.getEast(), 180), Math.min(bounds.getNorth(), 90)];
  const query = filterQuery(state);
  query.set("bbox", bbox.map((v) => v.toFixed(5)).join(","));
  query.set("page_size", String(LIST_PAGE));
  return getJSON(config.api.actors + "?" + query).then((page) => {
    if (seq !== viewSeq) { return; }
    actors.remember(page.features);
    list.show(page.features, 0);
    const inView = total(page.count, page.count_exact) + (page.count > 1 ? " acteurs" : " acteur");
    let text = inView + " dans la vue, sur " + total(matching, matchingExact) + " qui correspondent";
    if (page.count > page.features.length) { text += " — la liste en montre " + page.features.length + " : zoomez ou filtrez"; }
    countEl.textContent = text + ".";
  }).catch((error) => { countEl.textContent = "Impossible de lister les acteurs de la vue : " + error.message; });
}

function changed(push) {
  writeState(push);
  filters.sync();
  loadAll();
}

// What the mode shows: the actors (in the list too) or, in the agenda mode, the sessions.
function loadAll() {
  if (state.mode !== "agenda") { loadActors(); }
  sessions.load();
  coverage.load();
}

// Open an actor: its ring on the map, its entry in the list, its sheet (focused when `push`).
function select(id, push) {
  state.actor = id;
  writeState(push);
  actors.highlight(id, push);
  list.mark(id);
  detail.open(id, push);
}

function closeDetail() {
  detail.hide();
  actors.unring();
  state.actor = "";
  writeState(true);
}

// Without tiles the outlines alone keep the map legible: the widget's territory, or the départements.
function loadBaseOutlines() {
  const [kind, code] = state.territory.split(":");
  const url = config.embed && state.territory ? territoryUrl(config.api.territory, kind, code) + "?zoom=10"
    : config.api.territories + "?kind=departement&zoom=8";
  loadOutlines(outlines, url).then((data) => {
    if (data.type === "Feature" && data.properties && !state.territoryLabel) {
      state.territoryLabel = data.properties.name + " (" + data.properties.kind_label.toLowerCase() + ")";
      filters.sync();
    }
    // With no view in the URL, frame what was drawn.
    if (!state.view && !state.near) { frame(map, outlines); }
  }).catch(() => { /* outlines are a comfort, not a requirement */ });
}

// Actors around a point, nearest first.
function setNear(lon, lat, label) {
  Object.assign(state, {near: lon.toFixed(6) + "," + lat.toFixed(6), nearLabel: label, view: null});
  if (!state.radius) { state.radius = "10"; }
  map.setView([lat, lon], 12);
  changed(true);
}

function locate() {
  if (!navigator.geolocation) { countEl.textContent = "La géolocalisation n’est pas disponible dans ce navigateur."; return; }
  countEl.textContent = "Recherche de votre position…";
  navigator.geolocation.getCurrentPosition(
    (position) => setNear(position.coords.longitude, position.coords.latitude, "ma position"),
    (error) => { countEl.textContent = "Position introuvable (" + error.message + ")."; },
    {enableHighAccuracy: false, timeout: 10000, maximumAge: 60000}
  );
}

if (state.view) { map.setView([state.view[0], state.view[1]], state.view[2]); } else { map.setView(config.center, config.zoom); }
map.on("moveend", () => {
  writeState(false);
  // In the agenda mode the list is the sessions': modules/sessions.js reloads them for the view.
  const listsActors = state.mode !== "agenda";
  if (listsActors && actors.tiled) {
    clearTimeout(viewTimer);
    viewTimer = setTimeout(listInView, 250);
  } else if (listsActors) {
    list.render();
  }
  overlays.refresh();
  programmes.refresh();
});
loadBaseOutlines();
writeState(false);

root.querySelector("[data-locate]").addEventListener("click", locate);
combobox(document.getElementById("f-territory"), {
  sources: [territorySource(config.api.search, ["commune", "epci", "bv", "qpv", "departement"])],
  onChoose(result) {
    Object.assign(state, {territory: result.kind + ":" + result.code, territoryLabel: result.label});
    if (result.bbox) { map.fitBounds([[result.bbox[1], result.bbox[0]], [result.bbox[3], result.bbox[2]]]); }
    changed(true);
  }
});
combobox(document.getElementById("f-near"), {
  sources: [territorySource(config.api.search, ["commune"])].concat(config.api.geocode ? [addressSource(config.api.geocode)] : []),
  onChoose(result) { if (result.center) { setNear(result.center[0], result.center[1], result.label); } }
});
const toggle = root.querySelector("[data-toggle-list]");
toggle.addEventListener("click", () => {
  const showing = root.classList.toggle("liste-visible");
  toggle.textContent = showing ? "Carte" : "Liste";
  setTimeout(() => map.invalidateSize(), 50);
});
window.addEventListener("popstate", () => {
  Object.assign(state, readState(window.location.search));
  filters.sync();
  if (state.view) { map.setView([state.view[0], state.view[1]], state.view[2]); }
  if (!state.actor) { detail.hide(); actors.unring(); }
  actors.setVisible(state.mode === "annuaire");
  overlays.refresh();
  programmes.refresh();
  loadAll();
});
overlays.refresh();
programmes.refresh();
loadAll();
