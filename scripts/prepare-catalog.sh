#!/usr/bin/env bash
# Reads the catalog (kubezero/) ahead of time into src/catalog/prepared/data.rs, which a run uses
# instead of parsing the catalog's YAML and JSON. Run it after changing anything under kubezero/;
# the test suite fails until the data matches the files again (see src/catalog/prepared/mod.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
KZRENDER_PREPARE=1 cargo test --quiet --lib -- catalog::prepared::tests::the_prepared_data_is_the_catalog_read_now
cargo test --quiet --lib -- catalog::prepared
