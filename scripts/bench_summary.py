#!/usr/bin/env python3
"""Writes the "Targets" table of BENCHMARKS.md from the figures in its generated section.

    scripts/bench_summary.py [BENCHMARKS.md]

scripts/bench.sh runs it after pasting fresh figures, so every MET / NOT MET below is computed
from the numbers measured in the same run; nothing in the table is typed by hand. A figure that
the run did not produce (e.g. valgrind missing) shows as "not measured" and the target as "?".
"""
import pathlib
import re
import sys

doc_path = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "BENCHMARKS.md")
doc = doc_path.read_text()
GEN_START, GEN_END = "<!-- generated:start -->", "<!-- generated:end -->"
SUM_START, SUM_END = "<!-- summary:start -->", "<!-- summary:end -->"
generated = doc.split(GEN_START, 1)[1].split(GEN_END, 1)[0]

rows = []  # every markdown table row of the generated section, as a list of cells
sections = []  # the "### " heading each row is under
heading = ""
for line in generated.splitlines():
    if line.startswith("### "):
        heading = line[4:]
    if line.startswith("|") and not line.startswith("|---"):
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
        sections.append(heading)


def row(prefix, section="", exact=False):
    """The first row (under a heading starting with `section`) whose first cell starts with, or
    with `exact` is, `prefix` (markdown code quotes ignored)."""
    for r, h in zip(rows, sections):
        name = r[0].replace("`", "")
        if h.startswith(section) and (name == prefix if exact else name.startswith(prefix)):
            return r
    return None


def num(cell):
    """A figure in a cell as a float in base units (ms for times, MiB for sizes, % for shares)."""
    if cell is None:
        return None
    m = re.search(r"(-?[0-9][0-9.,]*)\s*(ms|µs|us|MiB|B|%)?", cell.replace("**", ""))
    if not m:
        return None
    value = float(m.group(1).replace(",", ""))
    return value / 1000 if m.group(2) in ("µs", "us") else value


def cell(prefix, index, section="", exact=False):
    r = row(prefix, section, exact)
    return num(r[index]) if r and len(r) > index else None


def fmt(value, unit, digits=2):
    return "not measured" if value is None else f"{value:.{digits}f} {unit}".strip()


def ratio(a, b, digits=2):
    return "–" if a is None or b in (None, 0) else f"{a / b:.{digits}f}x"


def verdict(*checks):
    """MET when every (value, limit, kind) check holds; NOT MET names the first that fails."""
    for value, limit, kind, what in checks:
        if value is None:
            return "? (not measured)"
        ok = {"<": value < limit, "<=": value <= limit, ">=": value >= limit, "==": value == limit}[kind]
        if not ok:
            return f"**NOT MET**: {what} {value:g} vs {kind} {limit:g} ({value / limit:.2f}x)" if limit else \
                f"**NOT MET**: {what} {value:g} vs {kind} {limit:g}"
    return "MET"


out = []
add = out.append
add("| # | target | measured | command | reference (same run) | ratio | status |")
add("|---|---|---|---|---|---|---|")

# 1. Subtask table frame O(viewport).
v1k, v1m = cell("subtask_table/virtualised/1000", 1, exact=True), cell("subtask_table/virtualised/1000000", 1)
e100k = cell("subtask_table/eager_reference/100000", 1)
ir1m = row("subtask table frame, virtualised, 1000000")
ir_ratio = num(ir1m[3]) if ir1m else None
eager_ir = row("reference: eager Table rows")
add(f"| 1 | subtask table frame at 1M subtasks ≤ 1.1x of 1k, < 0.5 ms | {fmt(v1m, 'ms', 3)} at 1M, "
    f"{fmt(v1k, 'ms', 3)} at 1k ({ratio(v1m, v1k, 3)}); callgrind {ir_ratio if ir_ratio else '?'}x "
    f"| `cargo bench --bench render -- subtask_table`; callgrind `OASWATCH_CALLGRIND=table:N` "
    f"| eager `Table` of all rows at 100k: {fmt(e100k, 'ms')}; callgrind {eager_ir[3] if eager_ir else '?'} "
    f"| {ratio(e100k, v1m, 0)} faster than eager at 100k "
    f"| {verdict((v1m / v1k if v1m and v1k else None, 1.1, '<=', 'time ratio 1M/1k'), (v1m, 0.5, '<', 'ms at 1M'), (ir_ratio, 1.1, '<=', 'Ir ratio'))} |")

