"""Speed and memory benchmarks of rural_abm (docs/performance.md). Run on demand, never by pytest.

    .venv/bin/python -m benchmarks.run_benchmarks            # the full set (about 10-15 minutes on 2 cores)
    .venv/bin/python -m benchmarks.run_benchmarks --quick    # scaled down; extrapolations are labelled

Every configuration runs in a fresh subprocess, so each peak RSS (ru_maxrss of
that process, plus its worker processes for batches) is clean; each applies the
tool's process settings, as the ``rural-abm`` command does. It measures:

1. the array engine and the per-agent baseline (benchmarks/per_agent.py: the
   decision phase stepped agent by agent through the AgentSet) at 1,000,
   10,000 and 100,000 persons for 30 years, side by side: person-years per
   second, the ratio, and the ratio of the decision phase alone;
2. the array engine alone at 1,000,000 persons x 30 years with
   person_handles="on_demand", set-up included: twice with the tool's heap
   settings (rural_abm.runtime.keep_heap) and twice with glibc's defaults,
   alternated; the slower run with the tool's settings is the reported figure;
3. the scaling exponent of cost in persons and in ties (log-log fit);
4. a batch of many small runs (5,000 persons x 30 years) on 1 and 2 local
   worker processes and on a Dask LocalCluster (2 workers), through the
   project's batch runner (rural_abm.experiment.batch) when it is importable,
   else through concurrent.futures / dask.distributed directly;
5. where a step's time goes, per phase, at 100,000 and 1,000,000 persons.

Results go to benchmarks/results/<timestamp>.json and latest.json; a
Markdown table is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

# ============================================================================ children


def _peak_mib(children: bool = False) -> float:
    """Peak resident set size (MiB) of this process, or of its waited-for children."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux: KiB


def _process_settings(cfg: dict) -> None:
    """The tool's process settings (rural_abm.runtime), unless ``cfg['heap']`` is 'default' (glibc's own)."""
    if cfg.get("heap", "kept") == "kept":
        from rural_abm.runtime import keep_heap

        keep_heap()


def child_engine(cfg: dict) -> dict:
    """Build and run one model; time set-up and the run."""
    import numpy as np

    _process_settings(cfg)
    from rural_abm.model import RuralModel

    cls = RuralModel
    if cfg["engine"] == "per_agent":
        from benchmarks.per_agent import PerAgentModel

        cls = PerAgentModel
    params = dict(n_people=cfg["n"], n_years=cfg["years"], person_handles=cfg.get("handles", "all"))
    c0 = time.process_time()
    t0 = time.perf_counter()
    model = cls(rng=cfg.get("seed", 1), **params)
    t1 = time.perf_counter()
    alive_years = 0
    while model.running:
        model.step()
        alive_years += int(np.count_nonzero(model.persons.alive))
    t2 = time.perf_counter()
    out = {
        "setup_s": t1 - t0,
        "run_s": t2 - t1,
        "total_s": t2 - t0,
        "person_years": cfg["n"] * cfg["years"],
        "alive_person_years": alive_years,
        "ties_end": model.network.n_ties,
        "persons_end": int(model.persons.n),
        "peak_rss_mib": _peak_mib(),
        "cpu_s": time.process_time() - c0,  # CPU seconds of set-up and run (one core)
        "heap": cfg.get("heap", "kept"),
    }
    if cfg["engine"] == "per_agent":
        out["decision_s"] = model.decision_seconds
    return out


