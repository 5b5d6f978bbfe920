/* The map's state and the URL: the whole state (filters, labels, overlays, mode, selected
 * actor, view) lives in the query string, read at load and on « back », written on each
 * change, so that any view can be shared, bookmarked and gone back to. The « Agenda » mode
 * adds its window (`periode`, and `du`/`au` between two dates) and its `format`/`niveau`
 * filters (`niveau`, since `level` names the coverage's level). */

export const LIST_KEYS = ["kind", "theme", "public"];
export const AGENDA_KEYS = ["format", "niveau"];
export const PERIODS = ["aujourdhui", "semaine", "mois", "dates"];
const MODES = ["annuaire", "couverture", "agenda"];

export function readState(search) {
  const params = new URLSearchParams(search);
  const state = {
    q: params.get("q") || "",
    territory: params.get("territory") || "", territoryLabel: params.get("tl") || "",
    near: params.get("near") || "", nearLabel: params.get("nl") || "", radius: params.get("radius_km") || "",
    actor: params.get("actor") || "",
    overlays: (params.get("overlays") || "").split(",").filter(Boolean),
    mode: MODES.includes(params.get("mode")) ? params.get("mode") : "annuaire",
    periode: PERIODS.includes(params.get("periode")) ? params.get("periode") : "semaine",
    du: params.get("du") || "", au: params.get("au") || "",
    level: params.get("level") || "bv", metric: params.get("metric") || "share_within",
    view: null
  };
  LIST_KEYS.concat(AGENDA_KEYS).forEach((key) => { state[key] = params.getAll(key); });
  const view = (params.get("map") || "").split(",").map(Number);
  if (view.length === 3 && view.every((n) => !isNaN(n))) { state.view = view; }
  return state;
}

// The directory's filters, as the API (and the print view) read them.
export function filterQuery(state) {
  const params = new URLSearchParams();
  if (state.q) { params.set("q", state.q); }
  LIST_KEYS.forEach((key) => state[key].forEach((value) => params.append(key, value)));
  if (state.territory) { params.set("territory", state.territory); }
  if (state.near) {
    params.set("near", state.near);
    if (state.radius) { params.set("radius_km", state.radius); }
  }
  return params;
}

// The page's own parameters: the filters and all the rest, with the map's current view.
export function pageQuery(state, map) {
  const params = filterQuery(state);
  if (state.territoryLabel && state.territory) { params.set("tl", state.territoryLabel); }
  if (state.nearLabel && state.near) { params.set("nl", state.nearLabel); }
  if (state.overlays.length) { params.set("overlays", state.overlays.join(",")); }
  if (state.mode === "couverture") {
    params.set("mode", "couverture");
    params.set("level", state.level);
    params.set("metric", state.metric);
  }
  if (state.mode === "agenda") {
    params.set("mode", "agenda");
    params.set("periode", state.periode);
    if (state.periode === "dates") {
      if (state.du) { params.set("du", state.du); }
      if (state.au) { params.set("au", state.au); }
    }
    AGENDA_KEYS.forEach((key) => state[key].forEach((value) => params.append(key, value)));
  }
  if (state.actor) { params.set("actor", state.actor); }
  const centre = map.getCenter();
  params.set("map", [centre.lat.toFixed(5), centre.lng.toFixed(5), map.getZoom()].join(","));
  return params;
}

// Write the URL: a new history step when `push`, else in place.
export function writeUrl(params, push) {
  const url = window.location.pathname + "?" + params.toString();
  if (push) { window.history.pushState(null, "", url); } else { window.history.replaceState(null, "", url); }
}

// « Tout effacer »: no filter, no place (the view, overlays and mode stay).
export function clearFilters(state) {
  LIST_KEYS.concat(AGENDA_KEYS).forEach((key) => { state[key] = []; });
  Object.assign(state, {q: "", territory: "", territoryLabel: "", near: "", nearLabel: "", radius: ""});
}
