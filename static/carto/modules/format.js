/* French wording of numbers shown to people: distances, counts with their plural. */

// "350 m" or "1,2 km".
export function distance(metres) {
  if (metres < 1000) { return Math.round(metres) + " m"; }
  return (metres / 1000).toLocaleString("fr-FR", {maximumFractionDigits: 1}) + " km";
}

// "à 350 m" (how far an actor is), or nothing when the distance is unknown.
export function away(metres) {
  return metres == null ? "" : "à " + distance(metres);
}

// "12 345", or "plus de 10 000" when the API counted only up to its bound (`count_exact`
// false): a bounded count is a minimum, never shown as if it were the total.
export function total(count, exact) {
  const shown = count.toLocaleString("fr-FR");
  return exact === false ? "plus de " + shown : shown;
}

// "1 acteur", "3 acteurs".
export function plural(count, word) {
  return count + " " + word + (count > 1 ? "s" : "");
}
