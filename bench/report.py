"""Issue 12's targets, the verdict of a run against them, and its two outputs:
`bench/results/latest.json` (everything measured) and the generated part of
`docs/benchmarks.md` (the side-by-side table and the targets, in French).

Design choices:
- a target is checked only on what was measured: an operation « non disponible » (its
  endpoint missing, or refusing the request) gets « — » and its reason, never a number;
- where a target is missed, the table says by how much, and why as far as the run
  itself can tell: against the floor (the SQL alone) the miss is either the database's
  or the web layer's, and the shared 2 cores (wrk, gunicorn and PostgreSQL on the same
  machine) are named; the reader adds what the run cannot know;
- docs/benchmarks.md keeps its hand-written parts: only the text between the two
  markers below is replaced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

BEGIN = "<!-- bench:début (généré par python -m bench.run : ne pas modifier à la main) -->"
END = "<!-- bench:fin -->"


@dataclass
class Check:
    operation: str
    target: str
    measured: str
    ok: bool | None  # None: not measured
    gap: str = ""

    def to_json(self) -> dict:
        return self.__dict__.copy()


def _get(result: dict | None, *keys):
    value = result
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _ms(value) -> str:
    if value is None:
        return "—"
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def _available(result: dict | None) -> bool:
    return bool(result and result.get("available"))


WEB_LAYER = (
    "la couche web (Django, sérialisation, gzip) et l'attente de 4 connexions pour 2 workers, "
    "wrk partageant les 2 cœurs"
)


def _why_latency(operation: dict, percentile: str, limit: float) -> str:
    carto, floor = operation.get("carto") or {}, operation.get("floor") or {}
    measured = carto.get(f"{percentile}_ms")
    floor_value = floor.get(f"{percentile}_ms") if floor else None
    parts = [f"manque de {measured - limit:.1f} ms"]
    if floor_value is not None:
        web = measured - floor_value
        if floor_value >= limit * 0.8:
            parts.append(
                f"le SQL seul (plancher, sans HTTP) coûte déjà {floor_value:.1f} ms au "
                f"{percentile}, {WEB_LAYER} en ajoutent {web:.0f}"
            )
        else:
            parts.append(
                f"le SQL seul ne coûte que {floor_value:.1f} ms au {percentile} : le reste "
                f"({web:.0f} ms) est {WEB_LAYER}"
            )
    for key, p95 in operation.get("slowest_parts", []):
        parts.append(f"{key} seule : p95 {p95:.0f} ms")
    if carto.get("errors"):
        parts.append(f"{carto['errors']} erreurs")
    return " ; ".join(parts)


def _all_empty(carto: dict | None) -> bool:
    """Every probed response was empty (a tile with nothing in it): nothing to judge."""
    probed = _get(carto, "probe", "probed")
    return bool(probed) and _get(carto, "probe", "empty") == probed


EMPTY = "les réponses sondées sont vides (tuiles sans rien) : mesuré, mais rien à juger"


def _latency(key: str, operation: dict, percentile: str, limit: float) -> Check:
    carto = operation.get("carto")
    target = f"{percentile} ≤ {limit:g} ms"
    if not _available(carto):
        return Check(key, target, "non disponible", None, _get(carto, "reason") or "")
    measured = carto[f"{percentile}_ms"]
    if _all_empty(carto):
        return Check(key, target, _ms(measured), None, EMPTY)
    ok = measured <= limit
    return Check(
        key,
        target,
        _ms(measured),
        ok,
        "" if ok else _why_latency(operation, percentile, limit),
    )


def _throughput(key: str, operation: dict, minimum: float) -> Check:
    carto = operation.get("carto")
    target = f"≥ {minimum:,.0f} req/s sans erreur".replace(",", " ")
    if not _available(carto):
        return Check(key, target, "non disponible", None, _get(carto, "reason") or "")
    rps, errors = carto["rps"], carto["errors"]
    if _all_empty(carto):
        return Check(key, target, f"{rps:.0f} req/s, {errors} erreur(s)", None, EMPTY)
    ok = rps >= minimum and errors == 0
    gap = []
    if rps < minimum:
        gap.append(
            f"manque {minimum - rps:.0f} req/s : 2 workers synchrones, soit au mieux "
            f"2 / {carto['mean_ms']:.1f} ms de latence moyenne, sur 2 cœurs partagés avec wrk "
            "et PostgreSQL"
        )
    if errors:
        gap.append(f"{errors} erreurs ({carto.get('errors_detail')})")
    return Check(key, target, f"{rps:.0f} req/s, {errors} erreur(s)", ok, " ; ".join(gap))


def _floor_ratio(key: str, operation: dict, factor: float) -> Check:
    carto, floor = operation.get("carto"), operation.get("floor")
    target = f"p95 ≤ {factor:g} × le plancher"
    if not _available(carto) or not floor:
        reason = _get(carto, "reason") or ("pas de plancher" if not floor else "")
        return Check(key, target, "non disponible", None, reason)
    ratio = carto["p95_ms"] / floor["p95_ms"] if floor["p95_ms"] else None
    ok = ratio is not None and ratio <= factor
    gap = ""
    if not ok and ratio is not None:
        gap = (
            f"manque de {carto['p95_ms'] - factor * floor['p95_ms']:.1f} ms "
            f"(plancher {floor['p95_ms']:.2f} ms) : {WEB_LAYER}"
        )
    return Check(key, target, f"{ratio:.1f} ×" if ratio else "—", ok, gap)


def _naive_ratio(key: str, operation: dict, factor: float) -> Check:
    carto, naive = operation.get("carto"), operation.get("naive")
    target = f"≥ {factor:g} × plus rapide que la voie naïve (p50)"
    if not _available(carto) or not _available(naive):
        reason = _get(carto, "reason") or _get(naive, "reason") or ""
        return Check(key, target, "non disponible", None, reason)
    ratio = naive["p50_ms"] / carto["p50_ms"]
    ok = ratio >= factor
    gap = ""
    if not ok:
        gap = (
            f"manque ×{factor / ratio:.1f} : la voie naïve ne coûte ici que "
            f"{naive['p50_ms']:.0f} ms (p50) ; l'écart grandit avec la table"
        )
    return Check(key, target, f"{_ratio(ratio)} ×", ok, gap)


def _bytes_per_feature(key: str, operation: dict, limit: float) -> Check:
    carto = operation.get("carto")
    target = f"≤ {limit:g} octets par acteur (gzip)"
    value = _get(carto, "probe", "bytes_per_feature_gz")
    if value is None:
        return Check(key, target, "non disponible", None, _get(carto, "reason") or "")
    ok = value <= limit
    gap = ""
    if not ok:
        raw = _get(carto, "probe", "bytes_per_feature_raw")
        gap = f"manque de {value - limit:.1f} octets par acteur ({raw:.0f} octets bruts avant gzip)"
        if not _get(carto, "probe", "gzip"):
            gap += " ; réponse non compressée"
    return Check(key, target, f"{value:.1f} octets", ok, gap)


def _cap(key: str, operation: dict, cap: int) -> Check:
    carto = operation.get("carto")
    target = f"au plus {cap} acteurs par réponse"
    features = _get(carto, "probe", "features_median")
    if not _available(carto) or features is None:
        return Check(key, target, "non disponible", None, _get(carto, "reason") or "")
    return Check(key, target, f"{features:.0f} acteurs (médiane)", features <= cap)


def _size(key: str, operation: dict, limit_kb: float) -> Check:
    carto = operation.get("carto")
    target = f"≤ {limit_kb:g} Ko par tuile"
    largest = _get(carto, "probe", "bytes_max")
    if not _available(carto) or largest is None:
        return Check(key, target, "non disponible", None, _get(carto, "reason") or "")
    if _all_empty(carto):
        return Check(key, target, "0 o", None, EMPTY)
    kb = largest / 1024
    ok = kb <= limit_kb
    return Check(
        key,
        target,
        f"{_octets(largest)} (la plus grosse des {_get(carto, 'probe', 'probed')} sondées, "
        "telle qu'envoyée)",
        ok,
        "" if ok else f"manque de {kb - limit_kb:.1f} Ko",
    )


def checks(results: dict) -> list[Check]:
    """Every target of issue 12, checked against this run."""
    ops = results["operations"]
    found: list[Check] = []

    def op(key):
        return ops.get(key) or {}

    found += [
        _latency("near", op("near"), "p95", 10),
        _floor_ratio("near", op("near"), 3),
        _throughput("near", op("near"), 1000),
        _naive_ratio("near", op("near"), 50),
        _latency("bbox_city", op("bbox_city"), "p95", 25),
        _bytes_per_feature("bbox_city", op("bbox_city"), 20),
        _latency("bbox_departement", op("bbox_departement"), "p95", 80),
        _cap("bbox_departement", op("bbox_departement"), 5000),
        _bytes_per_feature("bbox_departement", op("bbox_departement"), 20),
        _latency("tiles_z14", op("tiles_z14"), "p95", 15),
        _throughput("tiles_z14", op("tiles_z14"), 1000),
        _latency("tiles_z10", op("tiles_z10"), "p95", 25),
        _latency("tiles_z6", op("tiles_z6"), "p95", 50),
        _size("tiles_z6", op("tiles_z6"), 100),
    ]
    for key in ops:
        if key.startswith("coverage_"):
            found.append(_latency(key, op(key), "p95", 300))
    mixed = dict(op("mixed"))
    mixed["slowest_parts"] = sorted(
        (
            (key, ops[key]["carto"]["p95_ms"])
            for key in mixed.get("parts_measured", [])
            if _available(_get(ops, key, "carto"))
        ),
        key=lambda item: -item[1],
    )[:2]
    found += [
        _throughput("mixed", mixed, 1000),
        _latency("mixed", mixed, "p99", 30),
    ]
    rss = _get(results, "servers", "carto", "worker_rss_mb")
    if rss:
        worst = max(rss)
        found.append(
            Check(
                "mixed",
                "un worker < 300 Mo",
                f"{worst:.0f} Mo",
                worst < 300,
                "" if worst < 300 else f"dépasse de {worst - 300:.0f} Mo",
            )
        )
    else:
        found.append(Check("mixed", "un worker < 300 Mo", "non disponible", None, ""))
    recompute = _get(results, "writes", "coverage_recompute")
    if _available(recompute):
        seconds = recompute["seconds"]
        found.append(
            Check(
                "coverage_recompute",
                "recalcul complet depuis la géométrie ≤ 60 s",
                f"{seconds:.0f} s",
                seconds <= 60,
                "" if seconds <= 60 else f"manque de {seconds - 60:.0f} s ({recompute['method']})",
            )
        )
    else:
        found.append(
            Check(
                "coverage_recompute",
                "recalcul complet depuis la géométrie ≤ 60 s",
                "non disponible",
                None,
                _get(recompute, "reason") or "",
            )
        )
    return found


def write_json(results: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")


# -- Markdown ------------------------------------------------------------------------------


def _pair(result: dict | None) -> str:
    if not result:
        return "—"
    if not result.get("available"):
        return "non disp."
    return f"{_ms(result['p50_ms'])} / {_ms(result['p95_ms'])}"


def _bytes(result: dict | None) -> str:
    value = _get(result, "probe", "bytes_per_feature_gz")
    return "—" if value is None else f"{value:.0f}"


def _ratio(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def _octets(value: float) -> str:
    return f"{value:.0f} o" if value < 1024 else f"{value / 1024:.1f} Ko"


def _int(value) -> str:
    """1 000 000: French thousands, with a narrow no-break space."""
    return f"{value:,.0f}".replace(",", "\u202f")


def _size_text(operation: dict) -> str:
    """The size column: bytes an actor gzipped (carto / WFS / OGC API), a tile's size."""
    carto = operation.get("carto")
    if operation.get("kind") == "tile":
        median = _get(carto, "probe", "bytes_median")
        return "—" if median is None else f"{_octets(median)}/tuile"
    if operation.get("kind") != "geojson":
        return "—"
    sides = ("carto", "wfs", "ogc") if operation.get("wfs") or operation.get("ogc") else ("carto",)
    return " / ".join(_bytes(operation.get(side)) for side in sides)


