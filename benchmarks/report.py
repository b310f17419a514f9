"""Where the results go: benchmarks/results/latest.{json,md} and the README's performance section."""

from __future__ import annotations

import json
import os
import platform

from benchmarks.common import Row

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
README = os.path.join(os.path.dirname(HERE), "README.md")
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def markdown(rows: list[Row], context: dict) -> str:
    lines = [
        f"Measured {context['date']} on {context['machine']}, ZooKeeper {context['zookeeper']} "
        f"({context['servers']}-server sandbox), {context['runs']} runs each (medians), "
        f"{context['duration_s'] / 60:.0f} min in all. Ratios compare figures from the same run."
        + (f" {context['rerun']}." if context.get("rerun") else ""),
        "",
        "| # | measurement | figure | ratio | target | verdict | note |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        cells = [row.item, row.what, row.figure, row.ratio, row.target, row.verdict and f"**{row.verdict}**",
                 row.note]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    misses = [row for row in rows if row.verdict == "MISS"]
    lines.append("")
    if misses:
        lines.append("Not met: " + "; ".join(f"{row.item} {row.what} ({row.figure}, target {row.target})"
                                             for row in misses) + ". Why: the notes under the table in the README's Performance section.")
    else:
        lines.append("Every target is met.")
    return "\n".join(lines) + "\n"


def merged(rows: list[Row], context: dict, items: list[str]) -> tuple[list[Row], dict]:
    """The latest results with the rows of `items` ("1", "5") replaced by these newer ones."""
    with open(os.path.join(RESULTS, "latest.json")) as f:
        latest = json.load(f)
    fresh = {key: [row for row in rows if row.item.split(".")[0] == key] for key in items}
    out: list[Row] = []
    for key in sorted({row["item"].split(".")[0] for row in latest["rows"]} | set(items), key=int):
        out += fresh.get(key) or [Row(**row) for row in latest["rows"] if row["item"].split(".")[0] == key]
    kept = dict(latest["context"])
    rerun = (f"Measurements {', '.join(items)} re-run on {context['date']} "
             f"({context['duration_s'] / 60:.0f} min, {context['runs']} runs each) after a fix")
    # Every re-run since the full run is named, not only the last: the table mixes them.
    kept["rerun"] = f"{kept['rerun']}; {rerun[0].lower()}{rerun[1:]}" if kept.get("rerun") else rerun
    return out, kept


def write(rows: list[Row], context: dict) -> str:
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "latest.json"), "w") as f:
        json.dump({"context": context, "rows": [row.to_json() for row in rows]}, f, indent=2)
        f.write("\n")
    table = markdown(rows, context)
    with open(os.path.join(RESULTS, "latest.md"), "w") as f:
        f.write("# zktui benchmark: latest run\n\n" + table)
    update_readme(table)
    return table


def update_readme(table: str, path: str = README) -> None:
    """Replace what is between the markers; everything else in the README stays as it is."""
    with open(path) as f:
        text = f.read()
    if START not in text or END not in text:
        raise RuntimeError(f"{path} lacks the {START} / {END} markers")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    with open(path, "w") as f:
        f.write(f"{head}{START}\n{table}{END}{tail}")


def machine() -> str:
    cores = os.cpu_count() or 0
    return f"{platform.system()} {platform.machine()}, {cores} cores, Python {platform.python_version()}"
