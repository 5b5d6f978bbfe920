/* carto — the planner (/planifier/): the gaps of a territory, the host places that would
 * bring the most people within reach (POST /api/v1/planning/siting/), a dated tour of them
 * (POST /api/v1/planning/tours/), its exports, and its publication in the agenda (a form
 * POST to /agenda/tournee/). Shares the map's modules. */
import {L} from "./modules/leaflet.js";
import {asText, checkedValues, el, readConfig} from "./modules/dom.js";
import {getJSON, postForBlob, postJSON, territoryUrl} from "./modules/api.js";
import {distance, plural} from "./modules/format.js";
import {addBasemap, frame, loadOutlines} from "./modules/layers.js";
import {combobox, territorySource} from "./modules/combobox.js";

const config = readConfig("planner-config");
const root = document.querySelector("[data-planner]");
const gapsForm = root.querySelector("[data-gaps-form]");
const sitingForm = root.querySelector("[data-siting-form]");
const tourForm = root.querySelector("[data-tour-form]");
const territoryInput = document.getElementById("p-territory");
let hosts = [];
let lastTourRequest = null;

const map = L.map("planifier-carte").setView([50.3, 2.8], 8);
addBasemap(map, config.tiles);
const outlineLayer = L.geoJSON(null, {style: {color: "#1d2433", weight: 2, fill: false}, interactive: false}).addTo(map);
const gapsLayer = L.geoJSON(null, {
  style: {color: "#b2182b", weight: 1, fillColor: "#ef8a62", fillOpacity: 0.45},
  onEachFeature(feature, layer) { layer.bindTooltip(asText(feature.properties.name)); }
}).addTo(map);
const hostsLayer = L.layerGroup().addTo(map);
const routeLayer = L.layerGroup().addTo(map);

function status(selector, text) { root.querySelector(selector).textContent = text; }

function territory() { return gapsForm.elements.territory.value; }

function drawOutline(kind, code) {
  loadOutlines(outlineLayer, territoryUrl(config.api.territory, kind, code) + "?zoom=10").then((feature) => {
    frame(map, outlineLayer);
    if (!config.preset.label && feature.properties) { territoryInput.value = feature.properties.name; }
  }).catch(() => {});
}

function gapFilters() {
  const params = {level: gapsForm.elements.level.value, max_km: gapsForm.elements.max_km.value};
  if (territory()) { params.territory = territory(); }
  if (gapsForm.elements.theme.value) { params.theme = gapsForm.elements.theme.value; }
  return params;
}

// -- 1. gaps ------------------------------------------------------------------------
function gapItem(p) {
  const reach = p.share_within != null
    ? Math.round((1 - p.share_within) * 100) + " % de " + (p.loaded_population || 0).toLocaleString("fr-FR") + " habitants hors de portée"
    : p.distance_m != null ? "acteur le plus proche à " + distance(p.distance_m) : "";
  const link = el("a", {href: territoryUrl(config.api.sheet, p.kind, p.code), text: p.name});
  return el("li", {}, [link, document.createTextNode(" — " + plural(p.actors, "acteur") + (reach ? ", " + reach : ""))]);
}

gapsForm.addEventListener("submit", (event) => {
  event.preventDefault();
  if (!territory()) { status("[data-gaps-status]", "Choisissez d’abord un territoire dans la liste."); return; }
  status("[data-gaps-status]", "Calcul en cours…");
  const params = new URLSearchParams({...gapFilters(), limit: "15", zoom: "10"});
  getJSON(config.api.gaps + "?" + params).then((data) => {
    gapsLayer.clearLayers();
    gapsLayer.addData(data);
    root.querySelector("[data-gaps]").replaceChildren(...data.features.map((feature) => gapItem(feature.properties)));
    status("[data-gaps-status]", data.count + " territoires ; les " + data.features.length + " moins couverts :");
    root.setAttribute("data-gaps-loaded", String(data.features.length));
  }).catch((error) => { status("[data-gaps-status]", error.message); });
});

// -- 2. siting ------------------------------------------------------------------------
sitingForm.addEventListener("submit", (event) => {
  event.preventDefault();
  if (!territory()) { status("[data-siting-status]", "Choisissez d’abord un territoire (étape 1)."); return; }
  status("[data-siting-status]", "Recherche des meilleurs lieux…");
  const filters = gapFilters();
  const body = {level: filters.level, territory: filters.territory, max_km: Number(filters.max_km),
    k: Number(sitingForm.elements.k.value), candidate_kinds: checkedValues(sitingForm, "candidate_kinds")};
  if (filters.theme) { body.theme = [filters.theme]; }
  postJSON(config.api.siting, body).then((data) => {
    hosts = data.hosts;
    const list = root.querySelector("[data-hosts]");
    list.textContent = "";
    hostsLayer.clearLayers();
    hosts.forEach((host, index) => {
      const label = host.actor.name + " (" + host.actor.kind_label + (host.actor.city ? ", " + host.actor.city : "") + ")";
      const gain = "+" + Math.round(host.gain).toLocaleString("fr-FR") + " " + data.unit;
      // What the place is (« Médiathèque », « Collectivité »…), with its marker of the map.
      list.appendChild(el("li", {"data-kind": host.actor.kind}, [
        document.createTextNode(host.actor.name + " ("), el("span", {className: "type-lieu", text: host.actor.kind_label}),
        document.createTextNode((host.actor.city ? ", " + host.actor.city : "") + ") — " + gain + " (" + plural(host.covered.length, "cible") + ")")
      ]));
      L.marker([host.lat, host.lon], {title: label, alt: label}).bindTooltip(asText((index + 1) + ". " + label)).addTo(hostsLayer);
    });
    status("[data-siting-status]", data.summary);
    root.setAttribute("data-hosts-loaded", String(hosts.length));
  }).catch((error) => { status("[data-siting-status]", error.message); root.setAttribute("data-hosts-loaded", "error"); });
});

