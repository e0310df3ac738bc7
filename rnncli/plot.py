"""Optional PNG plots (matplotlib, the `plot` extra): gradient norm against distance."""

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
    """One line per model: |g_t| (log scale) against distance T - 1 - t. Written atomically."""
    plt = pyplot()
    import os
    import tempfile

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
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".png", dir=path.parent if str(path.parent) else ".")
    os.close(fd)
    try:
        fig.savefig(tmp, format="png", dpi=100)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)
