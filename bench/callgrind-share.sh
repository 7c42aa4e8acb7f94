#!/usr/bin/env bash
# The catalog's share of parsing counted by callgrind instead of timed: the same
# figure for the same binary and inputs whatever else the machine is doing, so a change
# of a few percent shows even where timings swing by half between runs.
#
# Runs `pgstrata-bench --catalog --runs 1` under callgrind with cache and branch
# simulation, counting only inside `Folder::apply` (the fold) and `pg_query::parse`
# (the raw parse, both corpora together), and prints for each the instructions and an
# estimate of cycles (instructions + 10 per L1 miss + 100 per last-level miss + 15 per
# mispredicted branch: callgrind's own weights, which it leaves to the reader).
#
#   cargo build --release -p pgstrata-bench
#   bash bench/callgrind-share.sh [path/to/pgstrata-bench] [--crates-io]
#
# `--crates-io` counts crates.io's history alone (the bench's own flag).
#
# It takes about a minute and a half. Instruction counts are not time: the timed figure in the
# README stays the one the goal is judged by; this one says which way a change went.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bench=$here/target/release/pgstrata-bench
corpus=--catalog
for arg in "$@"; do
    case $arg in
        --crates-io) corpus=--crates-io ;;
        *) bench=$arg ;;
    esac
done
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
[ -x "$bench" ] || { echo "no bench at $bench: cargo build --release -p pgstrata-bench" >&2; exit 1; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
valgrind --tool=callgrind --cache-sim=yes --branch-sim=yes \
    --callgrind-out-file="$out" --collect-atstart=no \
    '--toggle-collect=pgstrata_analyzer::catalog::apply::<impl pgstrata_analyzer::catalog::fold::Folder>::apply' \
    '--toggle-collect=pg_query::query::parse' \
    "$bench" "$corpus" --runs 1 >/dev/null 2>&1

callgrind_annotate --inclusive=yes "$out" 2>/dev/null | awk '
    /^Events shown:/ { for (i = 3; i <= NF; i++) event[i - 2] = $i; events = NF - 2 }
    /Folder>::apply \[/ || /pg_query::query::parse \[/ {
        part = ($0 ~ /Folder/) ? "fold" : "parse"
        n = 0
        for (i = 1; i <= NF && n < events; i++) {
            if ($i ~ /^[0-9,]+$/ && $(i + 1) ~ /^\(/) {
                n++
                value = $i; gsub(",", "", value)
                count[part, event[n]] = value
            }
        }
    }
    function cycles(p) {
        return count[p, "Ir"] \
            + 10 * (count[p, "I1mr"] + count[p, "D1mr"] + count[p, "D1mw"]) \
            + 100 * (count[p, "ILmr"] + count[p, "DLmr"] + count[p, "DLmw"]) \
            + 15 * (count[p, "Bcm"] + count[p, "Bim"])
    }
    END {
        if (!count["fold", "Ir"] || !count["parse", "Ir"]) {
            print "callgrind counted nothing: was the bench built with symbols?" > "/dev/stderr"
            exit 1
        }
        for (p = 1; p <= 2; p++) {
            part = (p == 1) ? "parse" : "fold"
            printf "%-6s %12d instructions  %12d estimated cycles\n", part, count[part, "Ir"], cycles(part)
        }
        printf "the catalog adds %.1f%% to raw parsing in instructions, %.1f%% in estimated cycles\n",
            100 * count["fold", "Ir"] / count["parse", "Ir"], 100 * cycles("fold") / cycles("parse")
    }'