# 2. Whole dashboard frame, writes and bytes.
frames = {k: cell(f"dashboard_frame/{k}", 1) for k in ("unchanged", "move_selection", "scroll_one_row")}
worst = max((v for v in frames.values() if v is not None), default=None)
repaint = cell("dashboard_frame/full_repaint_reference", 1)
write_rows = [r for r in rows if len(r) == 5 and r[0] not in ("frame",) and r[2].isdigit()]
max_writes = max((int(r[2]) for r in write_rows), default=None)
unchanged_bytes = cell("nothing changed", 1)
unchanged_ref = cell("nothing changed", 4)
stays = cell("one visible subtask Running to Succeeded", 1)
moves = cell("one subtask status changes", 1)
status_bytes = min((v for v in (stays, moves) if v is not None), default=None)
add(f"| 2 | dashboard frame < 1 ms | slowest of unchanged / move / scroll: {fmt(worst, 'ms', 3)} "
    f"| `cargo bench --bench render -- dashboard_frame` | full repaint every frame: {fmt(repaint, 'ms')} "
    f"| {ratio(repaint, worst, 1)} | {verdict((worst, 1.0, '<', 'ms'))} |")
add(f"| 2 | one `write()` per frame | at most {max_writes} write(s) in every measured frame "
    f"| `cargo bench --bench memory` (bytes table) | unbuffered crossterm backend: "
    f"{cell('first full paint', 3):g} writes for the first paint | – | {verdict((max_writes, 1, '<=', 'writes'))} |")
add(f"| 2 | unchanged frame writes nothing | {fmt(unchanged_bytes, 'B', 0)} "
    f"| `cargo bench --bench memory` | plain ratatui `Terminal`: {fmt(unchanged_ref, 'B', 0)} | – "
    f"| {verdict((unchanged_bytes, 0, '==', 'bytes'))} |")
add(f"| 2 | one status change writes < 100 B | {fmt(stays, 'B', 0)} when the row stays put; "
    f"{fmt(moves, 'B', 0)} when Failed→Succeeded re-sorts the failures-first table "
    f"| `cargo bench --bench memory` | unbuffered: {fmt(cell('one visible subtask Running to Succeeded', 4), 'B', 0)} "
    f"| – | {verdict((status_bytes, 100, '<', 'bytes'))} |")

# 3. Idle.
fin = row("100 finished tasks x 1,000 subtasks", "Idle")
fin_cpu, fin_frames, fin_bytes = (num(fin[2]), num(fin[3]), num(fin[4])) if fin else (None, None, None)
run = row("100 running tasks polled every 5 s", "Idle")
run_cpu, run_frames = (num(run[2]), num(run[3])) if run else (None, None)
tick_cpu = frames["unchanged"] * 4 / 1000 * 100 if frames["unchanged"] else None
add(f"| 3 | idle, 100 finished tasks: 0 draws, 0 bytes, CPU < 0.1 % over 60 s "
    f"| {fmt(fin_cpu, '%', 3)}, {fin_frames:g} frames, {fin_bytes:g} B "
    f"| `cargo bench --bench system -- idle` | redraw every 250 ms tick: 240 frames, "
    f"≈{fmt(tick_cpu, '%', 3)} for the draws alone (4 x `dashboard_frame/unchanged`) | – "
    f"| {verdict((fin_frames, 0, '==', 'frames'), (fin_bytes, 0, '==', 'bytes'), (fin_cpu, 0.1, '<', '% CPU'))} |")
