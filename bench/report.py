"""The combined bench's one table (each path: Burg, its peer, its ceiling, the ratio, the goal
of issue 18, met or not), and the results file that `python -m bench.compare` reads."""

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.memory import bounded

Figures = dict[str, float]
RESULTS = Path(__file__).parent / "results"
HEADER = ["path", "Burg", "peer", "ceiling", "ratio", "goal", "met?"]


def _n(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    return (f"{value:,.0f}" if value >= 100 else f"{value:,.1f}") + unit


def _rate(figures: Figures, prefix: str) -> str:
    """`4,220/s (p95 3.1 ms)`, or `-` when the figure was not measured."""
    if f"{prefix}_per_s" not in figures:
        return "-"
    return f"{_n(figures[f'{prefix}_per_s'])}/s (p95 {_n(figures[f'{prefix}_p95_ms'])} ms)"


def _ms(figures: Figures, prefix: str) -> str:
    if f"{prefix}_p50_ms" not in figures:
        return "-"
    return f"{_n(figures[f'{prefix}_p50_ms'])} / {_n(figures[f'{prefix}_p95_ms'])} ms"


def _met(ok: bool | None) -> str:
    return "-" if ok is None else "yes" if ok else "NO"


def rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The table's rows, each with its display cells and the numbers behind them."""
    burg: dict[str, Figures] = results["burg"]
    isso: Figures = results.get("isso") or {}
    one_task: Figures = results.get("ceiling") or {}
    bare: dict[str, Figures] = results.get("bare") or {}
    comments, feeds, page = burg.get("comments", {}), burg.get("feeds", {}), burg.get("page", {})
    out: list[dict[str, Any]] = []

    def add(path: str, cells: tuple[str, str, str], ratio: float | None, ratio_text: str,
            goal: str, met: bool | None) -> None:
        out.append({"path": path, "burg": cells[0], "peer": cells[1], "ceiling": cells[2],
                    "ratio": ratio, "ratio_text": ratio_text, "goal": goal, "met": met})

    def share(mine: Figures, key: str, against: Figures, their: str) -> float | None:
        return mine[key] / against[their] if key in mine and against.get(their) else None

    post = share(comments, "post_per_s", isso, "post_per_s")
    add("comment POST/s, fan-out running",
        (_rate(comments, "post"), f"Isso {_rate(isso, 'post')}" if isso else "-",
         f"one task {_rate(one_task, 'post')}" if one_task else "-"),
        post, f"{post:.2f}x Isso" if post else "-", ">= 1.2x Isso (1.5x)",
        None if post is None else post >= 1.2)
    reads: tuple[tuple[str, Figures, str, str, str, Figures, str], ...] = (
             ("thread GET/s, 200 comments", comments, "get_200", "thread", "thread_200",
              isso, "get_200"),
             ("feed GET/s, 50 entries (200)", feeds, "feed_200", "feed", "feed_200", {}, ""),
             ("feed GET/s, 50 entries (304)", feeds, "feed_304", "feed", "feed_304", {}, ""),
             ("article page/s, 200 comments", page, "page", "page", "page_200", {}, ""))
    for path, mine, key, document, theirs, peer, peer_key in reads:
        ceiling = bare.get(document, {})
        ratio = share(mine, f"{key}_per_s", ceiling, f"{theirs}_per_s")
        add(path, (_rate(mine, key), f"Isso {_rate(peer, peer_key)}" if peer else "-",
                   f"bare ASGI {_rate(ceiling, theirs)}" if ceiling else "-"),
            ratio, f"{ratio:.{0 if ratio >= 0.1 else 1}%} of bare" if ratio else "-",
            ">= 50% of bare ASGI", None if ratio is None else ratio >= 0.5)
    rate = page.get("page_per_s")
    add("article page/s, 200 comments", (_rate(page, "page"), "-", "-"), None, "-",
        ">= 2,000/s", None if rate is None else rate >= 2000)
    front, front_bare = burg.get("front", {}), bare.get("front", {})
    rate = front.get("front_per_s")
    cpu = sum(v for k, v in front.items() if k.startswith("front_cpu_us_"))
    add("front page/s, 20 whole articles",
        (_rate(front, "front"), "-", f"bare ASGI {_rate(front_bare, 'front_200')}"
         if front_bare else "-"), None,
        f"{_n(cpu)} µs CPU a page" if front else "-", ">= 500/s",
        None if rate is None else rate >= 500)
    pages = burg.get("pages", {})
    for name in ("category", "archive_month", "nic", "recent", "search", "permalink"):
        if f"{name}_per_s" in pages:
            add(f"{name.replace('_', ' ')} page/s (bench.site_pages)",
                (_rate(pages, name), "-", "-"), None,
                f"{_n(pages.get(f'{name}_cpu_us'))} µs CPU a page", "-", None)
    alone, crowd = burg.get("publish_alone", {}), burg.get("publish_16", {})
    add("publish -> category feed, alone p50 / p95", (_ms(alone, "feed"), "-", "-"), None, "-",
        "<= 20 / <= 50 ms", None if "feed_p50_ms" not in alone else
        alone["feed_p50_ms"] <= 20 and alone["feed_p95_ms"] <= 50)
    # An article already below the newest 50 when its render came is rightly never seen: this
    # counts them all, not only the ones that belonged in a render (the goal).
    unseen = crowd.get("articles", 0) - crowd.get("in_feed", 0)
    add("publish -> feed, 16 clients p50 / p95", (_ms(crowd, "feed"), "-", "-"), None,
        f"{unseen:.0f} never rendered" if crowd else "-", "p95 <= 300 ms",
        None if "feed_p95_ms" not in crowd else crowd["feed_p95_ms"] <= 300)
    mail = burg.get("reply", {})
    add("reply -> SMTP server, 16 repliers p50 / p95",
        (_ms(mail, "mail"), "Isso sends inside the request", "-"), None, "-",
        "<= 200 / <= 1,000 ms", None if "mail_p50_ms" not in mail else
        mail["mail_p50_ms"] <= 200 and mail["mail_p95_ms"] <= 1000)
    add("reply -> SMTP server, e-mails/s", (_n(mail.get("emails_per_s"), "/s"), "-", "-"), None,
        "-", ">= 200/s", None if "emails_per_s" not in mail else mail["emails_per_s"] >= 200)
    # The rate above is capped by the replies' POST rate; a drained backlog is notify's own.
    drain_cpu = mail.get("drain_cpu_ms notify-worker")
    add("reply -> SMTP server, a backlog drained, e-mails/s",
        (_n(mail.get("drain_emails_per_s"), "/s"), "-", "-"), None,
        "-" if drain_cpu is None else f"notify worker {drain_cpu:.1f} ms CPU/e-mail", ">= 200/s",
        None if "drain_emails_per_s" not in mail else mail["drain_emails_per_s"] >= 200)
    soak = {name: row for name, row in (results.get("soak") or {}).items() if name != "load"}
    if soak:
        name, worst = max(soak.items(), key=lambda item: item[1]["growth_mb"])
        grew = [n for n, row in soak.items() if not bounded(row["growth_mb"], row["first_mb"])]
        add(f"RSS growth, last vs first minute of a {results['soak']['load']['seconds']:.0f} s"
            " soak", (f"most: {name} {worst['growth_mb']:+.1f} MB", "-", "-"), None,
            f"{len(grew)} of {len(soak)} grew", "none grows (<= 5 MB or 5%)", not grew)
    else:
        add("RSS growth over a soak", ("not run (--soak 300)", "-", "-"), None, "-",
            "none grows", None)
    return out


def table(lines: list[list[str]]) -> str:
    """Left-aligned text columns, two spaces apart."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    return "\n".join("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line))
                     .rstrip() for line in lines)


def show(results: dict[str, Any]) -> str:
    return table([HEADER, *([row["path"], row["burg"], row["peer"], row["ceiling"],
                             row["ratio_text"], row["goal"], _met(row["met"])]
                            for row in results["rows"])])


def version() -> str:
    """The checkout's short commit, `+` when its work tree has changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True,
                              cwd=Path(__file__).parent).stdout.strip()

    return (git("rev-parse", "--short", "HEAD") or "unknown") + (
        "+" if git("status", "--porcelain", "--untracked-files=no") else "")


def save(results: dict[str, Any], folder: Path = RESULTS) -> Path:
    """Write the results as `<UTC timestamp>-<short sha>.json` under `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{stamp}-{results['meta']['version']}.json"
    path.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    return path
