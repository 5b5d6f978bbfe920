/* API client: GET and POST against carto's API; a refusal becomes an Error carrying the
 * API's French `detail`. */

async function request(url, options = {}) {
  const response = await fetch(url, {...options, headers: {Accept: "application/json", ...options.headers}});
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(body.detail || "Erreur " + response.status);
  }
  return response;
}

function post(body) {
  return {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)};
}

export function getJSON(url) {
  return request(url).then((response) => response.json());
}

export function postJSON(url, body) {
  return request(url, post(body)).then((response) => response.json());
}

// A POST answered with a file (ICS, CSV, GeoJSON, HTML export): its Blob.
export function postForBlob(url, body) {
  return request(url, post(body)).then((response) => response.blob());
}

// A URL from the server's template with KIND and CODE in its path (a territory, its sheet).
export function territoryUrl(template, kind, code) {
  return template.replace("KIND", encodeURIComponent(kind)).replace("CODE", encodeURIComponent(code));
}