wait_cpu = cell("reference: oaswatch wait on the same tasks", 2, "Idle")
bare_cpu = cell("reference: bare reqwest", 2, "Idle")
add(f"| 3 | 100 running tasks polled every 5 s: CPU < 0.5 % | {fmt(run_cpu, '%', 3)}, {run_frames:g} frames in 60 s "
    f"| `cargo bench --bench system -- idle` | bare reqwest, the same requests a second and nothing else: "
    f"{fmt(bare_cpu, '%', 3)}; `oaswatch wait` on the same tasks (no terminal): {fmt(wait_cpu, '%', 3)}; "
    f"redraw every tick: 240 frames | {ratio(run_cpu, bare_cpu)} the bare-HTTP floor; {ratio(run_frames, 240)} of its frames "
    f"| {verdict((run_cpu, 0.5, '<', '% CPU'))} |")

# 4. Key press to frame.
idle_lat = row("idle otherwise")
busy_lat = row("while 2 huge responses")
p99_idle = num(idle_lat[4]) if idle_lat else None
p99_busy = num(busy_lat[4]) if busy_lat else None
add(f"| 4 | key press to frame p99 < 4 ms with 100k subtasks, also while 6 MB answers are parsed "
    f"| p99 {fmt(p99_idle, 'ms')} idle, {fmt(p99_busy, 'ms')} while parsing "
    f"| `cargo bench --bench system -- latency` | the same app with nothing being parsed: {fmt(p99_idle, 'ms')} "
    f"| {ratio(p99_busy, p99_idle)} | {verdict((p99_idle, 4.0, '<', 'p99 ms idle'), (p99_busy, 4.0, '<', 'p99 ms while parsing'))} |")

# 5. Parse and apply.
apply_ms = cell("parse_aliyun_10k/oaswatch_parse_and_apply", 1)
parse_ms = cell("parse_aliyun_10k/oaswatch_parse", 1, exact=True)
bare_ms = cell("parse_aliyun_10k/bare_typed_serde", 1)
value_ms = cell("parse_aliyun_10k/value_reference", 1)
share = bare_ms / apply_ms if bare_ms and apply_ms else None
add(f"| 5 | parse + apply a 10k-subtask (6 MB) answer < 25 ms, ≥ 50 % of bare typed serde throughput, no `Value` "
    f"| {fmt(apply_ms, 'ms')} parse + apply ({fmt(parse_ms, 'ms')} parse alone) "
    f"| `cargo bench --bench parse -- parse_aliyun_10k` | bare typed serde {fmt(bare_ms, 'ms')}; "
    f"`serde_json::Value` {fmt(value_ms, 'ms')} | {fmt(share * 100 if share else None, '%', 0)} of bare throughput; "
    f"{ratio(value_ms, parse_ms, 1)} faster than `Value` "
    f"| {verdict((apply_ms, 25.0, '<', 'ms'), (share, 0.5, '>=', 'share of bare throughput'))} |")

# 6. Memory.
per = cell("of which the subtasks", 2)
value_per = cell("reference: serde_json::Value of the body", 2)
mem = next((r for r, h in zip(rows, sections) if h.startswith("Memory") and not r[0].startswith("peak RSS")), None)
peak = num(mem[0]) if mem else None
growth = num(mem[3]) if mem else None
mem_title = re.search(r"### Memory \(([^)]*)\)", generated)
add(f"| 6 | heap < 300 B per stored subtask | {fmt(per, 'B', 0)} per subtask (10k-subtask Alibaba answer, "
    f"long error messages) | `cargo bench --bench memory` | `serde_json::Value`: {fmt(value_per, 'B', 0)} "
    f"| {ratio(value_per, per, 1)} smaller | {verdict((per, 300, '<', 'B/subtask'))} |")
add(f"| 6 | peak RSS < 64 MiB (100 x 1,000 + one 10k task), no growth | peak {fmt(peak, 'MiB', 1)}, growth "
    f"{fmt(growth, '%', 1)} ({mem_title.group(1) if mem_title else '?'}) | `cargo bench --bench system -- memory` "
    f"(`OASWATCH_BENCH_LONG=1` for 10 min) | – | – | {verdict((peak, 64, '<', 'MiB'))} |")

