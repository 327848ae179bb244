"""PNG figures of the run report (matplotlib, headless)."""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from xcoder_synth.export.report import AGREEMENT_BINS, PASS_RATE_BINS, RunReport


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")  # keeps the legend placed beside the axes
    plt.close(fig)
    return path


def _legend_outside(ax) -> None:
    """Legend to the right of the axes, so it never covers a bar."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)


def _bins_labels(bins: list[float]) -> list[str]:
    return [f"{lo:.1f}–{hi:.1f}" for lo, hi in itertools.pairwise(bins)]


def funnel(report: RunReport, path: Path) -> Path:
    return _save(funnel_figure(report), path)


def funnel_figure(report: RunReport):
    fig, ax = plt.subplots(figsize=(8, 3.6))
    names = [s.stage for s in report.stages]
    ax.bar(names, [s.records for s in report.stages], color="#4c72b0", label="records out")
    ax.bar(
        names,
        [sum(s.dropped.values()) for s in report.stages],
        bottom=[s.records for s in report.stages],
        color="#dd8452",
        label="dropped",
    )
    ax.set_ylabel("count")
    ax.set_title("Records per stage")
    ax.tick_params(axis="x", rotation=35)
    _legend_outside(ax)
    return fig


def histogram(counts: list[int], bins: list[float], title: str, xlabel: str, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 3.4))
    xs = list(range(len(counts)))
    ax.bar(xs, counts, color="#55a868", width=0.9)
    ax.set_xticks(xs, _bins_labels(bins), rotation=45, ha="right")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    return _save(fig, path)


def grouped(data: dict[str, dict[str, int]], title: str, path: Path) -> Path:
    return _save(grouped_figure(data, title), path)


def grouped_figure(data: dict[str, dict[str, int]], title: str):
    fig, ax = plt.subplots(figsize=(7, 3.6))
    names = list(data)
    xs = range(len(names))
    ax.bar(
        [x - 0.2 for x in xs],
        [data[n]["written"] for n in names],
        width=0.4,
        label="written",
        color="#8172b3",
    )
    ax.bar(
        [x + 0.2 for x in xs],
        [data[n]["verified"] for n in names],
        width=0.4,
        label="verified",
        color="#64b5cd",
    )
    ax.set_xticks(list(xs), names, rotation=30, ha="right")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title)
    _legend_outside(ax)
    return fig


def all_plots(report: RunReport, folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "funnel": funnel(report, folder / "funnel.png"),
        "agreement": histogram(
            report.agreement_histogram,
            AGREEMENT_BINS,
            "Vote agreement per input",
            "winning share of voters",
            folder / "agreement.png",
        ),
        "pass_rate": histogram(
            report.pass_rate_histogram,
            PASS_RATE_BINS,
            "Candidate pass rate per verified task",
            "share of distinct candidates passing all tests",
            folder / "pass_rate.png",
        ),
        "styles": grouped(report.styles, "Task styles", folder / "styles.png"),
        "categories": grouped(report.categories, "Feature categories used", folder / "categories.png"),
    }
