#!/usr/bin/env bash
# A short smoke run of every cargo-fuzz target (about a minute in all), seeded with the
# repository's fixtures. Installs cargo-fuzz into .cache/tools/cargo the first time.
#   FUZZ_SECONDS=12 per target (default).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-12}
tools=$PWD/.cache/tools/cargo
if [ ! -x "$tools/bin/cargo-fuzz" ]; then
  cargo install --locked --quiet --root "$tools" cargo-fuzz
fi
export PATH=$tools/bin:$PATH
# cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP lends them to the stable toolchain.
export RUSTC_BOOTSTRAP=1

corpus=$PWD/fuzz/corpus
seed() { # target, files...
  local target=$1; shift
  mkdir -p "$corpus/$target"
  for f in "$@"; do cp "$f" "$corpus/$target/$(echo "$f" | tr / _)"; done
}
seed render $(find fixtures -name kubezero.yaml -type f)
seed yaml_roundtrip $(find fixtures -name "*.yaml" -type f -not -path "*/not-utf8/*")
seed cloudbender $(find fixtures -path "*/outputs/*.yaml" -type f) $(find fixtures -name cloudbender.yaml -type f)
seed schema kubezero/schemas/*.json kubezero/components/*/schema.json
mkdir -p "$corpus/strvals"
printf '\001a.b=1,l[2]=x,k={a,b}' > "$corpus/strvals/set"
printf '\002a={"b":[1,2]},c=null' > "$corpus/strvals/json"

mkdir -p "$corpus/git_tree"
printf 'fclusters/a/kubezero.yaml\tcalico: {}\nlclusters/a/link\t../b\nfclusters/b/x.yaml\tx: 1\nsmodule\t\n' > "$corpus/git_tree/tree"
printf 'f../x\tx\nllink\t/tmp\nflink/x\tx\n' > "$corpus/git_tree/hostile"
mkdir -p "$corpus/plugin_parameters"
printf '[{"name":"set","map":{"calico.mtu":"9001"}},{"name":"values","array":["values-a.yaml"]}]' > "$corpus/plugin_parameters/set"
printf '[{"name":"values","array":["../../outside.yaml","-"]}]\000values-a.yaml,values-a.yaml' > "$corpus/plugin_parameters/escape"
printf '[{"name":"set","map":{"calico.values.k[65536]":"x"}}]' > "$corpus/plugin_parameters/index"

cd fuzz
cargo fuzz build --sanitizer none --release
for target in render yaml_roundtrip strvals cloudbender schema git_tree plugin_parameters; do
  echo "fuzz-smoke: $target for ${seconds}s"
  cargo fuzz run --sanitizer none --release "$target" "$corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=0 2>&1 | tail -n 2
done
