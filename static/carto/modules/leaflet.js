/* Leaflet's global `L`. Leaflet and Leaflet.markercluster are classic `defer` scripts that
 * the templates place before the module entry points; module scripts run after them, in
 * document order, so `L` is set when the modules are evaluated. */

export const L = window.L;
if (!L) { throw new Error("Leaflet must be loaded (a defer script) before carto's modules"); }
