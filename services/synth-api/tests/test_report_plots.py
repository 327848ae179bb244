"""Report figures: legends never cover a bar (they sit beside the axes)."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle
from xcoder_synth.export.plots import funnel_figure, grouped_figure
from xcoder_synth.export.report import RunReport, StageLine


def _report() -> RunReport:
    stages = [StageLine(stage=f"stage{i}", items=9, records=9 - i, dropped={"x": i}) for i in range(8)]
    return RunReport(
        run="r", generated_at="now", stages=stages, tasks_written=3, tasks_verified=3, tests_kept=9,
        tests_per_task={}, test_decisions={}, test_sources={}, agreement_histogram=[0] * 10,
        pass_rate_histogram=[0] * 10, pass_rates=[], candidate_rejects={}, styles={}, categories={},
        top_features=[], decontam={},
    )  # fmt: skip


def _overlaps(fig) -> list[str]:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (ax,) = fig.axes
    legend = ax.get_legend().get_window_extent(renderer)
    bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_height() > 0]
    assert bars
    return [str(p) for p in bars if legend.overlaps(p.get_window_extent(renderer))]


def test_the_funnel_legend_covers_no_bar():
    fig = funnel_figure(_report())
    try:
        assert _overlaps(fig) == []
    finally:
        plt.close(fig)


def test_grouped_legends_cover_no_bar():
    data = {"codeforces": {"written": 9, "verified": 9}, "atcoder": {"written": 9, "verified": 8}}
    fig = grouped_figure(data, "styles")
    try:
        assert _overlaps(fig) == []
    finally:
        plt.close(fig)
