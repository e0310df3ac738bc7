"""Optional PNG plots (matplotlib, the `plot` extra): gradient norm against distance,
learning curves, and the long-memory experiment. Written atomically."""

from __future__ import annotations

from pathlib import Path

from rnncli.errors import RnnCliError


def pyplot():
    """matplotlib.pyplot without a display, or a clear error when the `plot` extra is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise RnnCliError("--plot needs matplotlib: pip install 'rnncli[plot]'") from None
    return plt


def plot_norms(path: Path, series: dict[str, list[float]], title: str) -> None:
    """One line per model: |g_t| (log scale) against distance T - 1 - t."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, norms in series.items():
        T = len(norms)
        points = [(T - 1 - t, v) for t, v in enumerate(norms) if v > 0]
        ax.plot([d for d, _ in points], [v for _, v in points], marker=".", label=name)
    ax.set_yscale("log")
    ax.set_xlabel("distance to the output (steps)")
    ax.set_ylabel("gradient norm")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    save_figure(fig, path)


VECTOR_FORMATS = (".svg", ".pdf")  # by the file's extension; PNG otherwise


def save_figure(fig, path: Path) -> None:
    import io

    from rnncli.files import write_atomic

    suffix = Path(path).suffix.lower()
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format=suffix[1:] if suffix in VECTOR_FORMATS else "png", dpi=100)
    finally:
        pyplot().close(fig)
    write_atomic(path, buffer.getvalue())


def plot_history(path: Path, history: list[dict], title: str) -> None:
    """Learning curves: training loss and every dev metric against the epoch."""
    plt = pyplot()
    fig, (loss_ax, dev_ax) = plt.subplots(1, 2, figsize=(9, 3.5))
    epochs = [h["epoch"] for h in history]
    loss_ax.plot(epochs, [h["loss"] for h in history], marker=".")
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("training loss (cross-entropy)")
    for key in sorted(k for k in history[0] if k.startswith("dev_")):
        dev_ax.plot(epochs, [h[key] for h in history], marker=".", label=key[4:])
    dev_ax.set_xlabel("epoch")
    dev_ax.set_ylabel("dev accuracy")
    dev_ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)


def plot_memory(path: Path, result) -> None:
    """The long-memory experiment: test accuracy against distance, one line per cell, chance dashed."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for cell in result.settings["cells"]:
        runs = [r for r in result.runs if r.cell == cell]
        line, = ax.plot([r.distance for r in runs], [r.accuracy for r in runs], marker="o", label=cell)
        if len(result.settings["seeds"]) > 1:  # each seed's accuracy too: the mean hides a seed that failed
            ax.scatter([r.distance for r in runs for _ in r.accuracies], [a for r in runs for a in r.accuracies],
                       color=line.get_color(), alpha=0.35, s=14)
    ax.axhline(result.chance, linestyle="--", color="grey", label="chance")
    ax.set_xscale("log")
    distances = sorted({r.distance for r in result.runs})
    ax.set_xticks(distances, [str(d) for d in distances])  # the distances run, not 5x10^0, 6x10^0, ...
    ax.minorticks_off()
    ax.set_xlabel("distance between the label and the end of the sequence (steps)")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.02)
    ax.set_title("remembering the first symbol")
    ax.legend()
    fig.tight_layout()
    save_figure(fig, path)
