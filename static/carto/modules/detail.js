/* The detail panel: an actor's sheet (type, themes, address, hours, contact, initiatives,
 * a link to share), loaded from the API, closed with its button or Escape. */
import {el, copyField} from "./dom.js";
import {getJSON} from "./api.js";

function section(title, nodes) {
  nodes = nodes.filter(Boolean);
  return nodes.length ? el("section", {}, [el("h3", {text: title})].concat(nodes)) : null;
}

function hours(p) {
  if (!p.opening_hours_text) { return null; }
  const status = p.open_now === true ? el("p", {className: "ouvert", text: "Ouvert maintenant"})
    : p.open_now === false ? el("p", {className: "ferme", text: "Fermé en ce moment"}) : null;
  const lines = el("ul", {}, p.opening_hours_text.map((line) => el("li", {text: line})));
  return section("Horaires", [status, lines, p.appointment ? el("p", {text: "Sur rendez-vous."}) : null]);
}

function contacts(p) {
  const items = [];
  if (p.phone) { items.push(el("a", {href: "tel:" + p.phone.replace(/\s+/g, ""), text: p.phone})); }
  if (p.email) { items.push(el("a", {href: "mailto:" + p.email, text: p.email})); }
  if (/^https?:\/\//.test(p.website || "")) { items.push(el("a", {href: p.website, rel: "noopener", target: "_blank", text: p.website})); }
  return section("Contact", items.length ? [el("ul", {}, items.map((link) => el("li", {}, [link])))] : []);
}

// The link to the map centred on the actor, with its sheet open, and a button to copy it.
function sharing(pageUrl, feature) {
  const [lon, lat] = feature.geometry.coordinates;
  const share = pageUrl + "?actor=" + encodeURIComponent(feature.id) + "&map=" + [lat.toFixed(5), lon.toFixed(5), 15].join(",");
  const field = el("input", {type: "text", readonly: "readonly", value: share, "aria-label": "Lien à partager"});
  const copy = el("button", {type: "button", className: "bouton", text: "Copier le lien"});
  copy.addEventListener("click", () => { copyField(field); copy.textContent = "Lien copié"; });
  return section("Partager", [field, copy]);
}

function render(feature, pageUrl, onClose) {
  const p = feature.properties;
  const close = el("button", {type: "button", className: "fermer", "aria-label": "Fermer la fiche", text: "×"});
  close.addEventListener("click", onClose);
  const kind = p.kind_label + (p.itinerant ? " · service itinérant" : "") +
    (p.to_locate ? " · position approximative (" + p.precision_label.toLowerCase() + ")" : "");
  const address = [p.address, p.address_extra, [p.postcode, p.city].filter(Boolean).join(" ")].filter(Boolean);
  const initiatives = (p.initiatives || []).map((i) => el("li", {text: i.title}));
  const verified = p.last_verified ? " · vérifié le " + new Date(p.last_verified).toLocaleDateString("fr-FR") : "";
  return [
    close,
    el("h2", {text: p.name}),
    el("p", {className: "type", text: kind}),
    el("p", {className: "etiquettes"}, p.themes.map((t) => el("span", {className: "etiquette", text: t.label}))),
    p.publics.length ? el("p", {className: "publics", text: "Publics : " + p.publics.map((x) => x.label).join(", ")}) : null,
    p.description ? el("p", {className: "description", text: p.description}) : null,
    section("Adresse", address.map((line) => el("p", {text: line}))),
    hours(p),
    contacts(p),
    section("Initiatives", initiatives.length ? [el("ul", {}, initiatives)] : []),
    sharing(pageUrl, feature),
    el("p", {className: "source", text: "Source : " + p.source + verified})
  ].filter(Boolean);
}

/* `element`: the panel; `url`: the actor API's URL with {id}; onClose() from its button or
 * Escape. open(id, focus) loads and shows an actor (the last asked wins); hide(). */
export function createDetail(element, {url, pageUrl, onClose}) {
  let asked = 0;
  element.addEventListener("keydown", (event) => { if (event.key === "Escape") { onClose(); } });

  function open(id, focus) {
    const question = ++asked;
    getJSON(url.replace("{id}", encodeURIComponent(id))).then((feature) => {
      if (question !== asked) { return; }
      element.replaceChildren(...render(feature, pageUrl, onClose));
      element.hidden = false;
      if (focus) { element.focus(); }
    }).catch((error) => {
      if (question !== asked) { return; }
      element.hidden = false;
      element.textContent = "Fiche indisponible : " + error.message;
    });
  }

  function hide() {
    asked += 1;
    element.hidden = true;
  }

  return {open, hide};
}