// -- 3. tour ------------------------------------------------------------------------
function tourBody() {
  const f = tourForm.elements;
  const body = {
    start: {actor: hosts[0].actor.id},
    stops: hosts.map((host) => ({actor: host.actor.id})),
    date_from: f.date_from.value, date_to: f.date_to.value,
    session_minutes: Number(f.session_minutes.value), periods: f.periods.value,
    name: "Tournée — " + territoryInput.value
  };
  if (f.zone.value) { body.zone = f.zone.value; }
  return body;
}

function showTour(data) {
  const list = root.querySelector("[data-schedule]");
  list.textContent = "";
  data.stops.forEach((stop) => {
    const day = new Date(stop.start).toLocaleDateString("fr-FR", {weekday: "long", day: "numeric", month: "long"});
    const hours = stop.start.slice(11, 16) + " – " + stop.end.slice(11, 16);
    list.appendChild(el("li", {text: day + ", " + hours + " : " + stop.label + " (" + Math.round(stop.leg_distance_m / 1000) + " km de trajet)"}));
  });
  (data.unscheduled || []).forEach((item) => list.appendChild(el("li", {className: "non-place", text: "Non placé : " + item.label + " — " + item.reason})));
  routeLayer.clearLayers();
  const line = [[data.start.lat, data.start.lon]].concat(data.stops.map((s) => [s.lat, s.lon]));
  if (data.return_to_start) { line.push([data.start.lat, data.start.lon]); }
  L.polyline(line, {color: "#0b5cad", weight: 3, dashArray: "6 4"}).addTo(routeLayer);
  const method = data.method === "exact" ? "ordre optimal (calcul exact)" : "ordre calculé par heuristique (2-opt)";
  status("[data-tour-status]", plural(data.stops.length, "séance") + " sur " + plural(data.days.length, "jour") + ", " +
    Math.round(data.total_distance_m / 1000) + " km ; " + method + ".");
}

// The scheduled stops go to the agenda's form as JSON in a hidden field (a value, never
// markup); the server checks them again before proposing one event per stop.
function offerPublication(data) {
  const form = root.querySelector("[data-publish-form]");
  const stops = data.stops.map((stop) => ({id: stop.id, label: stop.label, address: stop.address,
    lon: stop.lon, lat: stop.lat, date: stop.date, start: stop.start, end: stop.end}));
  form.querySelector("[data-publish-tour]").value = JSON.stringify({name: lastTourRequest.name, stops});
  form.hidden = stops.length === 0;
}

tourForm.addEventListener("submit", (event) => {
  event.preventDefault();
  if (!hosts.length) { status("[data-tour-status]", "Proposez d’abord des lieux (étape 2)."); return; }
  status("[data-tour-status]", "Calcul de la tournée…");
  lastTourRequest = tourBody();
  postJSON(config.api.tours, lastTourRequest).then((data) => {
    showTour(data);
    root.querySelector("[data-exports]").hidden = false;
    offerPublication(data);
    root.setAttribute("data-tour-loaded", String(data.stops.length));
  }).catch((error) => {
    status("[data-tour-status]", error.message);
    root.querySelector("[data-publish-form]").hidden = true;
    root.setAttribute("data-tour-loaded", "error");
  });
});

// The roadbook is our server's page (the template escaped its data), written into a window
// opened at the click: unlike a blob: URL, that window resolves /static/ against this page,
// so its stylesheet and its script (the print button, no inline handler) load.
function showRoadbook(target, blob) {
  return blob.text().then((html) => {
    target.document.open();
    target.document.write(html);
    target.document.close();
  });
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = el("a", {href: url, download: name});
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

root.querySelectorAll("[data-export]").forEach((button) => {
  button.addEventListener("click", () => {
    const format = button.getAttribute("data-export");
    let target = null;
    if (format === "html") {
      target = window.open("", "_blank");
      if (!target) { status("[data-tour-status]", "Autorisez l’ouverture d’une fenêtre pour voir la feuille de route."); return; }
    }
    postForBlob(config.api.tours + "?format=" + format, lastTourRequest).then((blob) => {
      if (target) { return showRoadbook(target, blob); }
      return download(blob, "tournee." + format);
    }).catch((error) => {
      if (target) { target.close(); }
      status("[data-tour-status]", error.message);
    });
  });
});

combobox(territoryInput, {
  sources: [territorySource(config.api.search, ["departement", "epci", "bv", "commune", "region"])],
  keepLabel: true,
  onType() { gapsForm.elements.territory.value = ""; },
  onChoose(result) {
    gapsForm.elements.territory.value = result.kind + ":" + result.code;
    drawOutline(result.kind, result.code);
  }
});
if (config.preset.territory) {
  const [kind, code] = config.preset.territory.split(":");
  gapsForm.elements.territory.value = config.preset.territory;
  territoryInput.value = config.preset.label || config.preset.territory;
  drawOutline(kind, code);
}
if (config.preset.level) { gapsForm.elements.level.value = config.preset.level; }
if (config.preset.theme) { gapsForm.elements.theme.value = config.preset.theme; }
const today = new Date();
tourForm.elements.date_from.value = today.toISOString().slice(0, 10);
tourForm.elements.date_to.value = new Date(today.getTime() + 21 * 86400000).toISOString().slice(0, 10);