def _loads(machine: dict) -> str:
    start, end = machine.get("load_average_start") or [], machine.get("load_average_end") or []
    if len(start) < 2 or len(end) < 2:
        return "inconnue"
    return f"{start[1]:.1f} au début, {end[1]:.1f} à la fin, pour {machine['cores']} cœurs"


def _flag(ok: bool | None) -> str:
    return {True: "✅", False: "❌", None: "—"}[ok]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(results: dict) -> str:
    machine, pg = results["machine"], results["postgresql"]
    options, dataset = results["options"], results["dataset"]
    ops = results["operations"]
    lines = [
        f"Exécution du {results['generated_at']} ({results['duration_s']:.0f} s), "
        f"`{results['command']}`.",
        "",
        f"- **Machine** : {machine['cpu']} — {machine['cores']} cœurs, "
        f"{machine['ram_gb']:.0f} Go de RAM, {machine['system']} ; partagée avec d'autres "
        "travaux pendant la mesure (charge moyenne sur 5 min : "
        f"{_loads(machine)}) : les temps absolus sont bruités.",
        f"- **PostgreSQL** {pg['version']}, PostGIS {pg['postgis']}, base `{pg['database']}` "
        f"({pg['size']}). Réglages de chaque session, les mêmes pour tous les serveurs "
        f"comparés (posés par `ALTER DATABASE … SET` : "
        + (", ".join(f"`{k} = {v}`" for k, v in pg["applied"].items()) or "aucun")
        + ") : "
        + ", ".join(f"`{k}` = {v}" for k, v in pg["session"].items())
        + ". Le rôle web de carto y ajoute : "
        + (
            ", ".join(
                f"`{k}` = {v}" for k, v in pg["carto_web"].items() if pg["session"].get(k) != v
            )
            or "rien"
        )
        + ".",
        f"- **Données** : {_int(dataset['actors'])} acteurs ({dataset['generator']}), territoires : "
        + ", ".join(f"{count} {kind}" for kind, count in sorted(dataset["territories"].items()))
        + f" ; échantillons : {dataset['samples']['near_points']} points, "
        f"{dataset['samples']['city_bboxes']} vues de ville (médiane "
        f"{dataset['samples']['city_features_median']} acteurs), "
        f"{dataset['samples']['departement_bboxes']} départements, "
        f"{dataset['samples']['bv']} tirages de bassins de vie.",
        f"- **Charge** : wrk {options['threads']} threads, {options['connections']} connexions, "
        f"au moins {options['min_requests']} requêtes et {options['duration']} s par opération "
        f"(au plus {options['max_duration']} s) ; carto : gunicorn {results['servers']['carto']['workers']} "
        "workers synchrones, réglages de production ; "
        f"{results['servers']['mapserver'].get('version', 'MapServer')} : 2 processus FastCGI "
        "(spawn-fcgi) derrière lighttpd, gzip par mod_deflate.",
        "",
        "### Côte à côte",
        "",
        "p50 / p95 ; « plancher » : le SQL de la vue rejoué par psycopg, sans HTTP ; "
        "« naïf » : `Distance()`, `ST_Within` sur le contour entier, drf-gis en Python ; "
        "octets : par acteur, gzip compris (carto / WFS / OGC API) ; tuile : taille médiane "
        "telle qu'envoyée.",
        "",
        "| opération | carto HTTP p50 / p95 | p99 | req/s | erreurs | requêtes | plancher | "
        "naïf (rapport p50) | MapServer WFS | MapServer OGC API | octets/acteur gz, tuile |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _key, operation in ops.items():
        carto = operation.get("carto") or {}
        naive = operation.get("naive")
        naive_text = _pair(naive)
        if _available(naive) and _available(carto):
            naive_text += f" (×{_ratio(naive['p50_ms'] / carto['p50_ms'])})"
        floor = operation.get("floor")
        floor_text = f"{_ms(floor['p50_ms'])} / {_ms(floor['p95_ms'])}" if floor else "—"
        if _available(carto):
            row = [
                _pair(carto),
                _ms(carto["p99_ms"]),
                f"{carto['rps']:.0f}",
                str(carto["errors"]),
                str(carto["requests"]) + ("" if carto["enough_requests"] else " ⚠"),
            ]
        else:
            row = [f"non disponible : {carto.get('reason', '')}", "", "", "", ""]
        bytes_text = _size_text(operation)
        label = operation["label"]
        if operation.get("parts_measured") is not None:
            label += " — mesurée sur : " + (", ".join(operation["parts_measured"]) or "rien")
        lines.append(
            "| "
            + " | ".join(
                _cell(text)
                for text in [
                    label,
                    *row,
                    floor_text,
                    naive_text if naive else "—",
                    _pair(operation.get("wfs")) if operation.get("wfs") else "—",
                    _pair(operation.get("ogc")) if operation.get("ogc") else "—",
                    bytes_text,
                ]
            )
            + " |"
        )
    lines += [
        "",
        "⚠ : moins de requêtes que le minimum demandé dans la durée maximale (opération lente).",
        "",
        "### Objectifs",
        "",
        "| opération | objectif | mesuré | | écart et pourquoi |",
        "|---|---|---|---|---|",
    ]
    for check in results["checks"]:
        label = ops.get(check["operation"], {}).get("label") or {
            "coverage_recompute": "couverture : recalcul complet"
        }.get(check["operation"], check["operation"])
        lines.append(
            "| "
            + " | ".join(
                _cell(text)
                for text in [
                    label,
                    check["target"],
                    check["measured"],
                    _flag(check["ok"]),
                    check["gap"],
                ]
            )
            + " |"
        )
    lines += in_process_section(results["operations"])
    writes = results.get("writes", {})
    imported = writes.get("import")
    recompute = writes.get("coverage_recompute")
    lines += ["", "### Écritures", ""]
    if _available(imported):
        phases = ", ".join(
            f"{k.removesuffix('_s')} {v:.1f} s" for k, v in imported["phases"].items()
        )
        lines.append(
            f"- Import de {_int(imported['rows'])} acteurs : {imported['seconds']:.1f} s, "
            f"{_int(imported['rows_per_s'])} lignes/s ({phases}) ; {imported['method']}."
        )
    else:
        lines.append(f"- Import : non disponible ({_get(imported, 'reason') or 'non mesuré'}).")
    if _available(recompute):
        lines.append(
            f"- Recalcul complet de la couverture : {recompute['seconds']:.0f} s ({recompute['method']})."
        )
    else:
        lines.append(
            f"- Recalcul de la couverture : non disponible ({_get(recompute, 'reason') or 'non mesuré'})."
        )
    memory = results["servers"]
    lines += [
        "",
        "### Mémoire",
        "",
        "- carto, RSS de chaque worker gunicorn à la fin : "
        + (", ".join(f"{v:.0f} Mo" for v in memory["carto"].get("worker_rss_mb", [])) or "—"),
        "- voie naïve, RSS de chaque worker à la fin : "
        + (
            ", ".join(f"{v:.0f} Mo" for v in memory.get("naive", {}).get("worker_rss_mb", []))
            or "—"
        ),
        "- MapServer, RSS de chaque processus FastCGI à la fin : "
        + (", ".join(f"{v:.0f} Mo" for v in memory["mapserver"].get("rss_mb", [])) or "—"),
    ]
    missing = [
        (operation["label"], side, result.get("reason", ""))
        for operation in ops.values()
        for side in ("carto", "naive", "wfs", "ogc")
        if (result := operation.get(side)) and not result.get("available")
    ]
    missing += [
        (operation["label"], "plancher", operation["floor_reason"])
        for operation in ops.values()
        if operation.get("floor_reason")
    ]
    if missing:
        lines += ["", "### Non disponible lors de cette exécution", ""]
        for label, side, reason in missing:
            lines.append(f"- {label} ({side}) : {reason}")
    return "\n".join(lines) + "\n"


DOC_TEMPLATE = """# Bancs d'essai : `make bench`

Mesures de l'issue 12 : chaque opération de carto à travers HTTP (gunicorn, 2 workers,
réglages de production, charge par `wrk` sur la même machine), à côté de son plancher
(le même SQL par psycopg, sans couche web), de la voie naïve de GeoDjango et d'un
serveur pair (MapServer 8, WFS et OGC API Features), dans la même exécution, sur les
mêmes données. Les chiffres ci-dessous sont réécrits par chaque `make bench`.

{begin}
{end}
"""


def in_process_section(operations: dict) -> list[str]:
    """Where the time goes (p50): the SQL alone, the view in this process without and with
    the middleware, then through gunicorn under load (bench/web_layer.py)."""
    rows = []
    for operation in operations.values():
        measured = operation.get("in_process")
        if not _available(measured):
            continue
        floor = _get(operation, "floor", "p50_ms")
        http = _get(operation, "carto", "p50_ms") if _available(operation.get("carto")) else None
        bare, full = measured["bare"]["p50_ms"], measured["full"]["p50_ms"]
        cells = [
            operation["label"],
            _ms(floor),
            _ms(bare),
            _ms(full),
            _ms(full - bare),
            _ms(http),
            _ms(http - full) if http is not None else "—",
        ]
        rows.append("| " + " | ".join(_cell(text) for text in cells) + " |")
    if not rows:
        return []
    return [
        "",
        "### Où passe le temps (p50, une requête à la fois sauf HTTP)",
        "",
        "La même requête : son SQL seul (plancher), la vue de carto appelée dans le processus "
        "sans puis avec ses middlewares (bench/web_layer.py), puis à travers gunicorn sous la "
        "charge de wrk (4 connexions, 2 workers).",
        "",
        "| opération | SQL seul | vue sans middleware | avec middleware | middlewares "
        "| HTTP sous charge | HTTP, gunicorn et attente |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ]


def write_markdown(results: dict, path: Path) -> None:
    """Replace the generated part of the document (create it when missing)."""
    generated = markdown(results)
    text = path.read_text() if path.exists() else DOC_TEMPLATE.format(begin=BEGIN, end=END)
    if BEGIN not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{head}{BEGIN}\n\n{generated}\n{END}{tail}")


def main(argv=None) -> None:
    """Rewrite the checks and the Markdown from a results file, without measuring again
    (after a change of the targets or of this presentation)."""
    import argparse

    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=main.__doc__)
    parser.add_argument("--json", type=Path, default=root / "bench" / "results" / "latest.json")
    parser.add_argument("--markdown", type=Path, default=root / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    results = json.loads(args.json.read_text())
    results["checks"] = [check.to_json() for check in checks(results)]
    write_json(results, args.json)
    write_markdown(results, args.markdown)


if __name__ == "__main__":
    main()