def child_profile(cfg: dict) -> dict:
    """Time each phase of a year (exclusive of set-up), by wrapping the calls RuralModel.step makes."""
    _process_settings(cfg)
    from rural_abm.model import RuralModel, accounting, demography, economy, enterprises, metrics, migration
    from rural_abm.model import model as model_module
    from rural_abm.model.network import SocialNetwork

    spent: dict[str, float] = {}
    depth = [0]

    def timed(phase, fn):
        def wrapper(*args, **kwargs):
            if depth[0]:
                return fn(*args, **kwargs)
            depth[0] += 1
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[phase] = spent.get(phase, 0.0) + time.perf_counter() - t
                depth[0] -= 1

        return wrapper

    def hiring(fn):
        r0, r1 = timed("4 markets", fn), timed("6 employers and ventures", fn)
        return lambda m, round_: (r0 if round_ == 0 else r1)(m, round_)

    patches = [
        (model_module, "levers", "1 policy"),
        (economy, "growth_index", "1 policy"),
        (demography, "step", "2 demography"),
        (migration, "urban_job_losses", "3 shocks"),
        (migration, "outflow_shock", "3 shocks"),
        (SocialNetwork, "prune", "3-4 network prune (run-time ties to the dead)"),
        (economy, "urban_jobs", "4 markets"),
        (economy, "employment_rate", "4 markets"),
        (migration, "decide_moves", "5 decisions: leave / return"),
        (enterprises, "decide_starts", "5 decisions: venture starts and funding"),
        (migration, "urban_experience", "6 employers and ventures"),
        (enterprises, "operate", "6 employers and ventures"),
        (accounting, "step", "7 accounting"),
        (metrics, "compute", "8 metrics"),
    ]
    for obj, name, phase in patches:
        setattr(obj, name, timed(phase, getattr(obj, name)))
    migration.urban_hiring = hiring(migration.urban_hiring)

    class Profiled(RuralModel):
        _update_villages = timed("4 markets", RuralModel._update_villages)
        _home_values = timed("5 decisions: home income and amenity", RuralModel._home_values)
        _train = timed("5 decisions: training", RuralModel._train)
        apply_departures = timed("5 apply moves (status, tie rewiring)", RuralModel.apply_departures)
        apply_returns = timed("5 apply moves (status, tie rewiring)", RuralModel.apply_returns)

    t0 = time.perf_counter()
    model = Profiled(rng=cfg.get("seed", 1), n_people=cfg["n"], n_years=cfg["years"], person_handles=cfg.get("handles", "on_demand"))
    setup = time.perf_counter() - t0
    model.datacollector.collect = timed("8 metrics", model.datacollector.collect)
    spent.clear()  # set-up calls some of the same functions
    steps = 0.0
    while model.running:
        t = time.perf_counter()
        model.step()
        steps += time.perf_counter() - t
    spent["other (step glue)"] = steps - sum(spent.values())
    return {"setup_s": setup, "steps_s": steps, "phases_s": dict(sorted(spent.items())), "peak_rss_mib": _peak_mib()}


def _bench_scenario(runs: int, n: int, years: int) -> dict:
    return {
        "version": 1,
        "name": "benchmark",
        "description": "benchmark batch: default parameters",
        "parameters": {"n_people": n, "n_years": years, "start_year": 2015},
        "variants": {"baseline": {"description": "model defaults"}},
        "replications": runs,
        "seed": 12345,
        "effect_year": 2015 + years - 1,
    }


def _raw_run(seed: int, n: int, years: int) -> float:
    from rural_abm.model import RuralModel

    model = RuralModel(rng=seed, n_people=n, n_years=years)
    model.run_model()
    return float(model.county_frame()["hollowing_index"].iloc[-1])


def child_batch(cfg: dict) -> dict:
    """Run ``cfg['runs']`` models of ``cfg['n']`` persons on a backend; wall time of the whole batch."""
    runs, n, years, workers, backend = cfg["runs"], cfg["n"], cfg["years"], cfg["workers"], cfg["backend"]
    mode = cfg["mode"]
    t0 = time.perf_counter()
    if mode == "runner":
        from rural_abm.experiment import batch, scenario

        sc = scenario.load(_bench_scenario(runs, n, years))
        with tempfile.TemporaryDirectory() as out:
            batch.run_batch(sc, Path(out) / "batch", workers=workers, scheduler="local" if backend == "dask" else None, progress=False)
    elif backend == "dask":
        from dask.distributed import Client, LocalCluster

        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40) as cl, Client(cl) as client:
            client.gather(client.map(_raw_run, range(runs), n=n, years=years, pure=False))
    elif workers == 1:
        [_raw_run(s, n, years) for s in range(runs)]
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_raw_run, range(runs), [n] * runs, [years] * runs, chunksize=max(1, runs // (8 * workers))))
    wall = time.perf_counter() - t0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "wall_s": wall,
        "cpu_s": time.process_time() + kids.ru_utime + kids.ru_stime,
        "peak_rss_mib": _peak_mib(),
        "peak_rss_workers_mib": _peak_mib(children=True),
    }


PARTS = {"engines": ("engines", "comparison"), "profile": ("profile",), "million": ("million", "million_runs"), "batch": ("batch",)}

CHILDREN = {"engine": child_engine, "profile": child_profile, "batch": child_batch}


def spawn(cfg: dict, timeout: float | None = None) -> dict:
    """Run one configuration in a fresh interpreter and return its JSON result."""
    cmd = [sys.executable, "-m", "benchmarks.run_benchmarks", "--child", json.dumps(cfg)]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    load = os.getloadavg()[0]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child {cfg} failed:\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["load_before"] = load  # 1-minute load average when it started: > 0.5 means other work shared the cores
    return out


# ============================================================================ parent


