"""The results store: one Parquet file per run (written atomically), a manifest, and what binds them.

Layout of an output directory::

    manifest.json         the scenario as resolved, the run list (keys), versions, the scenario hash
    runs/<key>.parquet    one finished run, tidy (see ID_COLUMNS, VALUE_COLUMNS)
    results.parquet       all runs of the manifest, in a fixed order (after a batch)
    .lock                 held (flock) by the process writing the folder

What is guaranteed (docs/user_guide.md, "What the store guarantees"):

* A run file appears only when complete: it is written to a temporary file in
  the same directory, flushed to disk and moved into place with ``os.replace``
  (atomic on POSIX), so a batch killed at any moment leaves either the whole
  run or nothing.
* Each run file carries, in its Parquet metadata, the content key of its run
  spec and a SHA-256 checksum of its data; both are checked whenever it is
  read, so a flipped byte or a file renamed to another key is detected.
* manifest.json and results.parquet carry the scenario hash (SHA-256 of the
  resolved scenario and its run list); results.parquet also a digest of its
  runs' checksums and a checksum of its own data. :func:`open_batch` refuses
  a folder whose parts do not belong together, and names the missing runs of
  an incomplete batch.
* One process at a time writes a folder: :func:`folder_lock` takes an
  exclusive ``flock`` on ``.lock`` (released by the kernel when the process
  dies, so a lock left by a killed process never blocks).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import io
import json
import os
import socket
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import ArgumentError, StoreError

#: Tidy columns, in order; sweep columns ``sweep_<parameter>`` follow ``point``.
ID_COLUMNS = ("run_key", "variant", "point", "replication")
VALUE_COLUMNS = ("year", "scope", "village", "metric", "value")
MANIFEST = "manifest.json"
RUNS = "runs"
RESULTS = "results.parquet"
LOCK = ".lock"
FORMAT = "rural_abm results, version 2"
META_KEY = b"rural_abm.run_key"
META_CHECKSUM = b"rural_abm.checksum"
META_SCENARIO = b"rural_abm.scenario_hash"
META_RUNS = b"rural_abm.runs_digest"
MANIFEST_KEYS = ("format", "scenario", "scenario_hash", "runs")
SCENARIO_KEYS = ("name", "description", "baseline", "effect_year", "outputs", "variants", "sweep", "replications", "seed", "start_year", "n_years")
RUN_KEYS = ("key", "variant", "point", "replication")


def run_path(out: Path, key: str) -> Path:
    return Path(out) / RUNS / f"{key}.parquet"


# ---------------------------------------------------------------- atomic files
@contextmanager
def atomic_path(path: Path):
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one step.

    Readers see the old file or all of the new one, never a part; on failure
    the temporary file is removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (and durably: flushed to disk before the rename)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def check_writable(out, name: str = "out") -> Path:
    """Create folder ``out`` if needed and prove a file can be written there; else ArgumentError naming ``name``."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ArgumentError(name, str(out), "a folder (this path is a file)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as err:
        raise ArgumentError(name, str(out), f"a folder this user can write ({err.strerror or err})") from None
    return out


# ---------------------------------------------------------------- checksums
def data_checksum(df: pd.DataFrame) -> str:
    """SHA-256 of a table's column names, types and values (row order matters, the index does not)."""
    h = hashlib.sha256(json.dumps([[str(c), str(t)] for c, t in df.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


def runs_digest(checksums) -> str:
    """SHA-256 over the run checksums, in manifest order: binds results.parquet to its run files."""
    return hashlib.sha256("\n".join(checksums).encode()).hexdigest()


def scenario_hash(scenario: dict, runs: list) -> str:
    """Content hash of a batch: the resolved scenario (its source path aside) and its run list."""
    body = {"scenario": {k: v for k, v in scenario.items() if k != "source"}, "runs": runs}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:20]


def _with_meta(table: pa.Table, meta: dict) -> pa.Table:
    return table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})


