#!/usr/bin/env node
// Validates « lieux de médiation numérique » (LMN) with the national standard's own package,
// @gouvfr-anct/lieux-de-mediation-numerique (installed by `npm ci --prefix frontend`): no rule of
// the standard is written here, every check is one of the package's constructors.
//
//   node scripts/validate-lmn.mjs FILE.json      a JSON array of places in the schema's flat form
//   node scripts/validate-lmn.mjs --vocabulary   the package's vocabularies, as JSON
//
// Each place goes through `fromSchemaLieuDeMediationNumerique` (id, pivot, nom, adresse,
// localisation, services, typologies, frais, dispositifs, labels… each by its constructor),
// then the items its model types as Courriel and Url through those constructors, then back
// through `toSchemaLieuMediationNumerique`: a place whose round trip through the package's
// model changes it (a value the model drops or rewrites, an unknown field) fails too.
// Prints one line a failure (« n° INDEX (ID) CHAMP : MESSAGE ») and a summary line; exits 1
// when any place fails, 2 when the file cannot be read.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '..', 'frontend', 'package.json'));
const lmn = require('@gouvfr-anct/lieux-de-mediation-numerique');

const VOCABULARIES = {
  services: lmn.Service,
  typologie: lmn.Typologie,
  frais_a_charge: lmn.Frais,
  modalites_acces: lmn.ModaliteAcces,
  modalites_accompagnement: lmn.ModaliteAccompagnement,
  publics_specifiquement_adresses: lmn.PublicSpecifiquementAdresse,
  prise_en_charge_specifique: lmn.PriseEnChargeSpecifique,
  dispositif_programmes_nationaux: lmn.DispositifProgrammeNational,
  formations_labels: lmn.FormationLabel,
  itinerance: lmn.Itinerance
};

const split = (value) => (value == null ? [] : String(value).split('|'));

function failuresOf(place) {
  let model;
  try {
    model = lmn.fromSchemaLieuDeMediationNumerique(place);
  } catch (error) {
    return [[error.key ?? 'lieu', error.message]];
  }
  const failures = [];
  if (Number.isNaN(model.date_maj.getTime())) failures.push(['date_maj', `La date ${place.date_maj} n'est pas valide`]);
  for (const [field, check] of [['courriels', lmn.Courriel], ['site_web', lmn.Url]]) {
    for (const item of split(place[field])) {
      try {
        check(item);
      } catch (error) {
        failures.push([field, error.message]);
      }
    }
  }
  if (failures.length > 0) return failures;
  const back = lmn.toSchemaLieuMediationNumerique(model);
  for (const field of new Set([...Object.keys(place), ...Object.keys(back)])) {
    if (JSON.stringify(place[field]) !== JSON.stringify(back[field])) {
      failures.push([field, `modifié par le modèle du paquet : ${JSON.stringify(place[field])} -> ${JSON.stringify(back[field])}`]);
    }
  }
  return failures;
}

function main(argv) {
  if (argv[0] === '--vocabulary') {
    const vocabularies = Object.fromEntries(Object.entries(VOCABULARIES).map(([field, values]) => [field, Object.values(values)]));
    process.stdout.write(`${JSON.stringify(vocabularies)}\n`);
    return 0;
  }
  if (argv.length !== 1) {
    process.stderr.write('usage : node scripts/validate-lmn.mjs FICHIER.json | --vocabulary\n');
    return 2;
  }
  let places;
  try {
    places = JSON.parse(readFileSync(argv[0], 'utf8'));
  } catch (error) {
    process.stderr.write(`${argv[0]} : lecture impossible (${error.message})\n`);
    return 2;
  }
  if (!Array.isArray(places)) {
    process.stderr.write(`${argv[0]} : une liste de lieux est attendue\n`);
    return 2;
  }
  let refused = 0;
  places.forEach((place, index) => {
    const failures = failuresOf(place);
    if (failures.length > 0) refused += 1;
    for (const [field, message] of failures) {
      process.stdout.write(`n° ${index + 1} (${place?.id ?? 'sans id'}) ${field} : ${message}\n`);
    }
  });
  process.stdout.write(`${places.length} lieux lus, ${places.length - refused} valides, ${refused} refusés\n`);
  return refused > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
