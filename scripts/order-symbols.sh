#!/usr/bin/env bash
# Writes deploy/symbol-order.txt: the functions a start-up command runs, hottest first, which the
# static release build hands to the linker (build.rs) so they sit together in the binary.
#
# Why: a render runs about 1 MB of a binary whose code is 8 MB. Each first touch of a 64 KiB
# window of code is a page fault that maps that window, and on these machines a fault costs
# microseconds; scattered, the render's code touched ~70 windows, together ~17 (README.md,
# Performance). The order changes where code lies, never what it does.
#
# Run it after a dependency or toolchain upgrade, or when `scripts/bench.sh` reports that many
# ordered names are missing from the binary. Names the binary lacks only lose their place; the
# linker is told not to warn about them. Needs valgrind (apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "order-symbols: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
target=$(rustc -vV | sed -n 's/^host: //p')
RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static" \
  cargo build --release --locked --quiet --target "$target" --target-dir target/static
kz=$PWD/target/static/$target/release/kzrender
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The commands whose start-up matters: what ArgoCD runs per sync and what a laptop runs per
# cluster. The first one's functions come first. Fleet-wide runs (validate, diff) start once.
profile() {
  local n=$1
  shift
  valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/$n.out" "$@" >/dev/null 2>&1 || true
  # Self cost per function, hottest first; "'2" marks a recursion level, not another function.
  callgrind_annotate --threshold=100 --inclusive=no "$work/$n.out" |
    sed -n "s/^ *\([0-9,]*\) ([ 0-9.]*%) *[^ ]*:\([^ ]*\) .*/\1 \2/p" |
    tr -d , | sed "s/'[0-9]*$//" | awk '$1 > 0 && $2 !~ /^0x/ && $2 != "???"' |
    sort -k1,1nr -k2,2 | awk '{print $2}' >"$work/$n.txt"
}
clusters=fixtures/fleet/clusters
profile 1 "$kz" render "$clusters/prod-eu"
i=2
for c in "$clusters"/*/; do
  profile $((i++)) "$kz" render "$c"
done
(cd "$clusters/prod-eu" && ARGOCD_APP_NAME=prod-eu profile $i "$kz" argocd generate)
(cd "$clusters/prod-eu" && profile $((i + 1)) "$kz" argocd parameters)
profile $((i + 2)) "$kz" --version
i=$((i + 3))

# Every name once, in the order first seen.
for ((k = 1; k < i; k++)); do cat "$work/$k.txt"; done | awk '!seen[$0]++' >deploy/symbol-order.txt
echo "deploy/symbol-order.txt: $(wc -l <deploy/symbol-order.txt) functions"
