/* The error summary of a refused form (templates/contributions/propose/_erreurs.html): focused
 * when the page loads, so that it is read first and each error is a link to its field. */

export function focusErrorSummary() {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
}
