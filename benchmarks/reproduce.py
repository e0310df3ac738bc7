"""Retrain a model from the command it recorded, and say how close the new weights come.

The command is the one `rnncli info MODEL` prints (data as "$RNNCLI_DATA"/..., the output by
file name); it runs in a fresh process in --work, with RNNCLI_DATA set to --data. Printed:
both runs' environments, per tensor the entries that differ and the largest absolute
difference, and every score of both models with the difference.

    RNNCLI_DATA=../shared/data python benchmarks/reproduce.py tagger-rnn-small [--work DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the checkout's rnncli, installed or not

from rnncli.data.locations import portable_command  # noqa: E402
from rnncli.model.bundled import describe, resolve_model  # noqa: E402
from rnncli.model.model_file import read_tensors  # noqa: E402


def retrain(command: str, work: Path, data: Path) -> float:
    """Run the recorded command in `work`; its wall time in seconds."""
    shell = command.replace("rnncli ", f"{sys.executable} -m rnncli ", 1)
    print(f"$ {command}", flush=True)
    started = time.monotonic()
    subprocess.run(["bash", "-c", shell], cwd=work, env={**os.environ, "RNNCLI_DATA": str(data)}, check=True)
    return time.monotonic() - started


def tensor_rows(before: dict, after: dict) -> list[str]:
    """Per tensor: entries that differ (of all) and the largest absolute difference."""
    rows = []
    for name in sorted(before):
        a, b = before[name].astype(np.float64), after[name].astype(np.float64)
        gap = np.abs(a - b)
        rows.append(f"{name:<40} {int((gap > 0).sum()):>9,} of {a.size:<10,} {gap.max():.2e}")
    return rows


def score_rows(before: dict, after: dict) -> list[str]:
    """Each score of both models (percent) and the difference."""
    rows = []
    for split in sorted(before):
        for output, value in sorted(before[split].items()):
            new = after.get(split, {}).get(output)
            if isinstance(value, (int, float)) and isinstance(new, (int, float)):
                rows.append(f"{split} {output:<28} {100 * value:8.2f} {100 * new:8.2f} {100 * (new - value):+7.2f}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a bundled model's name or a model file")
    parser.add_argument("--data", type=Path,
                        default=Path(os.environ.get("RNNCLI_DATA") or REPO.parent / "shared" / "data"))
    parser.add_argument("--work", type=Path, default=None, help="folder to train in (default: a temporary one)")
    args = parser.parse_args()
    path = resolve_model(args.model)
    described = describe(path)
    with tempfile.TemporaryDirectory() as temporary:
        work = args.work or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        command = portable_command(described["command"])
        wall = retrain(command, work, args.data.resolve())
        new_path = work / command.split("--out ", 1)[1].split()[0].strip("'")
        new = describe(new_path)
        _, before = read_tensors(path)
        _, after = read_tensors(new_path)
    print(f"\nretrained in {wall:.0f} s (recorded: {described['wall_time_s']} s)")
    recorded = described["training"].get("environment") or {"torch": described["training"].get("torch")}
    print(f"recorded environment: {recorded}")
    print(f"this environment:     {new['training']['environment']}")
    print(f"\n{'tensor':<40} {'differing entries':>23} max |diff|")
    print("\n".join(tensor_rows(before, after)))
    differing = sum(not np.array_equal(before[n], after[n]) for n in before)
    print(f"{differing} of {len(before)} tensors differ")
    print(f"\n{'score':<34} {'bundled':>8} {'retrained':>8} {'diff':>7}")
    print("\n".join(score_rows(described["scores"], new["scores"])))


if __name__ == "__main__":
    main()
