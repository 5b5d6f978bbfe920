"""Proposing from the field: a new actor or initiative, an error report, the follow page.

Design choices:
- A proposal is written at once as a pending row of the directory (status « pending »,
  source « contribution »), with a `Proposal` naming it: nothing is public before a
  référent publishes it, and nothing is copied when they do (see contributions.models).
- The proposer gets one secret link (`/proposer/suivi/<token>/`), by e-mail when they
  gave one and as the page they land on: the token is stored hashed, the page sends
  `Referrer-Policy: same-origin` so that no third party (a tile server) reads it.
- Every write view goes through `guards.protected_write`: a rate limit per address
  (django-ratelimit, 429) and a honeypot (a filled one answers like a success and
  writes nothing). CSRF stays on.
- Forms re-render with everything typed on an error, and name what is wrong in French;
  text lengths come from the models, free texts and lists have caps of their own.

Modules: `places` (is a point in France), `place_fields` and `fields` (form fields and
their checks), `honeypot`, `forms` (the actor's, and what every form shares),
`initiative_form`, `reports` (error reports: form and views), `services` (writes),
`duplicates`, `guards`, `views` (propose, follow), `endpoints` (JSON for the forms'
scripts: hours in words, likely duplicates).
"""