def machine() -> dict:
    import mesa
    import numpy
    import scipy

    model = "unknown"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem_kib = int(line.split()[1])
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 2**20, 1),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "mesa": mesa.__version__,
        "platform": platform.platform(),
    }


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def comparison_row(n: int, a: dict, b: dict) -> dict:
    """Array engine ``a`` against per-agent baseline ``b`` at ``n`` persons (30-year figures)."""
    scale = 30 / b["years"]
    b_total = b["setup_s"] + b["run_s"] * scale
    b_cpu = b["cpu_s"] * scale  # set-up is a small share; scaled with the run
    return {
        "n": n,
        "array_s": a["total_s"],
        "array_cpu_s": a["cpu_s"],
        "per_agent_s": b_total,
        "per_agent_cpu_s": b_cpu,
        "ratio": b_total / a["total_s"],
        "ratio_cpu": b_cpu / a["cpu_s"],
        "per_agent_decision_s": b["decision_s"] * scale,
        "extrapolated": b["years"] != 30,
    }


def derive(res: dict) -> dict:
    """Ratios (engines side by side) and the scaling fit, from the raw measurements in ``res``."""
    rows = res.get("engines", [])
    res["comparison"] = []
    for n in sorted({r["n"] for r in rows}):
        a = [r for r in rows if r["n"] == n and r["engine"] == "array" and r["handles"] == "all"]
        b = [r for r in rows if r["n"] == n and r["engine"] == "per_agent"]
        if a and b:
            res["comparison"].append(comparison_row(n, a[0], b[0]))
    prof = res.get("profile", {}).get("100000")
    for c in res["comparison"]:
        if c["n"] == 100_000 and prof:
            c["array_decision_s"] = sum(v for k, v in prof["phases_s"].items() if k.startswith("5 decisions"))
            c["decision_ratio"] = c["per_agent_decision_s"] / c["array_decision_s"]
    pts = [r for r in rows if r["engine"] == "array" and r["handles"] == "on_demand"] + ([res["million"]] if "million" in res else [])
    if len(pts) >= 3:
        ns, ties = [r["n"] for r in pts], [r["ties_end"] for r in pts]
        big = [i for i, n in enumerate(ns) if n >= 10_000]
        sc = {"points": [{"n": r["n"], "ties_end": r["ties_end"], "total_s": r["total_s"], "cpu_s": r["cpu_s"]} for r in pts]}
        for key in ("total_s", "cpu_s"):
            ts = [r[key] for r in pts]
            sc[f"exponent_persons_all_{key}"] = fit_exponent(ns, ts)
            if len(big) >= 2:
                sc[f"exponent_persons_10k_up_{key}"] = fit_exponent([ns[i] for i in big], [ts[i] for i in big])
                sc[f"exponent_ties_10k_up_{key}"] = fit_exponent([ties[i] for i in big], [ts[i] for i in big])
        res["scaling"] = sc
    return res


