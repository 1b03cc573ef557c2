"""Full fact build: in chunks sized to DuckDB's memory (`facts.build_chunk`) against one step.

    .venv/bin/python bench/chunks.py [--shape demo|solo] [--interceptions N]

Builds the stored facts of a copy of bench/scale.py's cached scale warehouse twice, each in a
fresh process held to the same memory limit (``AIBRIDGE_MEMORY_LIMIT``, default 2 GB): first in
one step, as every warehouse of up to ten million interceptions was built before the chunk
followed the memory (the baseline), then as ``facts build --rebuild`` builds it now. Prints the
time, the peak RSS and the peak of DuckDB's temporary files (what the build needs free beside the
warehouse) of each, and the chunked build's ratios to the one step. Not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import threading
from pathlib import Path

from scale import measured, scale_warehouse

#: A chunk larger than any warehouse here: the build in one step.
ONE_STEP = 10**12


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=("demo", "solo"), default=os.environ.get("BENCH_CHUNKS_SHAPE", "solo"))
    parser.add_argument(
        "--interceptions", type=int, default=int(os.environ.get("BENCH_SCALE_INTERCEPTIONS", "10000000"))
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", nargs=2, metavar=("PATH", "MODE"), help=argparse.SUPPRESS)
    return parser.parse_known_args()[0]


def _spilled(spill: Path) -> int:
    """The bytes DuckDB's temporary files hold on disk now (their blocks: the files are sparse)."""
    try:
        return sum(f.stat().st_blocks * 512 for f in spill.rglob("*") if f.is_file())
    except FileNotFoundError:  # a file removed while listed
        return 0


def child(path: str, mode: str) -> None:
    """Build the facts of ``path`` whole (``mode``: ``one-step`` or ``chunks``); print what it took."""
    from aibridge_analytics.warehouse import facts

    if mode == "one-step":
        facts.BUILD_CHUNK = facts.CHUNK_PER_GB = ONE_STEP
    spill, peak, done = Path(f"{path}.tmp"), [0], threading.Event()

    def watch() -> None:
        while not done.wait(0.5):
            peak[0] = max(peak[0], _spilled(spill))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    said = facts.build(path, rebuild=True)
    done.set()
    watcher.join()
    print(json.dumps({"said": said, "spill": peak[0]}))


def main() -> int:
    args = arguments()
    if args.child:
        child(*args.child)
        return 0
    source, _ = scale_warehouse(args.shape, args.interceptions, args.seed, "1GB")
    limit = os.environ.get("AIBRIDGE_MEMORY_LIMIT", "2GB")
    print(f"{args.shape}, {args.interceptions:,} interceptions, DuckDB held to {limit}")
    results = {}
    for mode in ("one-step", "chunks"):
        copy = source.with_name(f"chunks-bench-{source.name}")
        shutil.copyfile(source, copy)
        try:
            seconds, rss, out = measured([sys.executable, str(Path(__file__).resolve()), "--child", str(copy), mode])
        finally:
            for leftover in (copy, Path(f"{copy}.wal"), Path(f"{copy}.tmp")):
                if leftover.is_dir():
                    shutil.rmtree(leftover)
                elif leftover.exists():
                    leftover.unlink()
        built = json.loads(out.strip().splitlines()[-1])
        results[mode] = (seconds, rss, built["spill"])
        print(
            f"  {mode:8}: {seconds:7.1f} s, peak RSS {rss / 2**30:.2f} GiB, "
            f"temporary files up to {built['spill'] / 2**30:.1f} GiB ({built['said']})",
            flush=True,
        )
    (base_s, base_rss, base_spill), (s, rss, spill) = results["one-step"], results["chunks"]
    print(
        f"chunks against one step: time x{s / base_s:.2f}, peak RSS x{rss / base_rss:.2f}, "
        f"temporary files x{spill / max(base_spill, 1):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
