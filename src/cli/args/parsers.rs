//! Flag values checked as clap reads them.

use std::path::PathBuf;

/// A cluster directory as people type it: `DIR` or `DIR/kubezero.yaml`, the file's directory.
pub fn cluster_dir(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    let names_the_file = path.file_name().is_some_and(|n| n == kzrender::load::CLUSTER_FILE) && path.is_file();
    match (names_the_file, path.parent()) {
        (true, Some(dir)) if dir.as_os_str().is_empty() => Ok(PathBuf::from(".")),
        (true, Some(dir)) => Ok(dir.to_path_buf()),
        _ => Ok(path),
    }
}

pub fn positive_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(s),
        _ => Err("a number of seconds greater than 0, at most 86400".to_owned()),
    }
}

/// A Kubernetes version as `--kube-version` takes it: `1.22.0`, or `v1.22.0` as Helm writes it.
pub fn kube_version(text: &str) -> Result<String, String> {
    let bare = text.strip_prefix('v').unwrap_or(text);
    let parts: Vec<&str> = bare.split('.').collect();
    match parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
        true => Ok(bare.to_owned()),
        false => Err("a Kubernetes version MAJOR.MINOR.PATCH, like 1.22.0".to_owned()),
    }
}

pub fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let parsed = text.split_once('/').and_then(|(k, n)| Some((k.parse().ok()?, n.parse().ok()?)));
    match parsed {
        Some((k, n)) if n > 0 && (1..=n).contains(&k) => Ok((k, n)),
        _ => Err(format!("expected K/N with 1 <= K <= N, like 1/4; got `{text}`")),
    }
}