# ---------------------------------------------------------------- run files
def write_run(out: Path, key: str, df: pd.DataFrame) -> None:
    """Write one run's table with its key and checksum in the file's metadata (atomically)."""
    table = _with_meta(pa.Table.from_pandas(df, preserve_index=False), {META_KEY: key.encode(), META_CHECKSUM: data_checksum(df).encode()})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    atomic_write_bytes(run_path(out, key), buf.getvalue())


class DamagedRun(StoreError):
    """A run file that cannot be read, or whose key or checksum does not match."""


def read_run(out: Path, key: str) -> pd.DataFrame:
    """The table of run ``key``, checked against the key and checksum it carries; DamagedRun otherwise."""
    path = run_path(out, key)
    try:
        table = pq.read_table(path)
        meta = table.schema.metadata or {}
        df = table.to_pandas()
    except FileNotFoundError:
        raise DamagedRun(f"{path}: missing") from None
    except Exception as err:  # noqa: BLE001 - any decoding failure is damage
        raise DamagedRun(f"{path}: unreadable ({type(err).__name__})") from None
    if meta.get(META_KEY, b"").decode(errors="replace") != key:
        raise DamagedRun(f"{path}: carries run key {meta.get(META_KEY, b'(none)').decode(errors='replace')!r}, not {key!r}")
    if meta.get(META_CHECKSUM, b"").decode(errors="replace") != data_checksum(df):
        raise DamagedRun(f"{path}: data do not match their checksum (the file is damaged)")
    return df


def run_checksum(out: Path, key: str) -> str:
    """The checksum recorded in a run file's metadata (the data are not read); DamagedRun if unreadable."""
    try:
        meta = pq.read_schema(run_path(out, key)).metadata or {}
    except Exception as err:  # noqa: BLE001
        raise DamagedRun(f"{run_path(out, key)}: unreadable ({type(err).__name__})") from None
    if meta.get(META_KEY, b"").decode(errors="replace") != key or META_CHECKSUM not in meta:
        raise DamagedRun(f"{run_path(out, key)}: carries no valid key and checksum")
    return meta[META_CHECKSUM].decode()


def sort_runs(out: Path, keys) -> tuple[set, dict]:
    """(keys whose files are whole and check out, {key: why} of damaged files); absent files are neither."""
    good, damaged = set(), {}
    for key in keys:
        if not run_path(out, key).is_file():
            continue
        try:
            read_run(out, key)
        except DamagedRun as err:
            damaged[key] = str(err)
        else:
            good.add(key)
    return good, damaged


def finished_keys(out: Path) -> set[str]:
    """Keys of the run files whose metadata carry their own key and a checksum (the data are checked when read)."""
    done = set()
    for key in stored_keys(out):
        try:
            run_checksum(out, key)
        except DamagedRun:
            continue
        done.add(key)
    return done


def stored_keys(out: Path) -> list[str]:
    """Names of the run files in ``out`` (checked or not)."""
    folder = Path(out) / RUNS
    return sorted(f.stem for f in folder.glob("*.parquet")) if folder.is_dir() else []


# ---------------------------------------------------------------- manifest
def write_manifest(out: Path, manifest: dict) -> None:
    """Write manifest.json with its scenario hash (atomically)."""
    manifest = {**manifest, "scenario_hash": scenario_hash(manifest["scenario"], manifest["runs"])}
    atomic_write_text(Path(out) / MANIFEST, json.dumps(manifest, indent=2, sort_keys=False, default=str) + "\n")


