"""The report of a batch: summary.csv, timeseries.csv, figures/*.png, report.md and report.html.

Everything is rebuilt from ``results.parquet`` (or the run files) and
``manifest.json`` of an output folder, so ``rural-abm report DIR`` can be run
again at any time (for example after a resumed batch), also with other
readings (``--effect-year``, ``--window``) without rerunning.

The page opens with the findings (findings.py): per main output and reading,
the variants ranked by effect with 95% intervals in natural units and the
extra cost beside them; then settings, variants, the full table, the figures
with captions, and an appendix comparing paired and unpaired intervals.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from rural_abm.model import registry

from . import analysis, plots, store
from . import findings as findings_mod
from .findings import schedule_text
from .readings import check_reading
from .scenario import Problem, ScenarioError


@dataclass
class ReportFiles:
    out: Path
    summary: pd.DataFrame
    timeseries: pd.DataFrame
    figures: dict = field(default_factory=dict)  # stem -> Path
    paths: dict = field(default_factory=dict)
    captions: dict = field(default_factory=dict)  # stem -> what to look at


def _with_unit(name: str, value) -> str:
    """A parameter's value (a schedule in words) and its unit; years without thousands separators."""
    reg = registry()
    unit = reg[name].unit if name in reg and reg[name].unit else ""
    text = str(value) if unit == "calendar year" else schedule_text(value)
    return text + (f" ({unit})" if unit else "")


def _settings(sc: dict) -> list[tuple[str, str]]:
    readings = ", ".join(r.label for r in analysis.readings_of(sc))
    rows = [("PARTIAL REPORT", sc["partial"])] if sc.get("partial") else []
    rows += [
        ("scenario hash", f"{sc.get('scenario_hash', '')} (recorded in results.parquet, summary.csv and timeseries.csv)"),
        ("replications", str(sc["replications"])),
        ("seed", f"{sc['seed']} (replication r uses SeedSequence(seed, spawn_key=(r,)) in every variant)"),
        ("simulated years", f"{sc['start_year']}-{sc['start_year'] + sc['n_years'] - 1}"),
        ("effects read in", readings + " (a window: mean over its years; <metric>_cum: summed)"),
        ("baseline variant", sc["baseline"]),
        ("outputs", ", ".join(sc["outputs"])),
    ]
    for section in ("parameters", "policy"):
        rows += [(f"{section}.{k}", _with_unit(k, v)) for k, v in sc[section].items()]
    for k, vals in sc["sweep"].items():
        rows.append((f"sweep {k}", "; ".join(schedule_text(v) for v in vals)))
    return rows


def _variants(sc: dict) -> list[tuple[str, str, str]]:
    docs = sc.get("variant_descriptions", {})
    return [
        (v, "; ".join(f"{k.split('.')[-1]}: {_with_unit(k.split('.')[-1], x)}" for k, x in o.items()) or "(scenario as is)", docs.get(v, ""))
        for v, o in sc["variants"].items()
    ]


def _md_table(header, rows) -> str:
    esc = [[str(c).replace("|", "\\|").replace("\n", " ") for c in r] for r in rows]
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(r) + " |" for r in esc)])


def with_readings(manifest: dict, effect_year=None, windows=None) -> dict:
    """The manifest with its readings replaced (``rural-abm report --effect-year/--window``); ScenarioError if outside the years."""
    if effect_year is None and windows is None:
        return manifest
    sc = dict(manifest["scenario"])
    first, last = sc["start_year"], sc["start_year"] + sc["n_years"] - 1
    problems = []
    for flag, values in (("--effect-year", [] if effect_year is None else [effect_year]), ("--window", windows or [])):
        for v in values:
            try:
                check_reading(v, first, last)
            except ValueError as err:
                problems.append(Problem("command line", flag, v, str(err).split("allowed: ", 1)[-1]))
    if problems:
        raise ScenarioError(problems)
    if effect_year is not None:
        sc["effect_year"] = int(effect_year)
    if windows is not None:
        sc["effect_windows"] = [check_reading(w, first, last).label for w in windows]
    return {**manifest, "scenario": sc}


def write_report(out, effect_year=None, windows=None, partial: bool = False) -> ReportFiles:
    """Write the tables, figures and report page of the batch in folder ``out``.

    ``effect_year`` / ``windows`` replace the scenario's readings (from the
    stored runs; nothing is rerun); the manifest on disk is left as it is.
    The folder's manifest, runs and results.parquet are checked to belong
    together first (StoreError otherwise); a batch with missing runs is
    refused unless ``partial``, and then marked as partial on the page.
    """
    out = Path(out)
    with store.folder_lock(out, "rural-abm report"):
        return _write_report(out, store.open_batch(out, partial=partial), effect_year, windows)


def _write_report(out: Path, batch: store.StoredBatch, effect_year, windows) -> ReportFiles:
    manifest = with_readings(batch.present_manifest(), effect_year, windows)
    table = batch.table
    summary = analysis.summarise(table, manifest)
    ts = analysis.timeseries(table, manifest)
    paths = {"summary": out / "summary.csv", "timeseries": out / "timeseries.csv"}
    bound = {"scenario_hash": manifest["scenario_hash"]}
    store.atomic_write_text(paths["summary"], summary.assign(**bound).to_csv(index=False))
    store.atomic_write_text(paths["timeseries"], ts.assign(**bound).to_csv(index=False))
    figdir = out / "figures"
    figdir.mkdir(exist_ok=True)
    for old in figdir.glob("*.png"):
        old.unlink()
    figures = {}
    for stem, fig in plots.all_figures(summary, ts, manifest).items():
        path = figdir / f"{stem}.png"
        fig.savefig(path, dpi=130)
        plt.close(fig)
        figures[stem] = path
    sc = {**manifest["scenario"], **bound, "partial": store.describe_missing(batch.missing, len(batch.manifest["runs"])) if batch.partial else ""}
    captions = {stem: plots.caption(stem, sc) for stem in figures}
    paths["markdown"] = out / "report.md"
    paths["html"] = out / "report.html"
    store.atomic_write_text(paths["markdown"], _markdown(sc, summary, figures, captions, out))
    store.atomic_write_text(paths["html"], _html(sc, summary, figures, captions, out))
    return ReportFiles(out, summary, ts, figures, paths, captions)


