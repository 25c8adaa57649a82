#!/usr/bin/env bash
# Runs every test of kzrender: installs the helm/kubectl oracles (cached under .cache/tools),
# then the Rust unit and integration tests, then the deploy/ manifest check.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/fetch-tools.sh
cargo test --locked
scripts/check-deploy.sh
scripts/check-official-crd.sh
