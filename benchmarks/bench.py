"""What tag_speed.py and sentiment_speed.py share: commands measured as fresh processes, the peer
beside them, the machine's limit, tables.

* `Bench`: one command, measured through measure.py (wall time, its own peak RSS);
* `measure`: the checkout's bytecode compiled first (`compile_bytecode`), an untimed round,
  then --repeat rounds taking turns, each after a measure of numpy's single-core sgemm rate
  (limits.py), so that a busy machine slows all alike;
* `job_benches`: a model's command with the default options (--jobs auto), then with each
  `--jobs N` asked for (default: 1), then with the default again while --busy cores are kept
  busy by other processes (what --jobs auto does on a busy machine); `outputs`: each command's
  stdout to its own file;
* `machine_cells`: the multiply-adds per second a whole process reached (model MACs/token x
  tokens/s + tokenizer MACs/character x characters/s) and their share of one core's sgemm rate;
* `print_table`: a plain-text table, with the commands that failed listed under it.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # the sgemm rate of one core, as rnncli runs numpy

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))  # the checkout's rnncli, for the models' sizes

import limits  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

COLD_TARGET_S = 0.3
COLD_TARGET_MB = 100


@dataclass
class Bench:
    """One command, measured as a fresh process each time."""

    label: str
    command: list[str]
    role: str = "rnncli"  # or "peer" (NLTK, the ratios' denominator) or "reference"
    output: Path | None = None  # where its stdout goes; None: /dev/null
    macs: int = 0  # rnncli: the word-level network's multiply-adds per token
    char_macs: float = 0.0  # rnncli on text: the tokenizer's multiply-adds per character
    target: float | None = None  # the most time/peer this row may take (default options only)
    busy: int = 0  # cores kept busy by other processes while it runs (a busy machine)
    seconds: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    @property
    def median_rss_mb(self) -> float:
        return statistics.median(self.rss_mb)


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def parse_args(description: str, holds: str, models: list[str]) -> argparse.Namespace:
    """--data, --repeat, --model and --jobs, as both throughput scripts take them."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", type=Path, metavar="DIR",
                        default=Path(os.environ.get("RNNCLI_DATA") or REPO.parent / "shared" / "data"),
                        help=f"folder holding {holds} (default: $RNNCLI_DATA, else ../shared/data from the repo root; "
                             "see DATA.md)")
    parser.add_argument("--repeat", type=positive_int, default=5, metavar="N",
                        help="timed runs of each command (default: 5)")
    parser.add_argument("--model", nargs="+", default=models,
                        help=f"rnncli models: bundled names or model file paths (default: {' '.join(models)})")
    parser.add_argument("--jobs", nargs="*", type=positive_int, default=[1], metavar="N",
                        help="besides the default (--jobs auto), also measure throughput with --jobs N "
                             "(default: 1; none: the default only)")
    parser.add_argument("--busy", type=int, default=1, metavar="N", choices=range(0, 65),
                        help="also measure the default options while N other processes keep a core busy each "
                             "(default: 1; 0: not)")
    return parser.parse_args()


def run_once(bench: Bench, scratch: Path) -> tuple[float, float] | None:
    """Run the command through measure.py: its wall time and peak RSS (MB), or None with bench.error set."""
    result = scratch / "measure.txt"
    stdout = open(bench.output, "wb") if bench.output else subprocess.DEVNULL
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(bench.busy)]
    try:
        time.sleep(0.5 if spinners else 0)  # they are running
        done = subprocess.run([sys.executable, "-I", "-S", str(HERE / "measure.py"), str(result), *bench.command],
                              cwd=REPO, stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE, text=True)
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
        if bench.output:
            stdout.close()
    seconds, rss_kb, code = result.read_text().split()
    if done.returncode or int(code):
        lines = done.stderr.strip().splitlines()
        bench.error = lines[-1] if lines else f"exit status {code}"
        return None
    return float(seconds), int(rss_kb) * 1024 / 1e6


def compile_bytecode() -> None:
    """Write the checkout's bytecode (rnncli/**/__pycache__), as `pip install` does for a user and
    did for the peer's package. Where PYTHONDONTWRITEBYTECODE is set (CI, containers), a checkout
    never gets any, and every measured process would compile rnncli from source first: 80 ms of
    the 230 ms that `rnncli tag good` takes when installed."""
    if not compileall.compile_dir(REPO / "rnncli", quiet=1):
        raise SystemExit(f"could not compile {REPO / 'rnncli'}")


def measure(benches: list[Bench], repeat: int, scratch: Path) -> float:
    """The checkout's bytecode compiled, a warm-up round (which also finds the commands that fail), then `repeat` timed rounds,
    each after a measure of the sgemm rate; the median of those rates (GMAC/s) is returned."""
    print(f"measuring {len(benches)} commands, {repeat} timed runs each...", file=sys.stderr, flush=True)
    compile_bytecode()
    for bench in benches:
        run_once(bench, scratch)
    rates = []
    for _ in range(repeat):
        rates.append(limits.sgemm_gmacs())
        for bench in benches:
            if bench.error is None and (result := run_once(bench, scratch)):
                bench.seconds.append(result[0])
                bench.rss_mb.append(result[1])
    return statistics.median(rates)


def model_label(model: str) -> str:
    return Path(model).name if os.sep in model or model.endswith(".safetensors") else model