_NOTES = (
    "effect: mean over replications of (variant - baseline) with the same seeds (common random numbers), "
    "shares in percentage points (pp); 95% CI: t-interval on those paired differences; "
    "a window reading is the mean over its years, a <metric>_cum output the sum; "
    "extra cost: fiscal_total summed from the first simulated year to the end of the reading, minus the baseline's; "
    "cost per unit of gain: extra cost / effect, shown only where the whole interval lies on the wanted side of 0. "
    "Every column unrounded: summary.csv; yearly means and bands: timeseries.csv."
)
_APPENDIX = (
    "The paired interval uses the same seeds in every variant; the unpaired (Welch) interval ignores the pairing "
    "and is shown to judge what the pairing buys: a width ratio of 3 means the paired interval is three times narrower."
)


def _sections(sc, summary):
    """(title, intro paragraphs, tables [(caption, header, rows)]) in report order, after the findings."""
    return [
        ("Settings", [], [("", ["setting", "value"], _settings(sc))]),
        ("Variants", [], [("", ["variant", "changes against the scenario", "description"], _variants(sc))]),
        ("Full table", [_NOTES], [("", *findings_mod.full_table(summary))]),
    ]


def _markdown(sc, summary, figures, captions, out: Path) -> str:
    parts = [f"# {sc['name']}" + (" (partial report)" if sc.get("partial") else ""), ""]
    warning = findings_mod.size_warning(sc)
    if warning:
        parts += [f"> **Warning.** {warning}", ""]
    parts += [sc["description"].strip() or "(no description)", "", "## Findings", ""]
    for f in findings_mod.findings(summary, sc):
        parts += [f"### {f.title}", "", f"*{f.meaning}*", "", *(f"- {lead}" for lead in f.leads), ""]
        parts += [_md_table(f.header, f.rows), ""] if f.rows else []
    for title, paras, tables in _sections(sc, summary):
        parts += [f"## {title}", ""]
        for _, header, rows in tables:
            parts += [_md_table(header, rows), ""]
        parts += [*(p for p in paras), ""]
    parts += ["## Figures", ""]
    for stem, path in figures.items():
        parts += [f"![{stem}]({path.relative_to(out).as_posix()})", "", f"*{captions[stem]}*", ""]
    parts += ["## Appendix: paired and unpaired intervals", "", _APPENDIX, "", _md_table(*findings_mod.interval_appendix(summary, sc["baseline"])), ""]
    return "\n".join(parts)


def _html(sc, summary, figures, captions, out: Path) -> str:
    e = html.escape

    def table(header, rows, cls=""):
        head = "".join(f"<th>{e(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in r) + "</tr>" for r in rows)
        return f"<table class='{cls}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    warning = findings_mod.size_warning(sc)
    parts = [f"<h1>{e(sc['name'])}{' (partial report)' if sc.get('partial') else ''}</h1>"]
    if warning:
        parts.append(f"<p class='warning'><strong>Warning.</strong> {e(warning)}</p>")
    parts.append(f"<p class='desc'>{e(sc['description'].strip() or '(no description)')}</p><h2>Findings</h2>")
    for f in findings_mod.findings(summary, sc):
        leads = "".join(f"<li>{e(lead)}</li>" for lead in f.leads)
        parts.append(f"<h3>{e(f.title)}</h3><p class='meaning'>{e(f.meaning)}</p><ul>{leads}</ul>{table(f.header, f.rows, 'findings') if f.rows else ''}")
    for title, paras, tables in _sections(sc, summary):
        parts.append(f"<h2>{e(title)}</h2>")
        parts += [table(header, rows, "full" if title == "Full table" else "") for _, header, rows in tables]
        parts += [f"<p class='note'>{e(p)}</p>" for p in paras]
    parts.append("<h2>Figures</h2>")
    parts += [
        f'<figure><img src="{e(p.relative_to(out).as_posix())}" alt="{e(s)}"><figcaption>{e(captions[s])}</figcaption></figure>'
        for s, p in figures.items()
    ]
    parts.append(f"<h2>Appendix: paired and unpaired intervals</h2><p class='note'>{e(_APPENDIX)}</p>")
    parts.append(table(*findings_mod.interval_appendix(summary, sc["baseline"])))
    style = (
        "body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#111;line-height:1.4}"
        "table{border-collapse:collapse;font-size:0.85em;margin-bottom:1em}"
        "td,th{border:1px solid #bbb;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f2f2f2}"
        "table.full td,table.full th{font-size:0.9em}"
        ".warning{background:#fff3cd;border:1px solid #e0b000;padding:0.6em 1em}"
        "img{max-width:100%}figure{margin:1.5em 0}figcaption{font-size:0.9em;color:#333;max-width:60em}"
        ".desc{white-space:pre-wrap}.note{font-size:0.85em;color:#333}.meaning{font-style:italic;color:#333;margin-top:-0.6em}"
        "li{margin-bottom:0.3em}"
    )
    body = "".join(parts)
    return f"<!doctype html><html><head><meta charset='utf-8'><title>{e(sc['name'])}</title><style>{style}</style></head><body>{body}</body></html>\n"
