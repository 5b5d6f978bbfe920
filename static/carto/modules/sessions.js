/* The « Agenda » mode: the sessions of the agenda (GET /api/v1/events/) in the map's view,
 * for a window of time, with the map's theme, public, territory, text and place filters and
 * the agenda's format and level. Markers are grouped by place (a weekly workshop is one
 * marker listing its sessions) and clustered apart from the actors, in their own shape; a
 * popup and the list are built from DOM nodes, the data's text as text. Sessions with no
 * place (online only) cannot be drawn: their number is said, with a link to the agenda.
 * The sessions are asked for the view padded by half: a small move (a popup panning the map
 * into view) only lists them again, and the open popup stays.
 * The window is computed in Paris time: a date sent to the API means a Paris day. */
import {L} from "./leaflet.js";
import {el} from "./dom.js";
import {getJSON} from "./api.js";
import {plural} from "./format.js";

const PAGE_SIZE = 500;     // the API's largest page
const MAX_SESSIONS = 1000;  // at most two pages in view: past that, zoom or narrow the window
const POPUP_SESSIONS = 8;   // sessions listed in one place's popup

const DAY = new Intl.DateTimeFormat("fr-FR", {timeZone: "Europe/Paris", weekday: "long", day: "numeric", month: "long", year: "numeric"});
const CLOCK = new Intl.DateTimeFormat("fr-FR", {timeZone: "Europe/Paris", hour: "numeric", minute: "2-digit"});
const ISO_DAY = new Intl.DateTimeFormat("en-CA", {timeZone: "Europe/Paris", year: "numeric", month: "2-digit", day: "2-digit"});

// Today's date in Paris, "AAAA-MM-JJ", moved by `days`.
export function parisDay(days = 0, now = new Date()) {
  return ISO_DAY.format(new Date(now.getTime() + days * 86400000));
}

// "14 h" or "14 h 30", in Paris.
function clock(moment) {
  const [hour, minute] = CLOCK.format(moment).split(":");
  return Number(hour) + " h" + (minute && minute !== "00" ? " " + minute : "");
}

// "samedi 5 décembre 2026, 14 h – 16 h" (the end's day too when it is another day).
export function when(startsAt, endsAt) {
  const start = new Date(startsAt);
  const end = new Date(endsAt);
  const text = DAY.format(start) + ", " + clock(start);
  return text + " – " + (DAY.format(end) === DAY.format(start) ? "" : DAY.format(end) + ", ") + clock(end);
}

// "2026-12-04" as "04/12/2026".
function frenchDate(iso) {
  return iso.split("-").reverse().join("/");
}

/* The window of `state` as the API's `from`/`to` (dates are whole Paris days, `to`
 * included), or {error} in French when the two dates are missing or reversed. */
export function windowOf(state, now = new Date()) {
  if (state.periode === "dates") {
    if (!state.du || !state.au) { return {error: "Choisissez la date de début (du) et la date de fin (au)."}; }
    if (state.au < state.du) { return {error: "La date de fin (au " + frenchDate(state.au) + ") doit suivre la date de début (du " + frenchDate(state.du) + ")."}; }
    return {from: state.du, to: state.au};
  }
  // From now (a session already begun is still shown until its end) to the end of a Paris day.
  const days = {aujourdhui: 0, semaine: 6, mois: 30}[state.periode] ?? 6;
  return {from: "", to: parisDay(days, now)};
}

// The API's filters for `state`: those the agenda shares with the directory, and its own.
export function sessionQuery(state, span) {
  const params = new URLSearchParams();
  if (state.q) { params.set("q", state.q); }
  ["theme", "public"].forEach((key) => state[key].forEach((value) => params.append(key, value)));
  if (state.territory) { params.set("territory", state.territory); }
  if (state.near) {
    params.set("near", state.near);
    if (state.radius) { params.set("radius_km", state.radius); }
  }
  if (span.from) { params.set("from", span.from); }
  params.set("to", span.to);
  state.format.forEach((value) => params.append("format", value));
  state.niveau.forEach((value) => params.append("level", value));
  return params;
}

// The agenda page's address for the same filters, online sessions only.
export function agendaPageUrl(page, state) {
  const params = new URLSearchParams({attendance: "en-ligne"});
  if (state.q) { params.set("q", state.q); }
  ["theme", "public"].forEach((key) => state[key].forEach((value) => params.append(key, value)));
  if (state.territory) { params.set("territory", state.territory); }
  state.format.forEach((value) => params.append("format", value));
  state.niveau.forEach((value) => params.append("level", value));
  // The same window: today, the week, the month, or the two dates.
  params.set("periode", state.periode || "semaine");
  if (state.periode === "dates") {
    params.set("du", state.du || "");
    params.set("au", state.au || "");
  }
  return page + "?" + params;
}

