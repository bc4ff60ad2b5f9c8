"""The results store: one Parquet file per run (written atomically) and a manifest.

Layout of an output directory::

    manifest.json         the scenario as resolved, the run list (keys), versions
    runs/<key>.parquet    one finished run, tidy (see TIDY_COLUMNS)
    results.parquet       all runs of the manifest, in a fixed order (after a batch)

A run file appears only when complete: it is written to a temporary file in
the same directory, flushed to disk and moved into place with ``os.replace``
(atomic on POSIX), so a batch killed at any moment leaves either the whole
run or nothing, and ``--resume`` re-runs exactly the missing ones.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

#: Tidy columns, in order; sweep columns ``sweep_<parameter>`` follow ``point``.
ID_COLUMNS = ("run_key", "variant", "point", "replication")
VALUE_COLUMNS = ("year", "scope", "village", "metric", "value")
MANIFEST = "manifest.json"
RUNS = "runs"
RESULTS = "results.parquet"


def run_path(out: Path, key: str) -> Path:
    return Path(out) / RUNS / f"{key}.parquet"


def to_parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), buf, compression="zstd")
    return buf.getvalue()


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
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (and durably: flushed to disk before the rename)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_run(out: Path, key: str, df: pd.DataFrame) -> None:
    atomic_write_bytes(run_path(out, key), to_parquet_bytes(df))


def finished_keys(out: Path) -> set[str]:
    """Keys of the runs whose files are complete (readable Parquet)."""
    folder = Path(out) / RUNS
    if not folder.is_dir():
        return set()
    done = set()
    for f in folder.glob("*.parquet"):
        try:
            pq.read_metadata(f)
        except Exception:  # noqa: BLE001 - a damaged file is simply not finished
            continue
        done.add(f.stem)
    return done


def write_manifest(out: Path, manifest: dict) -> None:
    atomic_write_text(Path(out) / MANIFEST, json.dumps(manifest, indent=2, sort_keys=False, default=str) + "\n")


def read_manifest(out: Path) -> dict:
    return json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))


def read_runs(out: Path, keys) -> pd.DataFrame:
    """The tidy table of the given runs, concatenated in the given order."""
    frames = [pq.read_table(run_path(out, k)).to_pandas() for k in keys]
    if not frames:
        return pd.DataFrame(columns=[*ID_COLUMNS, *VALUE_COLUMNS])
    df = pd.concat(frames, ignore_index=True)
    return df


def write_results(out: Path, keys) -> None:
    """Join the run files of ``keys`` (in that order) into results.parquet, atomically.

    Streams one run at a time through a Parquet writer, so memory stays at one
    run's table whatever the batch size.
    """
    out = Path(out)
    with atomic_path(out / RESULTS) as tmp:
        writer = None
        for k in keys:
            table = pq.read_table(run_path(out, k))
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
            writer.write_table(table.cast(writer.schema))
        if writer is None:
            pq.write_table(pa.Table.from_pandas(read_runs(out, []), preserve_index=False), tmp)
        else:
            writer.close()


def read_table(out: Path) -> pd.DataFrame:
    """The results table of an output directory (results.parquet, or the run files)."""
    out = Path(out)
    if (out / RESULTS).is_file():
        return pq.read_table(out / RESULTS).to_pandas()
    manifest = read_manifest(out)
    keys = [r["key"] for r in manifest["runs"]]
    return read_runs(out, [k for k in keys if run_path(out, k).is_file()])
