//! Integration tests: the real `kzrender` binary against `fixtures/`, compared with reviewed
//! snapshots in `tests/snapshots/` (accept changes with `cargo insta test --accept`, then review).

mod browser;
mod support;

mod apiserver;
mod architecture;
mod argocd;
mod catalog;
mod cli;
mod cloudbender;
mod cmp;
mod deep;
mod diff;
mod diff_extract;
mod diff_signals;
mod docs;
mod errors;
mod explain;
mod fleet_page;
mod fleet_view;
mod helm;
mod limits;
mod official;
mod precommit;
mod process;
mod render;
mod schema_oracle;
mod validate;
