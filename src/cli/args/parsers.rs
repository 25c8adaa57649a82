//! Flag values checked as clap reads them.

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