def fit_exponent(xs, ys) -> float:
    import numpy as np

    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="scaled-down run (fewer years for the per-agent baseline at 100k, 100-run batches)")
    ap.add_argument("--batch-runs", type=int, default=None, help="runs per batch measurement (default 1000; --quick: 100)")
    ap.add_argument("--agent-years-100k", type=int, default=None, help="years of the per-agent baseline at 100,000 persons (default 30; --quick: 5)")
    ap.add_argument("--batch-mode", choices=["auto", "runner", "raw"], default="auto", help="batch through the project's runner or raw pools")
    ap.add_argument("--skip", nargs="*", default=[], choices=["engines", "million", "batch", "profile"], help="parts to leave out")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--merge", type=Path, help="earlier results JSON whose parts named in --skip are carried over")
    ap.add_argument("--report", type=Path, help="print the Markdown tables of an earlier results JSON and exit")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.report:
        print(report(json.loads(args.report.read_text())))
        return 0
    if args.child:
        cfg = json.loads(args.child)
        print(json.dumps(CHILDREN[cfg.pop("task")](cfg)))
        return 0

    years = 30
    batch_runs = args.batch_runs or (100 if args.quick else 1000)
    agent_years_100k = args.agent_years_100k or (5 if args.quick else 30)
    res: dict = {"machine": machine(), "started": dt.datetime.now().isoformat(timespec="seconds"), "quick": args.quick, "notes": []}
    if args.merge:  # keep the parts measured earlier that this invocation skips
        old = json.loads(args.merge.read_text())
        for part, keys in PARTS.items():
            if part in args.skip:
                res.update({k: old[k] for k in keys if k in old})
        res["notes"] += [f"{n} (merged from {args.merge.name}, started {old['started']})" for n in old.get("notes", [])]
        res["merged_from"] = {"file": args.merge.name, "started": old["started"], "parts": [p for p in PARTS if p in args.skip]}
    log(f"machine: {res['machine']}")
    stamp = res["started"].replace(":", "").replace("-", "")

    def save() -> None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"{stamp}.json").write_text(json.dumps(res, indent=2))

    mode = args.batch_mode
    if mode == "auto" and "batch" not in args.skip:
        try:  # the project's batch runner, if it is importable and works (smoke test: 2 runs)
            spawn({"task": "batch", "backend": "local", "workers": 1, "runs": 2, "n": 500, "years": 2, "mode": "runner"})
            mode = "runner"
        except Exception as err:  # noqa: BLE001
            mode = "raw"
            res["notes"].append(f"the project's batch runner failed its smoke test, so batches ran on raw pools: {str(err).splitlines()[-1]}")

    # 1. engines side by side ------------------------------------------------
    if "engines" not in args.skip:
        rows = []
        for n in (1_000, 10_000, 100_000):
            for engine, handles in (("array", "all"), ("array", "on_demand"), ("per_agent", "all")):
                yrs = agent_years_100k if (engine == "per_agent" and n == 100_000) else years
                log(f"engine {engine:9s} handles={handles:9s} n={n:>9,} years={yrs}")
                r = spawn({"task": "engine", "engine": engine, "handles": handles, "n": n, "years": yrs})
                r.update(engine=engine, handles=handles, n=n, years=yrs)
                r["pyps"] = r["person_years"] / r["total_s"]
                if yrs != years:
                    # extrapolate per person-year: run time scaled to 30 years, set-up counted once
                    r["extrapolated_total_s"] = r["setup_s"] + r["run_s"] * years / yrs
                    r["decision_s_extrapolated"] = r["decision_s"] * years / yrs
                    res["notes"].append(
                        f"per-agent baseline at {n:,} persons ran {yrs} years; its 30-year time is extrapolated "
                        "as set-up + run time x 30/{yrs} (cost per person-year held constant)".replace("{yrs}", str(yrs))
                    )
                rows.append(r)
                res["engines"] = rows
                save()
        res["engines"] = rows

    # 5. per-phase profile (also gives the array engine's decision-phase time) -
    if "profile" not in args.skip:
        res["profile"] = {}
        for n in (100_000, 1_000_000):
            log(f"profile   n={n:,} years={years}")
            res["profile"][str(n)] = spawn({"task": "profile", "n": n, "years": years, "handles": "on_demand"})
            save()

    # 2. a million persons -----------------------------------------------------
    # twice with the tool's heap settings and twice with glibc's defaults, alternated (the machine's speed drifts);
    # the slower run with the tool's settings is the one reported against the target
    if "million" not in args.skip:
        runs = []
        for _ in range(2):
            for heap in ("kept", "default"):
                log(f"engine array     handles=on_demand n=1,000,000 years=30 heap={heap}")
                r = spawn({"task": "engine", "engine": "array", "handles": "on_demand", "n": 1_000_000, "years": years, "heap": heap})
                r.update(engine="array", handles="on_demand", n=1_000_000, years=years, pyps=r["person_years"] / r["total_s"])
                runs.append(r)
        res["million"] = max((r for r in runs if r["heap"] == "kept"), key=lambda r: r["total_s"])
        res["million_runs"] = runs
        save()

    # 4. batches ------------------------------------------------------------------
    if "batch" not in args.skip:
        res["batch"] = {"runs": batch_runs, "n": 5_000, "years": years, "mode": mode, "target_runs": 1000, "results": []}
        for backend, workers in (("local", 1), ("local", 2), ("dask", 2)):
            log(f"batch     {backend} workers={workers} runs={batch_runs} x 5,000 persons x {years} years ({mode})")
            r = spawn({"task": "batch", "backend": backend, "workers": workers, "runs": batch_runs, "n": 5_000, "years": years, "mode": mode})
            r.update(backend=backend, workers=workers, runs=batch_runs)
            r["per_run_s"] = r["wall_s"] / batch_runs
            r["wall_1000_s"] = r["wall_s"] * 1000 / batch_runs
            res["batch"]["results"].append(r)
            save()
        if batch_runs != 1000:
            res["notes"].append(f"batches ran {batch_runs} runs; the 1,000-run time is extrapolated linearly (wall x 1000/{batch_runs})")
        one = res["batch"]["results"][0]["wall_s"]
        for r in res["batch"]["results"]:
            r["speedup_vs_1"] = one / r["wall_s"]

    res["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    derive(res)
    save()
    (args.out / "latest.json").write_text(json.dumps(res, indent=2))
    print(report(res))
    log(f"results: {args.out / (stamp + '.json')}")
    return 0


def report(res: dict) -> str:
    """The results as Markdown tables."""
    derive(res)
    m = res["machine"]
    out = [f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {m['python']}, NumPy {m['numpy']}, SciPy {m['scipy']}, Mesa {m['mesa']}", ""]
    if "engines" in res:
        out += ["| engine | person handles | persons | years | set-up s | run s | total s | CPU s | person-years/s | peak RSS MiB | load |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in res["engines"] + ([res["million"]] if "million" in res else []):
            ext = f" (30 y: {r['extrapolated_total_s']:.1f} s, extrapolated)" if "extrapolated_total_s" in r else ""
            out.append(
                f"| {r['engine']} | {r['handles']} | {r['n']:,} | {r['years']} | {r['setup_s']:.2f} | {r['run_s']:.2f} | {r['total_s']:.2f}{ext} | {r['cpu_s']:.2f} | {r['pyps']:,.0f} | {r['peak_rss_mib']:.0f} | {r['load_before']:.1f} |"
            )
        out += ["", "| persons | array s (30 y) | per-agent s (30 y) | ratio, whole run (wall) | ratio, whole run (CPU) | per-agent decision phase s | array decision phase s | ratio, decision phase |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for c in res["comparison"]:
            star = " (extrap.)" if c["extrapolated"] else ""
            dec = f"{c['array_decision_s']:.2f} | {c['decision_ratio']:.0f}x" if "decision_ratio" in c else "- | -"
            out.append(f"| {c['n']:,} | {c['array_s']:.2f} | {c['per_agent_s']:.1f}{star} | {c['ratio']:.1f}x | {c['ratio_cpu']:.1f}x | {c['per_agent_decision_s']:.1f} | {dec} |")
    elif "million" in res:
        r = res["million"]
        out.append(f"1,000,000 persons x 30 years: total {r['total_s']:.1f} s (set-up {r['setup_s']:.1f} s), peak RSS {r['peak_rss_mib']:.0f} MiB")
    if "million_runs" in res:
        runs = res["million_runs"]
        line = {h: ", ".join(f"{r['total_s']:.1f}" for r in runs if r["heap"] == h) for h in ("kept", "default")}
        mean = {h: sum(r["total_s"] for r in runs if r["heap"] == h) / max(1, sum(r["heap"] == h for r in runs)) for h in line}
        out.append(f"1,000,000 persons, runs alternated: heap kept {line['kept']} s; glibc defaults {line['default']} s "
                   f"(kept / default = {mean['kept'] / mean['default']:.2f})")
    if "scaling" in res:
        s = res["scaling"]
        for key, what in (("total_s", "wall time"), ("cpu_s", "CPU time")):
            if f"exponent_persons_10k_up_{key}" in s:
                out += ["", f"Scaling of {what} (array engine, on-demand handles, set-up included): cost ~ persons^{s[f'exponent_persons_all_{key}']:.2f} over 1k-1M; "
                        f"persons^{s[f'exponent_persons_10k_up_{key}']:.2f} and ties^{s[f'exponent_ties_10k_up_{key}']:.2f} over 10k-1M"]
    if "batch" in res:
        b = res["batch"]
        out += ["", f"Batch: {b['runs']} runs x {b['n']:,} persons x {b['years']} years ({b['mode']})", "",
                "| backend | workers | wall s | s per run | 1,000 runs s | speed-up vs 1 worker | peak RSS MiB (parent / workers) | load |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for r in b["results"]:
            out.append(f"| {r['backend']} | {r['workers']} | {r['wall_s']:.1f} | {r['per_run_s']:.3f} | {r['wall_1000_s']:.0f} | {r['speedup_vs_1']:.2f}x | {r['peak_rss_mib']:.0f} / {r['peak_rss_workers_mib']:.0f} | {r['load_before']:.1f} |")
    if "profile" in res:
        for n, p in res["profile"].items():
            out += ["", f"Where a step's time goes, {int(n):,} persons x 30 years (array engine; set-up {p['setup_s']:.2f} s, steps {p['steps_s']:.2f} s):", "",
                    "| phase | s (30 years) | share |", "|---|---:|---:|"]
            for k, v in sorted(p["phases_s"].items(), key=lambda kv: -kv[1]):
                out.append(f"| {k} | {v:.2f} | {100 * v / p['steps_s']:.0f}% |")
    if res.get("notes"):
        out += [""] + [f"Note: {n}" for n in dict.fromkeys(res["notes"])]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
