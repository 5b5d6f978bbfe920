/* Likely duplicates of a proposed actor, listed before it is sent: the listed actors with
 * the same SIRET or a similar name within 1 km (server side), each with a link to its
 * correction form (« c'est la même ») and to the map. Built as text, never as HTML. */
import {el} from "./dom.js";
import {getJSON} from "./api.js";

function item(result) {
  const where = [result.kind_label, result.city].filter(Boolean).join(", ");
  const why = result.reason + (result.distance_m !== null ? ", à " + result.distance_m + " m" : "");
  return el("li", {}, [
    el("strong", {text: result.name}),
    document.createTextNode(" — " + where + " (" + why + ") : "),
    el("a", {href: result.correction_url, text: "c’est la même : proposer une correction"}),
    document.createTextNode(" · "),
    el("a", {href: result.map_url, target: "_blank", rel: "noopener", text: "voir sur la carte"})
  ]);
}

/* `box`: an aria-live element; `url`: the duplicates endpoint. check({name, siret, at})
 * asks again (at: [lat, lon] or null); the last question wins. */
export function createDuplicates(box, url) {
  let asked = 0;
  let timer;

  function render(results) {
    if (!results.length) { box.replaceChildren(); return; }
    const title = results.length > 1 ? results.length + " fiches semblables existent déjà" : "Une fiche semblable existe déjà";
    box.replaceChildren(
      el("h3", {text: title}),
      el("p", {text: "Vérifiez qu’il ne s’agit pas de la même structure avant d’envoyer votre proposition."}),
      el("ul", {}, results.map(item))
    );
  }

  function ask({name, siret, at}) {
    const question = ++asked;
    const params = new URLSearchParams();
    if (name) { params.set("name", name); }
    if (siret) { params.set("siret", siret); }
    if (at) { params.set("lat", String(at[0])); params.set("lon", String(at[1])); }
    if (!(siret || (name && at))) { render([]); return; }
    getJSON(url + "?" + params).then((answer) => {
      if (question === asked) { render(answer.results); }
    }).catch(() => {});
  }

  return {
    check(values) { clearTimeout(timer); timer = setTimeout(() => ask(values), 250); }
  };
}
