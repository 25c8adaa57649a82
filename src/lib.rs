//! kzrender: renders the KubeZero app-of-apps for ArgoCD from a cluster directory.

pub mod catalog;
pub mod diag;
pub mod value;
pub mod yaml;
