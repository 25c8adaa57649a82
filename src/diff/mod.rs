//! `kzrender diff`: what a change does to every cluster it can affect.
//!
//! [`plan`] decides which clusters a change can affect and extracts the other side's files
//! from git; [`compare`] renders both sides of each and hands on the resources that differ
//! ([`resources`]); with a KubeZero checkout, [`leaves`] does the same for what each changed
//! Application's chart renders. The CLI only prints the result.

mod compare;
mod leaves;
mod plan;
mod resources;

pub use compare::{compare, ClusterDiff, RequestFor, Side, Sides};
pub use leaves::{leaves, LeafDiff};
pub use plan::{plan, Plan, Query};
pub use resources::{diffable, resources, Change, ResourceDiff};

use crate::git::GitError;

/// Why a diff cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// git failed, or a ref names nothing.
    #[error(transparent)]
    Git(#[from] GitError),
    /// A path given is not in the repository.
    #[error("{path} is outside the repository {root}")]
    Outside {
        /// The path as given.
        path: String,
        /// The repository's root.
        root: String,
    },
}
