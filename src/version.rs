//! Kubernetes versions against Helm-style `kubeVersion` ranges (`>=1.16.0-0`, `>=1.16 <1.19`,
//! `~1.16 || ^1.18`), as Helm's Masterminds semver reads them, for what KubeZero needs.

use crate::diag::{Error, Kind};
use std::cmp::Ordering;

/// A parsed version: major.minor.patch and whether it carries a pre-release tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    parts: [u64; 3],
    pre: bool,
}

impl Version {
    /// Parses `1.16.12`, `v1.16.12`, `1.16`, `1.16.0-0`, `1.29.3+k3s1`.
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim().trim_start_matches('v');
        let s = s.split_once('+').map_or(s, |(v, _)| v);
        let (core, pre) = match s.split_once('-') {
            Some((c, _)) => (c, true),
            None => (s, false),
        };
        let mut parts = [0u64; 3];
        let fields: Vec<&str> = core.split('.').collect();
        if fields.is_empty() || fields.len() > 3 {
            return None;
        }
        for (slot, f) in parts.iter_mut().zip(&fields) {
            *slot = f.parse().ok()?;
        }
        Some(Version { parts, pre })
    }

    fn cmp_core(&self, other: &Version) -> Ordering {
        self.parts.cmp(&other.parts).then_with(|| other.pre.cmp(&self.pre))
    }
}

/// Whether `version` satisfies `range`. `Err` carries a message when the range cannot be read.
pub fn satisfies(version: &Version, range: &str) -> Result<bool, Error> {
    let mut any = false;
    for alternative in range.split("||") {
        let mut all = true;
        let mut seen = false;
        for constraint in alternative.split([',', ' ']).filter(|c| !c.is_empty()) {
            seen = true;
            all &= check(version, constraint)?;
        }
        if !seen {
            return Err(Error::new(Kind::Catalog, format!("empty constraint in `{range}`")));
        }
        any |= all;
    }
    Ok(any)
}

fn check(v: &Version, constraint: &str) -> Result<bool, Error> {
    let op_len = constraint.find(|c: char| c.is_ascii_digit() || c == 'v').unwrap_or(constraint.len());
    let (op, rest) = constraint.split_at(op_len);
    let bound = Version::parse(rest).ok_or_else(|| {
        Error::new(Kind::Catalog, format!("cannot read version `{rest}` in constraint `{constraint}`"))
    })?;
    // A `-0` bound admits pre-releases (the usual `>=1.16.0-0` idiom, for EKS's `1.16.8-eks`);
    // otherwise compare releases only, as Helm does for release versions.
    let ord = if bound.pre { v.cmp_core(&bound) } else { v.parts.cmp(&bound.parts) };
    let fields = rest.trim_start_matches('v').split(['-', '+']).next().unwrap_or("").split('.').count();
    Ok(match op {
        ">=" => ord != Ordering::Less,
        ">" => ord == Ordering::Greater,
        "<=" => ord != Ordering::Greater,
        "<" => ord == Ordering::Less,
        "" | "=" => ord == Ordering::Equal,
        "!=" => ord != Ordering::Equal,
        "~" => ord != Ordering::Less && v.parts[..fields.min(2)] == bound.parts[..fields.min(2)],
        "^" => ord != Ordering::Less && v.parts[0] == bound.parts[0],
        _ => return Err(Error::new(Kind::Catalog, format!("unknown operator `{op}` in constraint `{constraint}`"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(v: &str, range: &str) -> bool {
        satisfies(&Version::parse(v).unwrap(), range).unwrap()
    }

    #[test]
    fn reads_helm_kube_version_ranges() {
        assert!(ok("1.16.12", ">=1.16.0-0"));
        assert!(ok("1.16.8-eks-e16311", ">=1.16.0-0"));
        assert!(!ok("1.15.11", ">=1.16.0-0"));
        assert!(ok("1.17.0", ">=1.16 <1.19"));
        assert!(!ok("1.19.1", ">=1.16, <1.19"));
        assert!(ok("1.16.3", "~1.16"));
        assert!(!ok("1.17.0", "~1.16"));
        assert!(ok("1.29.3", "~1.16 || >=1.29"));
        assert!(ok("v1.16.12", "1.16.12"));
    }

    #[test]
    fn rejects_unreadable_versions_and_ranges() {
        assert!(Version::parse("one.two").is_none());
        assert!(satisfies(&Version::parse("1.16.0").unwrap(), ">>1.16").is_err());
    }
}
