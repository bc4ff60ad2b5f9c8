"""The report of a batch: summary.csv, timeseries.csv, figures/*.png, report.md and report.html.

Everything is rebuilt from ``results.parquet`` (or the run files) and
``manifest.json`` of an output folder, so ``rural-abm report DIR`` can be run
again at any time (for example after a resumed batch).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from rural_abm.model import registry

from . import analysis, plots, store

SHOWN = ["variant", "point", "output", "n", "mean", "effect", "effect_ci_low", "effect_ci_high", "welch_ci_low", "welch_ci_high", "relative_change", "extra_cost_cum", "cost_per_unit_effect"]


@dataclass
class ReportFiles:
    out: Path
    summary: pd.DataFrame
    timeseries: pd.DataFrame
    figures: dict = field(default_factory=dict)  # stem -> Path
    paths: dict = field(default_factory=dict)


def _fmt(x) -> str:
    if isinstance(x, float):
        if x != x:
            return ""
        if x == 0:
            return "0"
        if abs(x) >= 1e5 or abs(x) < 1e-3:
            return f"{x:.3g}"
        return f"{x:.4g}"
    return str(x)


def _settings(sc: dict) -> list[tuple[str, str]]:
    reg = registry()
    rows = [("PARTIAL REPORT", sc["partial"])] if sc.get("partial") else []
    rows += [
        ("scenario hash", f"{sc.get('scenario_hash', '')} (recorded in results.parquet, summary.csv and timeseries.csv)"),
        ("replications", str(sc["replications"])),
        ("seed", f"{sc['seed']} (replication r uses SeedSequence(seed, spawn_key=(r,)) in every variant)"),
        ("simulated years", f"{sc['start_year']}-{sc['start_year'] + sc['n_years'] - 1}"),
        ("effect year", str(sc["effect_year"])),
        ("baseline variant", sc["baseline"]),
        ("outputs", ", ".join(sc["outputs"])),
    ]
    for k, v in sc["parameters"].items():
        rows.append((f"parameters.{k}", f"{json.dumps(v)}" + (f" {reg[k].unit}" if k in reg and reg[k].unit else "")))
    for k, v in sc["policy"].items():
        rows.append((f"policy.{k}", f"{json.dumps(v)}" + (f" {reg[k].unit}" if k in reg and reg[k].unit else "")))
    for k, vals in sc["sweep"].items():
        rows.append((f"sweep {k}", json.dumps(vals)))
    return rows


def _variants(sc: dict) -> list[tuple[str, str, str]]:
    docs = sc.get("variant_descriptions", {})
    return [(v, ", ".join(f"{k} = {json.dumps(x)}" for k, x in o.items()) or "(scenario as is)", docs.get(v, "")) for v, o in sc["variants"].items()]


def _md_table(header, rows) -> str:
    esc = [[str(c).replace("|", "\\|").replace("\n", " ") for c in r] for r in rows]
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(r) + " |" for r in esc)])


def _summary_rows(summary: pd.DataFrame):
    cols = [c for c in SHOWN if c in summary and not (c == "point" and not summary["point"].astype(bool).any())]
    rows = [[_fmt(r[c]) for c in cols] for _, r in summary.iterrows()]
    return cols, rows


def write_report(out, show_progress: bool = False, partial: bool = False) -> ReportFiles:
    """Write the tables, figures and report page of the batch in folder ``out``.

    The folder's manifest, runs and results.parquet are checked to belong
    together first (StoreError otherwise); a batch with missing runs is
    refused unless ``partial``, and then marked as partial on the page.
    """
    out = Path(out)
    with store.folder_lock(out, "rural-abm report"):
        return _write_report(out, store.open_batch(out, partial=partial))


def _write_report(out: Path, batch: store.StoredBatch) -> ReportFiles:
    manifest, table = batch.present_manifest(), batch.table
    summary = analysis.summarise(table, manifest)
    ts = analysis.timeseries(table, manifest)
    paths = {"summary": out / "summary.csv", "timeseries": out / "timeseries.csv"}
    bound = {"scenario_hash": manifest["scenario_hash"]}
    store.atomic_write_text(paths["summary"], summary.assign(**bound).to_csv(index=False))
    store.atomic_write_text(paths["timeseries"], ts.assign(**bound).to_csv(index=False))
    figdir = out / "figures"
    figdir.mkdir(exist_ok=True)
    figures = {}
    for stem, fig in plots.all_figures(summary, ts, manifest).items():
        path = figdir / f"{stem}.png"
        fig.savefig(path, dpi=130)
        plt.close(fig)
        figures[stem] = path
    sc = {**manifest["scenario"], **bound, "partial": store.describe_missing(batch.missing, len(batch.manifest["runs"])) if batch.partial else ""}
    paths["markdown"] = out / "report.md"
    paths["html"] = out / "report.html"
    store.atomic_write_text(paths["markdown"], _markdown(sc, summary, figures, out))
    store.atomic_write_text(paths["html"], _html(sc, summary, figures, out))
    return ReportFiles(out, summary, ts, figures, paths)


_NOTES = (
    "effect: mean over replications of (variant - baseline) with the same seeds (common random numbers); "
    "effect_ci: 95% t-interval on those paired differences; welch_ci: unpaired 95% interval on the same runs; "
    "extra_cost_cum: fiscal_total summed up to the effect year, minus the baseline's (RMB); "
    "cost_per_unit_effect = extra_cost_cum / effect. Full table: summary.csv; yearly means and bands: timeseries.csv."
)


def _markdown(sc, summary, figures, out: Path) -> str:
    parts = [f"# {sc['name']}" + (" (partial report)" if sc.get("partial") else ""), "", sc["description"].strip() or "(no description)", ""]
    parts += ["## Settings", "", _md_table(["setting", "value"], _settings(sc)), ""]
    parts += ["## Variants", "", _md_table(["variant", "overrides", "description"], _variants(sc)), ""]
    cols, rows = _summary_rows(summary)
    parts += [f"## Effects in {sc['effect_year']}", "", _md_table(cols, rows), "", _NOTES, ""]
    parts += ["## Figures", ""]
    for stem, path in figures.items():
        parts += [f"![{stem}]({path.relative_to(out).as_posix()})", ""]
    return "\n".join(parts)


def _html(sc, summary, figures, out: Path) -> str:
    e = html.escape

    def table(header, rows):
        head = "".join(f"<th>{e(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in r) + "</tr>" for r in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    cols, rows = _summary_rows(summary)
    figs = "".join(f'<figure><img src="{e(p.relative_to(out).as_posix())}" alt="{e(s)}"><figcaption>{e(s)}</figcaption></figure>' for s, p in figures.items())
    style = (
        "body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#111}"
        "table{border-collapse:collapse;font-size:0.85em;margin-bottom:1em}"
        "td,th{border:1px solid #bbb;padding:2px 6px;text-align:right}td:first-child,th:first-child{text-align:left}"
        "img{max-width:100%}figure{margin:1em 0}.desc{white-space:pre-wrap}"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{e(sc['name'])}</title><style>{style}</style></head><body>"
        f"<h1>{e(sc['name'])}{' (partial report)' if sc.get('partial') else ''}</h1><p class='desc'>{e(sc['description'].strip() or '(no description)')}</p>"
        f"<h2>Settings</h2>{table(['setting', 'value'], _settings(sc))}"
        f"<h2>Variants</h2>{table(['variant', 'overrides', 'description'], _variants(sc))}"
        f"<h2>Effects in {sc['effect_year']}</h2>{table(cols, rows)}<p>{e(_NOTES)}</p>"
        f"<h2>Figures</h2>{figs}</body></html>\n"
    )
