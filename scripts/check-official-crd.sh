#!/usr/bin/env bash
# Cross-checks every document kzrender emits for the shipped fixtures against ArgoCD's official
# Application CRD (openAPIV3Schema). The CRD is not part of this repository: point
# KZ_OFFICIAL_SCHEMAS at a directory holding argocd-application-crd.yaml (argo-cd's
# manifests/crds/application-crd.yaml, renamed); without one, the check is skipped and says so.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${KZ_OFFICIAL_SCHEMAS:-}
if [ -z "$dir" ] || [ ! -f "$dir/argocd-application-crd.yaml" ]; then
  echo "official-crd: skipped (set KZ_OFFICIAL_SCHEMAS to a directory holding argocd-application-crd.yaml)"
  exit 0
fi
cargo build --quiet --locked
report=$(mktemp)
trap 'rm -f "$report"' EXIT
if ! target/debug/kzrender validate --schema-dir "$dir" --ignore-missing-schemas fixtures/fleet fixtures/cloudbender >"$report"; then
  cat "$report"
  echo "official-crd: emitted documents do not satisfy $dir" >&2
  exit 1
fi
echo "official-crd: ok ($(tail -n 1 "$report"))"