# 7. Error viewer.
open_ms = cell("error_viewer/open_10MB", 1)
scroll = max((v for v in (cell(f"error_viewer/{k}_10MB", 1) for k in ("scroll", "page", "bottom")) if v is not None),
             default=None)
eager_wrap = cell("error_viewer/eager_wrap_reference", 1)
add(f"| 7 | 10 MB / 100k-line error opens < 20 ms, scrolls < 1 ms/frame | open {fmt(open_ms, 'ms')}, "
    f"slowest scroll/page/bottom frame {fmt(scroll, 'ms', 3)} | `cargo bench --bench render -- error_viewer` "
    f"| {'eager wrap of the whole message: ' + fmt(eager_wrap, 'ms') if eager_wrap else 'no eager-wrap reference is measured; the 1 ms frame target is the yardstick'} "
    f"| {ratio(eager_wrap, scroll, 0) if eager_wrap else ratio(1.0, scroll, 1) + ' under the target'} | "
    f"{verdict((open_ms, 20, '<', 'ms open'), (scroll, 1, '<', 'ms/frame'))} |")

# 8. Start to first frame.
floor = row("reference: oaswatch --version")
floor_med = num(floor[3]) if floor else None
starts = [(r[0], num(r[3]), num(r[5]) if len(r) > 6 else None) for r, h in zip(rows, sections)
          if h.startswith("Start to first frame") and "finished" in r[0]]
worst_start = max((m for _, m, _ in starts if m is not None), default=None)
add(f"| 8 | start to first frame < 50 ms from the saved watch list | "
    + "; ".join(f"{what}: {fmt(m, 'ms')}" + (f" (every snapshot shown {fmt(shown, 'ms')})" if shown else "")
                for what, m, shown in starts)
    + f" | `cargo bench --bench system -- startup` | `oaswatch --version`: {fmt(floor_med, 'ms')} "
    f"| worst {ratio(worst_start, floor_med, 0)} the process floor | {verdict((worst_start, 50, '<', 'ms (largest list)'))} |")

# 9. Polling.
for r, h in zip(rows, sections):
    if not h.startswith("HTTP against") or r[0] == "requests":
        continue
    title = [h.split("(", 1)[-1].rstrip(")")]
    reuse, peak_window, budget = num(r[2]), num(r[3]), num(r[4])
    add(f"| 9 | one pool, ≥ 99 % connection reuse; budget never exceeded in a 1 s window; spread "
        f"| {r[0]} requests on {r[1]} connections: {fmt(reuse, '%')} reuse; max {peak_window:g} in any 1 s "
        f"(budget {budget:g}); max {r[5]} per 100 ms (average {r[6]}) ({', '.join(title)}) "
        f"| `cargo bench --bench system -- http` (`OASWATCH_BENCH_LONG=1` for 10 min); paused-clock tests "
        f"`poller::tests::the_endpoint_budget_holds_in_every_one_second_window`, "
        f"`poller::tests::five_hundred_tasks_are_spread_evenly_under_the_budget` "
        f"| a connection per request: {r[0]} connections | {ratio(num(r[0]), num(r[1]), 0)} fewer connections "
        f"| {verdict((reuse, 99, '>=', 'reuse %'), (peak_window, budget or 0, '<=', 'requests in 1 s'))} |")

table = "\n".join(out)
if SUM_START in doc:
    head, rest = doc.split(SUM_START, 1)
    tail = rest.split(SUM_END, 1)[1]
    doc = head + SUM_START + "\n\n" + table + "\n\n" + SUM_END + tail
else:
    doc = doc.replace(GEN_START, SUM_START + "\n\n" + table + "\n\n" + SUM_END + "\n\n" + GEN_START, 1)
doc_path.write_text(doc)
print(f"updated the targets table of {doc_path}", file=sys.stderr)
