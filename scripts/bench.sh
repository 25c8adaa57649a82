#!/usr/bin/env bash
# Whole-process performance figures against SPEC §10's budget. Prints a table; asserts nothing
# (machines are shared and noisy). Uses hyperfine when installed (apt-get install hyperfine).
#   render one cluster, validation included:  <= 3 ms, <= 15 MiB peak RSS
#   validate 1,000 clusters:                   <= 1 s, flat per cluster up to 5,000, <= 50 MiB
#   diff, one changed cluster of 1,000:        <= 300 ms
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

cargo build --release --locked --quiet
kz=$PWD/target/release/kzrender
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A fleet of N clusters: copies of the example clusters, each with its own name.
fleet() {
  local n=$1 dir=$2 i src
  local sources=(prod-eu dev onprem legacy-2020)
  mkdir -p "$dir/clusters"
  for ((i = 0; i < n; i++)); do
    src=${sources[i % 4]}
    cp -r "fixtures/fleet/clusters/$src" "$dir/clusters/$src-$i"
  done
}

# Median wall time in ms of a command (hyperfine, or a plain loop).
median_ms() {
  local runs=$1; shift
  if command -v hyperfine >/dev/null; then
    hyperfine -N --ignore-failure --warmup 3 --runs "$runs" --export-json "$work/h.json" -- "$*" >/dev/null 2>&1 || true
    python3 -c "import json,sys; print('%.1f' % (json.load(open('$work/h.json'))['results'][0]['median']*1000))"
  else
    local t=() i s e
    for ((i = 0; i < runs; i++)); do
      s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
      t+=($(( (e - s) / 1000 )))
    done
    printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f\n", a[int((NR+1)/2)]/1000}'
  fi
}

peak_mib() {
  /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1 | awk '{printf "%.1f", $1/1024}'
}

fleet 1000 "$work/f1000"
fleet 5000 "$work/f5000"
(cd "$work/f1000" && git init -q && git add -A && git -c user.name=b -c user.email=b@b commit -qm fleet)
sed -i 's/mtu: 8941/mtu: 9001/' "$work/f1000/clusters/prod-eu-0/kubezero.yaml"

printf '%-44s %10s %10s %s\n' "measure" "median ms" "peak MiB" "budget"
printf '%-44s %10s %10s %s\n' "kzrender --version (process floor)" "$(median_ms 200 "$kz" --version)" "$(peak_mib "$kz" --version)" ""
printf '%-44s %10s %10s %s\n' "render prod-eu (validation included)" "$(median_ms 300 "$kz" render fixtures/fleet/clusters/prod-eu)" "$(peak_mib "$kz" render fixtures/fleet/clusters/prod-eu)" "<= 3 ms, <= 15 MiB"
v1=$(median_ms 10 "$kz" validate "$work/f1000")
v5=$(median_ms 5 "$kz" validate "$work/f5000")
printf '%-44s %10s %10s %s\n' "validate 1,000 clusters" "$v1" "$(peak_mib "$kz" validate "$work/f1000")" "<= 1000 ms, <= 50 MiB"
printf '%-44s %10s %10s %s\n' "validate 5,000 clusters" "$v5" "$(peak_mib "$kz" validate "$work/f5000")" "flat per cluster"
printf '%-44s %10s %10s %s\n' "  per cluster at 1,000 / 5,000 (ms)" "$(python3 -c "print('%.3f / %.3f' % ($v1/1000, $v5/5000))")" "" ""
cd "$work/f1000"
printf '%-44s %10s %10s %s\n' "diff, 1 changed cluster of 1,000" "$(median_ms 10 "$kz" diff --color never)" "$(peak_mib "$kz" diff --color never)" "<= 300 ms"

# Deep validation: every Application's chart through the real helm (scripts/fetch-tools.sh
# installs it). The 1,000 clusters are copies of four, so their 5,500 Applications need only
# the distinct renders; --unused adds one render per alteration of each distinct render's values.
helm=$root/.cache/tools/helm
if [ -x "$helm" ]; then
  kube=$(ls -d "$root"/.cache/tools/venv/lib/python3*/site-packages/kubernetes_validate/kubernetes-json-schema/v1.30.0-local-strict)
  deep=("$kz" validate "$work/f1000/clusters" --charts "$root/fixtures/charts" --helm "$helm" --schema-dir "$kube" --schema-dir "$root/kubezero/schemas" --schema-dir "$root/fixtures/schemas/crds")
  printf '%-44s %10s %10s %s
' "validate --charts, 1,000 clusters" "$(median_ms 3 "${deep[@]}")" "$(peak_mib "${deep[@]}")" "$("${deep[@]}" | tail -n 1)"
  printf '%-44s %10s %10s %s
' "validate --charts --unused, 1,000 clusters" "$(median_ms 3 "${deep[@]}" --unused)" "" "$("${deep[@]}" --unused | tail -n 1)"
fi
