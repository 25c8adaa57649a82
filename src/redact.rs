//! Secrets never reach a message, an `explain` or a diff.
//!
//! The one decision, [`hides`]: a value is secret when a key on its path is named like a secret
//! (`password`, `secret`, `token`, any case, anywhere in the key), and a list or map that holds
//! such a key anywhere below is secret as a whole, since printing it would print the secret.
//! Every printer asks [`shown`] (one value in a message) or [`redacted`] (a whole tree).

use crate::value::{KeyPath, Node, Value};

/// The placeholder shown instead of a secret.
pub const REDACTED: &str = "<redacted>";

/// Whether a key names a secret.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.as_bytes();
    ["password", "secret", "token"].iter().any(|s| key.windows(s.len()).any(|w| w.eq_ignore_ascii_case(s.as_bytes())))
}

/// Whether a secret-named key only refers to a secret (`apiTokenSecretRef`, `secretName`): its
/// value names a Kubernetes Secret and is not itself one. Still redacted; never a leak.
pub fn is_reference_key(key: &str) -> bool {
    let key = key.as_bytes();
    ["ref", "refs", "name", "names"]
        .iter()
        .any(|end| key.len() >= end.len() && key[key.len() - end.len()..].eq_ignore_ascii_case(end.as_bytes()))
}

/// Whether any key on a path names a secret.
pub fn is_secret_path(path: &KeyPath) -> bool {
    path.keys().any(is_secret_key)
}

/// Whether a value holds a secret-named key anywhere below it.
pub fn holds_secret(node: &Node) -> bool {
    !node.find(|p, _| p.keys().last().is_some_and(is_secret_key)).is_empty()
}

/// Whether the value at `path` must not be printed.
pub fn hides(path: &KeyPath, node: &Node) -> bool {
    is_secret_path(path) || holds_secret(node)
}

/// The value at `path` as a message shows it: `render(node)`, or [`REDACTED`].
pub fn shown(path: &KeyPath, node: &Node, render: impl FnOnce(&Node) -> String) -> String {
    if hides(path, node) {
        REDACTED.to_owned()
    } else {
        render(node)
    }
}

/// A copy of `node` (found at `path`) with every secret value replaced by [`REDACTED`].
pub fn redacted(path: &KeyPath, node: &Node) -> Node {
    let placeholder = |n: &Node| Node::new(Value::Str(REDACTED.into()), n.origin.clone());
    if is_secret_path(path) {
        return placeholder(node);
    }
    let mut out = node.clone();
    for secret in node.find(|p, _| p.keys().last().is_some_and(is_secret_key)) {
        if let Some(slot) = out.at_mut(&secret) {
            *slot = placeholder(slot);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{parse_stream, Source};

    fn tree(text: &str) -> Node {
        parse_stream(&Source { name: "t".into(), text: text.into() }, &mut Vec::new()).unwrap().remove(0)
    }

    #[test]
    fn secret_keys_match_case_insensitively_anywhere() {
        assert!(is_secret_key("elastic_password"));
        assert!(is_secret_key("apiToken"));
        assert!(is_secret_key("SecretKey"));
        assert!(!is_secret_key("IamArn"));
        assert!(is_secret_key("DB_PASSWORD") && is_secret_key("token") && !is_secret_key("tok") && !is_secret_key(""));
        assert!(is_reference_key("TLS_SECRET_NAME") && is_reference_key("ref") && !is_reference_key("re"));
        assert!(is_reference_key("apiTokenSecretRef") && is_reference_key("secretName"));
        assert!(!is_reference_key("elastic_password"));
    }

    #[test]
    fn a_list_or_map_holding_a_secret_is_hidden_whole() {
        let t = tree("env: [{name: a, apiToken: hunter2}]\nplain: [x]\n");
        let env = KeyPath::parse("env");
        assert_eq!(shown(&env, t.at(&env).unwrap(), |_| "shown".into()), REDACTED);
        let plain = KeyPath::parse("plain");
        assert_eq!(shown(&plain, t.at(&plain).unwrap(), |_| "shown".into()), "shown");
        assert!(hides(&KeyPath::parse("a.token.b"), &tree("1")));
    }

    #[test]
    fn a_redacted_tree_keeps_everything_but_the_secrets() {
        let t = tree("env: [{name: a, apiToken: hunter2}]\n");
        let out = redacted(&KeyPath::root(), &t).to_json();
        assert_eq!(out, serde_json::json!({"env": [{"name": "a", "apiToken": REDACTED}]}));
    }
}