def read_manifest(out: Path) -> dict:
    """manifest.json of ``out``, checked for shape and for its own scenario hash; StoreError otherwise."""
    path = Path(out) / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StoreError(f"{path}: not found; allowed: an output folder of `rural-abm run`") from None
    except (OSError, UnicodeDecodeError) as err:
        raise StoreError(f"{path}: unreadable ({type(err).__name__}); rerun the batch with --resume to rewrite it") from None
    damaged = f"{path}: damaged ({{}}); rerun the batch with --resume to rewrite it (finished runs are kept)"
    if not text.strip():
        raise StoreError(damaged.format("empty"))
    try:
        manifest = json.loads(text)
    except ValueError as err:
        raise StoreError(damaged.format(f"not complete JSON: {err}")) from None
    if not isinstance(manifest, dict):
        raise StoreError(damaged.format("not a JSON object"))
    lacking = [k for k in MANIFEST_KEYS if k not in manifest]
    if not lacking and isinstance(manifest["scenario"], dict):
        lacking = [f"scenario.{k}" for k in SCENARIO_KEYS if k not in manifest["scenario"]]
    if lacking:
        raise StoreError(damaged.format("lacks " + ", ".join(lacking)))
    runs = manifest["runs"]
    if not isinstance(runs, list) or not all(isinstance(r, dict) and all(k in r for k in RUN_KEYS) for r in runs):
        raise StoreError(damaged.format("its run list is malformed"))
    if manifest["format"] != FORMAT:
        raise StoreError(f"{path}: format {manifest['format']!r}; allowed: {FORMAT!r} (made by another version: rerun the batch)")
    if scenario_hash(manifest["scenario"], runs) != manifest["scenario_hash"]:
        raise StoreError(damaged.format("its content does not match its scenario hash: edited by hand?"))
    return manifest


def manifest_or_none(out: Path) -> dict | None:
    """The manifest of ``out`` if there is a sound one, else None."""
    try:
        return read_manifest(out)
    except StoreError:
        return None


# ---------------------------------------------------------------- results.parquet
def write_results(out: Path, keys, scenario: str) -> None:
    """Join the run files of ``keys`` (in that order) into results.parquet, atomically.

    Every run is checked as it is read; the file records the scenario hash, the
    digest of the runs' checksums and its own data checksum. Streams one run at
    a time, so memory stays at one run's table whatever the batch size.
    """
    out = Path(out)
    keys = list(keys)
    digest = runs_digest([run_checksum(out, k) for k in keys])
    whole = hashlib.sha256()
    with atomic_path(out / RESULTS) as tmp:
        writer = None
        for k in keys:
            df = read_run(out, k)
            whole.update(data_checksum(df).encode())
            table = pa.Table.from_pandas(df, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema.remove_metadata(), compression="zstd")
            writer.write_table(table.cast(writer.schema))
        if writer is None:
            pq.write_table(pa.table({c: [] for c in (*ID_COLUMNS, *VALUE_COLUMNS)}), tmp)
        else:
            writer.add_key_value_metadata({META_SCENARIO.decode(): scenario, META_RUNS.decode(): digest, META_CHECKSUM.decode(): whole.hexdigest()})
            writer.close()


def _results_checksum(df: pd.DataFrame) -> str:
    whole = hashlib.sha256()
    for _, part in df.groupby("run_key", sort=False):
        whole.update(data_checksum(part.reset_index(drop=True)).encode())
    return whole.hexdigest()


def _read_results(out: Path, manifest: dict) -> pd.DataFrame:
    """results.parquet, checked against the manifest, the run files and its own checksum."""
    path = Path(out) / RESULTS
    try:
        pf = pq.ParquetFile(path)
        meta = pf.metadata.metadata or {}
        df = pf.read().to_pandas()
    except Exception as err:  # noqa: BLE001
        raise StoreError(f"{path}: unreadable ({type(err).__name__}); delete it and run `rural-abm report` again to rebuild it from the runs") from None
    recorded = meta.get(META_SCENARIO, b"(none)").decode(errors="replace")
    if recorded != manifest["scenario_hash"]:
        raise StoreError(
            f"{path}: belongs to scenario {recorded}, the manifest to scenario {manifest['scenario_hash']}; "
            "delete it and run `rural-abm report` again, or rerun the batch"
        )
    keys = [r["key"] for r in manifest["runs"]]
    if meta.get(META_RUNS, b"").decode(errors="replace") != runs_digest([run_checksum(out, k) for k in keys]):
        raise StoreError(f"{path}: does not hold the runs in {RUNS}/; delete it and run `rural-abm report` again to rebuild it")
    if meta.get(META_CHECKSUM, b"").decode(errors="replace") != _results_checksum(df):
        raise StoreError(f"{path}: data do not match their checksum (the file is damaged); delete it and run `rural-abm report` again")
    return df