function placeOf(p) {
  return [p.place_name, p.address].filter(Boolean).join(", ");
}

// One session in a popup: title, when, where, the event's page.
function sessionNode(p, embed) {
  const link = el("a", {href: p.url, text: "Voir l’événement"});
  if (embed) { Object.assign(link, {target: "_blank", rel: "noopener"}); }
  return el("li", {className: "seance"}, [
    el("strong", {className: "titre", text: p.title}),
    el("span", {className: "quand", text: when(p.starts_at, p.ends_at) + (p.cancelled ? " — annulée" : "")}),
    placeOf(p) ? el("span", {className: "ou", text: placeOf(p)}) : null,
    el("span", {className: "meta", text: [p.format_label, p.level_label].filter(Boolean).join(" · ")}),
    link
  ]);
}

/* `root`: the map page; load() draws the sessions for the state in the view (or removes
 * them outside the agenda mode). The page's [data-carte] says data-agenda (how many in
 * view, or "error") and data-agenda-seq (which load) once a load ended. */
export function createSessions(map, root, config, state) {
  const listEl = root.querySelector("[data-results]");
  const countEl = root.querySelector("[data-count]");
  const errorEl = root.querySelector("[data-agenda-error]");
  const cluster = L.markerClusterGroup({
    showCoverageOnHover: false, maxClusterRadius: 40,
    // Sessions, not places, are counted; our own class, so that the actors' clusters hide alone.
    iconCreateFunction(group) {
      const count = group.getAllChildMarkers().reduce((sum, marker) => sum + marker.options.sessions, 0);
      return L.divIcon({className: "grappe-seances", iconSize: [34, 34], html: el("span", {text: String(count)})});
    }
  });
  const markers = new Map();  // session id -> marker of its place
  let asked = 0;
  let timer = null;
  let features = [];         // the sessions loaded (placed ones), by date
  // The area and filters of the last load (begun or ended), how many matched when capped.
  let loaded = {bounds: null, key: "", capped: 0};
  let busy = false;  // a load is under way: it will list the sessions when it ends

  // The filters a load depends on, besides the area.
  function keyOf() {
    const span = windowOf(state);
    return span.error ? "" : sessionQuery(state, span).toString();
  }

  map.on("moveend", () => {
    if (state.mode !== "agenda") { return; }
    // Within the area loaded for the same filters, all of it loaded: nothing new to ask.
    if (loaded.bounds && !loaded.capped && loaded.bounds.contains(map.getBounds()) && loaded.key === keyOf()) {
      if (!busy) { render(); }
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(load, 250);
  });

  function markerFor(group) {
    const [lon, lat] = group[0].geometry.coordinates;
    const titles = Array.from(new Set(group.map((f) => f.properties.title)));
    const marker = L.marker([lat, lon], {
      title: plural(group.length, "séance") + " : " + titles.join(" ; "), alt: titles.join(" ; "),
      keyboard: true, riseOnHover: true, sessions: group.length,
      icon: L.divIcon({className: "seance-marqueur", iconSize: [22, 22], html: ""})
    });
    // A node, not a string: Leaflet would parse a string as HTML.
    marker.bindPopup(() => {
      const items = group.slice(0, POPUP_SESSIONS).map((f) => sessionNode(f.properties, config.embed));
      if (group.length > POPUP_SESSIONS) {
        items.push(el("li", {className: "plus", text: "… et " + (group.length - POPUP_SESSIONS) + " autres séances ici (voir la liste)."}));
      }
      return el("ul", {className: "popup-seances"}, items);
    }, {maxWidth: 320, autoPanPadding: [20, 20]});
    return marker;
  }

  function draw() {
    cluster.clearLayers();
    markers.clear();
    const byPlace = new Map();
    features.forEach((f) => {
      const key = f.geometry.coordinates.join(",");
      if (!byPlace.has(key)) { byPlace.set(key, []); }
      byPlace.get(key).push(f);
    });
    byPlace.forEach((group) => {
      const marker = markerFor(group);
      group.forEach((f) => markers.set(String(f.properties.id), marker));
      cluster.addLayer(marker);
    });
  }

  function open(id) {
    const marker = markers.get(id);
    if (marker) { cluster.zoomToShowLayer(marker, () => marker.openPopup()); }
  }

  // The list and its count: the sessions in view, by date (the API's order).
  function render() {
    const bounds = map.getBounds();
    const shown = features.filter((f) => bounds.contains([f.geometry.coordinates[1], f.geometry.coordinates[0]]));
    let text = plural(shown.length, "séance") + " dans la vue, par date";
    if (loaded.capped) { text += " — la carte en montre " + features.length + " sur " + loaded.capped + " : zoomez ou réduisez la période"; }
    countEl.textContent = text + ".";
    listEl.textContent = "";
    shown.forEach((f) => {
      const p = f.properties;
      const button = el("button", {type: "button", className: "resultat", "data-session": String(p.id)}, [
        el("span", {className: "quand", text: when(p.starts_at, p.ends_at) + (p.cancelled ? " — annulée" : "")}),
        el("span", {className: "nom", text: p.title}),
        el("span", {className: "meta", text: [p.format_label, placeOf(p)].filter(Boolean).join(" · ")})
      ]);
      button.addEventListener("click", () => open(String(p.id)));
      listEl.appendChild(el("li", {}, [button]));
    });
    root.setAttribute("data-agenda", String(shown.length));
  }

  // How many sessions matching are online only (no place), with the agenda's link for them.
  function online(base, question) {
    const count = (attendance) => {
      const query = new URLSearchParams(base);
      query.set("attendance", attendance);
      query.set("page_size", "1");
      return getJSON(config.api.events + "?" + query).then((page) => page.count);
    };
    // « en-ligne » counts the hybrid sessions too, which have a place on the map.
    return Promise.all([count("en-ligne"), count("hybride")]).then(([all, hybrid]) => {
      if (question !== asked) { return; }
      const only = all - hybrid;
      const box = root.querySelector("[data-online]");
      box.textContent = "";
      box.hidden = only === 0;
      root.setAttribute("data-online-count", String(only));
      if (only === 0) { return; }
      box.appendChild(document.createTextNode(plural(only, "séance") + " en ligne seulement (hors carte) : "));
      const link = el("a", {href: agendaPageUrl(config.agendaPage, state), text: "les voir dans l’agenda"});
      if (config.embed) { Object.assign(link, {target: "_blank", rel: "noopener"}); }
      box.appendChild(link);
    }).catch(() => { /* the count is a pointer, the map stands without it */ });
  }

  async function load() {
    const question = ++asked;
    clearTimeout(timer);
    root.querySelector("[data-online]").hidden = true;
    root.removeAttribute("data-online-count");
    busy = false;
    if (state.mode !== "agenda") {
      map.removeLayer(cluster);
      errorEl.hidden = true;
      return;
    }
    map.addLayer(cluster);
    loaded = {bounds: null, key: "", capped: 0};
    const span = windowOf(state);
    errorEl.textContent = span.error || "";
    errorEl.hidden = !span.error;
    if (span.error) {
      features = [];
      draw();
      listEl.textContent = "";
      countEl.textContent = "Corrigez les dates pour voir les séances.";
      root.setAttribute("data-agenda", "error");
      root.setAttribute("data-agenda-seq", String(question));
      return;
    }
    const base = sessionQuery(state, span);
    const query = new URLSearchParams(base);
    const b = map.getBounds().pad(0.5);
    query.set("bbox", [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -90), Math.min(b.getEast(), 180), Math.min(b.getNorth(), 90)].map((v) => v.toFixed(5)).join(","));
    query.set("page_size", String(PAGE_SIZE));
    countEl.textContent = "Chargement de l’agenda…";
    loaded = {bounds: b, key: base.toString(), capped: 0};
    busy = true;
    let found = [];
    let last;
    try {
      for (let page = 1; ; page += 1) {
        query.set("page", String(page));
        last = await getJSON(config.api.events + "?" + query);
        if (question !== asked) { return; }
        found = found.concat(last.features);
        if (!last.truncated || found.length >= MAX_SESSIONS) { break; }
      }
    } catch (error) {
      if (question !== asked) { return; }
      busy = false;
      loaded = {bounds: null, key: "", capped: 0};
      features = [];
      draw();
      listEl.textContent = "";
      countEl.textContent = "Impossible de charger l’agenda : " + error.message;
      root.setAttribute("data-agenda", "error");
      root.setAttribute("data-agenda-seq", String(question));
      return;
    }
    busy = false;
    features = found.filter((f) => f.geometry);
    loaded.capped = last.count > found.length ? last.count : 0;
    draw();
    render();
    online(base, question);
    root.setAttribute("data-agenda-seq", String(question));
  }

  return {load};
}
