"""Static files in production: WhiteNoise's compressed manifest storage (content-hashed
names, served for a year), with the map's ES module imports rewritten to those names.

Without the rewrite a hashed entry point (carte.<hash>.js), cached for a year, would
import ./modules/state.js by its plain name: the module of whatever build is current,
not of its own. Django rewrites `import … from "./x.js";` (the `;` is required) and
`export … from`; the import graph must have no cycle, or hashing never settles.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
