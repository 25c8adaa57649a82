#!/usr/bin/env bash
# Runs every test of kzrender: installs the helm/kubectl oracles (cached under .cache/tools),
# then the Rust unit and integration tests, then the deploy/ manifest check.
# scripts/check-official-crd.sh, against ArgoCD's own Application CRD, is run by hand: no package
# registry this project installs from ships that CRD.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/fetch-tools.sh
cargo test --locked
scripts/check-deploy.sh