def model_macs(model: str, task: str, text: str = "") -> float:
    """The word-level network's multiply-adds per token (per character for a tokenizer: with an
    upper layer, its work at the characters of `text` where a token can end, spread over all),
    or 0 when the model does not load."""
    from rnncli.errors import RnnCliError
    from rnncli.model.bundled import resolve_model
    from rnncli.model.model_file import load_model
    from rnncli.text.segmentation import boundary_candidates

    try:
        config = load_model(resolve_model(model, task), task).config
    except RnnCliError:
        return 0
    share = boundary_candidates(text).mean() if config.upper_hidden and text else 0.0
    return config.macs_per_token() + config.upper_macs() * share


def rnncli_command(task: str, model: str, args: list[str]) -> list[str]:
    """`python -m rnncli TASK --model MODEL ARGS`."""
    return [sys.executable, "-m", "rnncli", task, "--model", model, *args]


def script_command(task: str, model: str, args: list[str]) -> list[str] | None:
    """The `rnncli` console script of the Python running this benchmark (its bin/ or Scripts/),
    when it has one: not whatever `rnncli` is first on PATH, which may be another installation
    (a pyenv shim, another virtual environment)."""
    script = Path(sys.executable).parent / ("rnncli.exe" if os.name == "nt" else "rnncli")
    return [str(script), task, "--model", model, *args] if script.is_file() else None


def job_benches(task: str, model: str, args: list[str], jobs: list[int], busy: int = 0, **fields) -> list[Bench]:
    """The model's command with the default options, then with `--jobs N` for each N, then (busy
    > 0) with the default options while `busy` cores are kept busy; `fields` (macs, char_macs,
    target) go to every row, but the target only to the default one."""
    target = fields.pop("target", None)
    label, command = f"rnncli {task} -m {model_label(model)}", rnncli_command(task, model, args)
    benches = [Bench(label, command, target=target, **fields)]
    benches += [Bench(f"{label} -j {n}", [*command, "--jobs", str(n)], **fields) for n in jobs]
    return benches + [Bench(f"{label}, {busy} core(s) busy", command, busy=busy, **fields)] * (busy > 0)


def outputs(benches: list[Bench], pattern: Path) -> list[Bench]:
    """Send each bench's stdout to its own file, `pattern` with {} replaced by its index."""
    for i, item in enumerate(benches):
        item.output = Path(str(pattern).format(i))
    return benches


def ratio(value: float, peer_value: float | None) -> str:
    return f"{value / peer_value:.2f}x" if peer_value else "-"


def peer_medians(benches: list[Bench]) -> tuple[float | None, float | None]:
    """The peer's median seconds and RSS, or None when it failed."""
    peer = next(b for b in benches if b.role == "peer")
    return (peer.median_seconds, peer.median_rss_mb) if peer.seconds else (None, None)


def time_target(bench: Bench, peer_seconds: float | None) -> str:
    """Whether the row met its time/peer target: "met <= 1.2x", "missed <= 0.5x", the role or "-"."""
    if bench.role != "rnncli":
        return bench.role
    if bench.target is None or peer_seconds is None:
        return "-"
    verdict = "met" if bench.median_seconds / peer_seconds <= bench.target else "missed"
    return f"{verdict} <= {bench.target:.1f}x"


def machine_cells(bench: Bench, tokens_per_s: float, chars_per_s: float, sgemm: float) -> list[str]:
    """GMAC/s reached (model MACs x tokens/s + tokenizer MACs x characters/s) and its share of
    one core's sgemm rate; dashes when the model's size is unknown."""
    if not bench.macs:
        return ["-", "-"]
    gmacs = (bench.macs * tokens_per_s + bench.char_macs * chars_per_s) / 1e9
    return [f"{gmacs:.2f}", f"{gmacs / sgemm:.0%}"]


def cold_target(bench: Bench) -> str:
    if bench.role != "rnncli":
        return bench.role
    missed = [what for what, ok in (("time", bench.median_seconds <= COLD_TARGET_S),
                                    ("RSS", bench.median_rss_mb <= COLD_TARGET_MB)) if not ok]
    return "missed: " + ", ".join(missed) if missed else "met"


def cold_benches(task: str, models: list[str], args: list[str]) -> list[Bench]:
    """`python -m rnncli` and, where this Python has one, its `rnncli` script, for each model."""
    benches = []
    for model in models:
        label = f"rnncli {task} -m {model_label(model)}"
        benches.append(Bench(label, rnncli_command(task, model, args)))
        if script := script_command(task, model, args):
            benches.append(Bench(f"{label} (script)", script))
    return benches


def cold_rows(benches: list[Bench]) -> list[list[str]]:
    peer_seconds, peer_rss = peer_medians(benches)
    return [[b.label, f"{b.median_seconds:.3f}", ratio(b.median_seconds, peer_seconds), f"{b.median_rss_mb:.1f}",
             ratio(b.median_rss_mb, peer_rss), cold_target(b)] for b in benches if b.seconds]


def print_header(repeat: int, sgemm: float) -> None:
    """The conditions of the run: rounds, CPUs, load, the sgemm rate and what --jobs auto picks now."""
    try:
        from rnncli.infer.parallel import FreeCores
        free = FreeCores()
        time.sleep(0.5)
        auto = f"--jobs auto would start {free.count()} worker(s) now"
    except ImportError:  # a checkout from before --jobs auto
        auto = "no --jobs auto in this checkout"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"median of {repeat} fresh processes per command, run round-robin; {os.cpu_count()} CPUs, load average "
          f"{load} ({auto}); RSS in MB (10^6 bytes); single-core sgemm {sgemm:.1f} GMAC/s")


def print_table(title: str, headers: list[str], rows: list[list[str]], failed: list[Bench] = ()) -> None:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    print(f"\n{title}")
    print(line(headers))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))
    for bench in failed:
        print(f"not measured: {bench.label}: {bench.error}")
