//! Secrets never reach an error message or a diff (SPEC §8).

use crate::value::{Map, Node, Value};

/// The placeholder shown instead of a secret.
pub const REDACTED: &str = "<redacted>";

/// Whether a key names a secret (`password`, `secret`, `token`, any case, anywhere in the key).
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["password", "secret", "token"].iter().any(|s| k.contains(s))
}

/// A copy of `node` with every value under a secret key replaced by [`REDACTED`].
pub fn redacted(node: &Node) -> Node {
    match &node.value {
        Value::Map(m) => {
            let out: Map = m
                .iter()
                .map(|(k, v)| {
                    let v = if is_secret_key(k) {
                        Node::new(Value::Str(REDACTED.into()), v.origin.clone())
                    } else {
                        redacted(v)
                    };
                    (k.clone(), v)
                })
                .collect();
            Node::new(Value::Map(out), node.origin.clone())
        }
        Value::Seq(items) => Node::new(Value::Seq(items.iter().map(redacted).collect()), node.origin.clone()),
        _ => node.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_match_case_insensitively_anywhere() {
        assert!(is_secret_key("elastic_password"));
        assert!(is_secret_key("apiToken"));
        assert!(is_secret_key("SecretKey"));
        assert!(!is_secret_key("IamArn"));
    }
}
