#!/usr/bin/env bash
# Regenerates the measured figures of BENCHMARKS.md (between its "generated" markers).
#
#   scripts/bench.sh            # ~15 minutes: criterion benches, counts, callgrind, system runs
#   OASWATCH_BENCH_LONG=1 scripts/bench.sh   # + the 10-minute HTTP and memory runs (~35 minutes)
#   scripts/bench.sh --full     # criterion's default warm-up and measurement times
#   scripts/bench.sh --report   # measure nothing: rebuild BENCHMARKS.md from target/bench-report
#                               # and target/criterion (the last run's outputs)
#
# Wall-clock benches run pinned to CPU 1 (taskset) where available; on the noisy 2-core machine
# medians move 1.1-1.6x between runs, so read ratios measured in the same run and the callgrind
# instruction counts for anything that must be stable. Everything talks to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

quick="--warm-up-time 1 --measurement-time 3"
[[ "${1:-}" == "--full" ]] && quick=""
measure=1
[[ "${1:-}" == "--report" ]] && measure=0
pin=()
command -v taskset >/dev/null && pin=(taskset -c 1)

out=target/bench-report
mkdir -p "$out"
if ((measure)); then
cargo bench --no-run >/dev/null 2>&1 || cargo bench --no-run

bench_bin() { # the newest built executable of a bench target
  ls -t target/release/deps/"$1"-* | grep -v '\.d$' | head -1
}

echo "== criterion: render, parse" >&2
for b in render parse; do
  # shellcheck disable=SC2086
  "${pin[@]}" cargo bench --bench "$b" -- $quick 2>/dev/null | tee "$out/$b.txt" >&2
done

echo "== counts: heap, bytes per frame" >&2
cargo bench --bench memory 2>/dev/null | grep -E '^(\||#|`|$)' > "$out/memory.md"

echo "== callgrind: instructions per frame and per parse" >&2
# Each bench binary has a mode that runs a fixed number of iterations of one #[inline(never)]
# function; callgrind counts only inside it, so setup is excluded and the count is exact.
ir() { # bench binary, OASWATCH_CALLGRIND value, function glob -> total Ir
  OASWATCH_CALLGRIND=$2 valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect="$3" "$1" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
if command -v valgrind >/dev/null; then
  render=$(bench_bin render)
  parse=$(bench_bin parse)
  {
    echo "| what | instructions (Ir) | per unit | ratio |"
    echo "|---|---|---|---|"
    t1k=$(ir "$render" table:1000 '*measured_frame*')
    for n in 1000 100000 1000000; do
      t=$(ir "$render" "table:$n" '*measured_frame*')
      echo "| subtask table frame, virtualised, $n subtasks (100 frames) | $t | $((t / 100)) Ir/frame | $(python3 -c "print(f'{$t/$t1k:.3f}x of 1k')") |"
    done
    e=$(ir "$render" eager:100000 '*measured_frame_eager*')
    echo "| reference: eager \`Table\` rows, 100,000 subtasks (10 frames) | $e | $((e / 10)) Ir/frame | $(python3 -c "print(f'{($e/10)/($t1k/100):.0f}x the virtualised frame')") |"
    o=$(ir "$parse" oaswatch '*measured_parse*')
    for k in oaswatch bare value; do
      v=$(ir "$parse" $k '*measured_parse*')
      echo "| parse the 10,000-subtask body ($k, 5 parses) | $v | $((v / 5)) Ir/parse | $(python3 -c "print(f'{$v/$o:.2f}x of oaswatch')") |"
    done
  } > "$out/callgrind.md"
fi

echo "== grouping: accuracy on Loghub and the scenarios, 100k timing" >&2
cargo bench --bench grouping 2>/dev/null | grep -E '^(\||#|<!--|_|$|[A-Z])' > "$out/grouping.md"

echo "== system: startup, latency, idle, memory, http" >&2
cargo bench --bench system -- startup latency idle memory http 2>/dev/null | grep -E '^(\||#|<!--|$)' > "$out/system.md"
git rev-parse --short HEAD > "$out/commit"
fi

# Medians from criterion's estimates, as one markdown table.
{
  echo "| bench | median | throughput |"
  echo "|---|---|---|"
  find target/criterion -path '*/new/estimates.json' | sort | while read -r f; do
    id=${f#target/criterion/}; id=${id%/new/estimates.json}
    med=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['median']['point_estimate'])" "$f")
    thr=""
    bm="$(dirname "$f")/benchmark.json"
    if [[ -f "$bm" ]]; then
      thr=$(python3 - "$bm" "$med" <<'PY'
import json, sys
b = json.load(open(sys.argv[1])); t = b.get("throughput") or {}
n = t.get("Bytes") or t.get("BytesDecimal")
print(f"{n / (float(sys.argv[2]) / 1e9) / 2**20:.0f} MiB/s" if n else "")
PY
)
    fi
    python3 - "$id" "$med" "$thr" <<'PY'
import sys
ns = float(sys.argv[2])
human = f"{ns/1e6:.2f} ms" if ns >= 1e6 else f"{ns/1e3:.1f} µs"
print(f"| {sys.argv[1]} | {human} | {sys.argv[3]} |")
PY
  done
} > "$out/criterion.md"

# Paste everything between the markers of BENCHMARKS.md.
python3 - "$out" <<'PY'
import pathlib, sys, datetime, subprocess
out = pathlib.Path(sys.argv[1])
measured = datetime.datetime.fromtimestamp((out / "commit").stat().st_mtime if (out / "commit").exists() else 0,
                                   datetime.timezone.utc)
parts = [f"_Measured {measured:%Y-%m-%d %H:%M} UTC by `scripts/bench.sh` "
         f"at {(out / 'commit').read_text().strip() if (out / 'commit').exists() else '?'}._\n"]
for name, title in [("criterion.md", "### Criterion medians (wall clock)"), ("memory.md", ""),
                    ("callgrind.md", "### Instruction counts (callgrind)"), ("system.md", "")]:
    text = (out / name).read_text() if (out / name).exists() else ""
    if title:
        parts.append(title + "\n")
    parts.append(text.strip() + "\n")
report = pathlib.Path("BENCHMARKS.md")
doc = report.read_text()
start, end = "<!-- generated:start -->", "<!-- generated:end -->"
head, rest = doc.split(start, 1)
_, tail = rest.split(end, 1)
doc = head + start + "\n\n" + "\n".join(parts) + "\n" + end + tail
grouping = out / "grouping.md"
if grouping.exists() and "<!-- grouping:start -->" in doc:
    head, rest = doc.split("<!-- grouping:start -->", 1)
    _, tail = rest.split("<!-- grouping:end -->", 1)
    doc = head + "<!-- grouping:start -->\n\n" + grouping.read_text().strip() + "\n\n<!-- grouping:end -->" + tail
report.write_text(doc)
print(f"updated {report}", file=sys.stderr)
PY
python3 scripts/bench_summary.py BENCHMARKS.md
