/* DOM helpers: elements built from text (never from HTML strings), Leaflet content as
 * text nodes, the page's JSON configuration, form values. */

// An element with its attributes ("text" sets its text, "className" its class) and children
// (falsy ones skipped).
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") { node.textContent = value; }
    else if (key === "className") { node.className = value; }
    else { node.setAttribute(key, value); }
  }
  for (const child of children) { if (child) { node.appendChild(child); } }
  return node;
}

// Leaflet content (tooltip, popup) showing `text` as text: a string would be parsed as HTML.
export function asText(text) {
  return () => el("span", {text});
}

// The configuration a template wrote with json_script (no inline script: the CSP forbids it).
export function readConfig(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

// The values of the checked boxes named `name` inside `scope`.
export function checkedValues(scope, name) {
  return Array.from(scope.querySelectorAll(`input[name="${name}"]:checked`), (box) => box.value);
}

// Copy a text field's value to the clipboard, selected as well for a manual copy.
export function copyField(field) {
  field.select();
  if (navigator.clipboard) { navigator.clipboard.writeText(field.value).catch(() => {}); }
  else { document.execCommand("copy"); }
}
