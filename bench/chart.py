"""One PNG from a combined bench's results: latency percentiles (p50, p90, p95, p99) of every
path, on a log scale since they span from a millisecond to seconds. Drawn with matplotlib (a
dev dependency) without a display.   Usage: python -m bench.chart RESULTS.json [OUT.png]"""

import json
import sys
from pathlib import Path
from typing import Any

PERCENTILES = (50, 90, 95, 99)
# (label, the Burg figures it comes from, the key prefix of its percentiles)
PATHS = (("comment POST, fan-out running", "comments", "post"),
         ("thread GET, 200 comments", "comments", "get_200"),
         ("feed GET (200)", "feeds", "feed_200"),
         ("feed GET (304)", "feeds", "feed_304"),
         ("article page, 200 comments", "page", "page"),
         ("front page, 20 whole articles", "front", "front"),
         ("publish -> feed, alone", "publish_alone", "feed"),
         ("publish -> feed, 16 clients", "publish_16", "feed"),
         ("reply -> SMTP server, 16 repliers", "reply", "mail"))


def draw(results: dict[str, Any], out: Path) -> Path:
    import matplotlib  # a dev dependency, needed only here: imported on use

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    burg = results["burg"]
    paths = [(label, burg[part], prefix) for label, part, prefix in PATHS
             if f"{prefix}_p50_ms" in burg.get(part, {})]
    figure, axes = plt.subplots(figsize=(9, 0.55 * len(paths) + 1.6), dpi=110)
    height = 0.8 / len(PERCENTILES)
    for n, p in enumerate(PERCENTILES):
        values = [figures.get(f"{prefix}_p{p}_ms", 0.0) for _, figures, prefix in paths]
        bars = axes.barh([i + (n - 1.5) * height for i in range(len(paths))], values,
                         height=height, label=f"p{p}")
        if p in (50, 95):
            axes.bar_label(bars, labels=[f"{v:,.0f}" if v >= 10 else f"{v:.1f}"
                                         for v in values], fontsize=6, padding=2)
    axes.set_yticks(range(len(paths)), [label for label, _, _ in paths])
    axes.invert_yaxis()
    axes.set_xscale("log")
    axes.set_xlabel("milliseconds (log scale)")
    meta = results["meta"]
    axes.set_title(f"Burg {meta['version']}, {meta['when']}: latency per path "
                   f"({meta['load']}{', quick' if meta['quick'] else ''})", fontsize=9)
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    axes.grid(axis="x", which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(out)
    plt.close(figure)
    return out


def main() -> None:
    source = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else source.with_suffix(".png")
    print(draw(json.loads(source.read_text()), out))


if __name__ == "__main__":
    main()