def empty_table() -> pd.DataFrame:
    return pd.DataFrame(columns=[*ID_COLUMNS, *VALUE_COLUMNS])


# ---------------------------------------------------------------- a whole batch folder
@dataclass
class StoredBatch:
    """An output folder whose parts were checked to belong together."""

    out: Path
    manifest: dict  # as written by the batch
    table: pd.DataFrame  # tidy rows of the runs present, in manifest order
    missing: list  # manifest run entries without a finished run file

    @property
    def partial(self) -> bool:
        return bool(self.missing)

    def present_manifest(self) -> dict:
        """The manifest restricted to the runs present (for the analysis of a partial batch)."""
        gone = {r["key"] for r in self.missing}
        return {**self.manifest, "runs": [r for r in self.manifest["runs"] if r["key"] not in gone]}


def describe_missing(missing: list, total: int) -> str:
    """'6 of 18 runs missing: transfers (4), stop_2021 (2)'."""
    counts: dict = {}
    for r in missing:
        label = r["variant"] + (f" at {r['point']}" if r["point"] else "")
        counts[label] = counts.get(label, 0) + 1
    shown = ", ".join(f"{k} ({n})" for k, n in list(counts.items())[:8])
    more = f" and {len(counts) - 8} more" if len(counts) > 8 else ""
    return f"{len(missing)} of {total} runs missing: {shown}{more}"


def open_batch(out, partial: bool = False) -> StoredBatch:
    """Check that manifest, run files and results.parquet of ``out`` belong together; read the table.

    Raises StoreError (one line) when a file is damaged or belongs to another
    batch, or when runs are missing and ``partial`` is False.
    """
    out = Path(out)
    manifest = read_manifest(out)
    entries = manifest["runs"]
    missing = [r for r in entries if not run_path(out, r["key"]).is_file()]
    gone = {r["key"] for r in missing}
    hint = f"finish it with `rural-abm run {manifest['scenario'].get('source', 'FILE')} --out {out} --resume`"
    if missing and not partial:
        raise StoreError(f"{out}: incomplete batch, {describe_missing(missing, len(entries))}; {hint}, or report what is there with --partial")
    if not missing and (out / RESULTS).is_file():
        return StoredBatch(out, manifest, _read_results(out, manifest), [])
    frames = []
    for r in entries:
        if r["key"] not in gone:
            try:
                frames.append(read_run(out, r["key"]))
            except DamagedRun as err:
                raise StoreError(f"{err}; rerun the batch with --resume to recompute it") from None
    table = pd.concat(frames, ignore_index=True) if frames else empty_table()
    if not missing:  # a complete batch without results.parquet (e.g. deleted): rebuild it
        write_results(out, [r["key"] for r in entries], manifest["scenario_hash"])
    return StoredBatch(out, manifest, table, missing)


def read_table(out: Path) -> pd.DataFrame:
    """The checked results table of a complete batch folder."""
    return open_batch(out).table


# ---------------------------------------------------------------- one writer at a time
def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return f"pid {info['pid']} on {info['host']}, since {info['started']}: {info['command']}"
    except Exception:  # noqa: BLE001 - the holder may be writing it right now
        return "another process"


@contextmanager
def folder_lock(out: Path, purpose: str):
    """Hold an exclusive lock on ``out`` while writing it; StoreError naming the holder if taken.

    ``flock`` locks die with their process, so a lock left by a killed batch
    never blocks the next one; the file itself only tells who holds it.
    """
    path = Path(out) / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        os.close(fd)
        if err.errno not in (errno.EWOULDBLOCK, errno.EACCES, errno.EAGAIN):
            raise
        raise StoreError(f"{out}: in use by another process ({_holder(path)}); wait for it to end or choose another --out") from None
    try:
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": " ".join(sys.argv) or purpose,
            "purpose": purpose,
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the flock
