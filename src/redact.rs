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

/// Whether a flag's text names a secret once unescaped: `pa\\ssword` (strvals) and `pa\\u0073sword`
/// (JSON) set the key `password`. Anything in the text counts, values too: hiding too much is
/// safe, hiding too little is not.
pub fn names_secret(text: &str) -> bool {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            plain.push(c);
            continue;
        }
        let rest = chars.as_str();
        let hex = rest.strip_prefix('u').and_then(|r| r.get(..4)).and_then(|h| u32::from_str_radix(h, 16).ok());
        match hex.and_then(char::from_u32) {
            Some(decoded) => {
                plain.push(decoded);
                chars = rest[5..].chars();
            }
            None => plain.extend(chars.next()),
        }
    }
    is_secret_key(&plain)
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

/// A path as a message names it: below its first secret-named key, the keys of the secret's
/// own map are the secret's content, and show as [`REDACTED`] (`db.password.<redacted>`).
pub fn shown_path(path: &KeyPath) -> String {
    match path.segs().iter().position(|s| s.key().is_some_and(is_secret_key)) {
        Some(i) if i + 1 < path.segs().len() => {
            format!("{}.{REDACTED}", KeyPath(path.segs()[..=i].to_vec()))
        }
        _ => path.to_string(),
    }
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

/// Whether `path` of the Kubernetes document `doc` holds what is never quoted whatever its key
/// is called: the `data` and `stringData` of a Secret, and an Application's `helm.values` (one
/// string holding a whole values document, secrets included).
pub fn in_secret_object(doc: &Node, path: &KeyPath) -> bool {
    let kind = doc.get_path(&["kind"]).and_then(Node::as_str);
    let first = path.segs().first().and_then(|s| s.key());
    match kind {
        Some("Secret") => matches!(first, Some("data" | "stringData")),
        Some("Application") => path.to_string().starts_with("spec.source.helm.values"),
        _ => false,
    }
}

/// The text of every scalar `node` holds under a secret-named key, longest first: what
/// [`scrub`] removes from another program's message about these values.
pub fn secret_values(node: &Node) -> Vec<String> {
    let mut out = Vec::new();
    node.walk(&mut |path, n| {
        let text = match &n.value {
            Value::Str(s) => s.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return true,
        };
        if is_secret_path(path) && !text.is_empty() {
            out.push(text);
        }
        true
    });
    out.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    out.dedup();
    out
}

/// `text` (another program's words, such as helm's stderr) with every one of `secrets`
/// replaced by [`REDACTED`].
pub fn scrub(text: &str, secrets: &[String]) -> String {
    secrets.iter().fold(text.to_owned(), |t, s| t.replace(s.as_str(), REDACTED))
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
    fn every_secret_value_is_scrubbed_from_another_programs_words() {
        let values = tree("logging:\n  elastic_password: hunter2\n  apiToken: 42\n  user: hunter\n");
        assert_eq!(secret_values(&values), ["hunter2", "42"]);
        let helm = "Error: template: x: wrong type for value hunter2 (42), user hunter";
        assert_eq!(
            scrub(helm, &secret_values(&values)),
            "Error: template: x: wrong type for value <redacted> (<redacted>), user hunter"
        );
    }

    #[test]
    fn a_secrets_data_and_string_data_are_secret_whatever_their_keys() {
        let secret = tree("kind: Secret\ndata:\n  user: eA==\nstringData:\n  a: b\nmetadata:\n  name: s\n");
        assert!(in_secret_object(&secret, &KeyPath::parse("data.user")));
        assert!(in_secret_object(&secret, &KeyPath::parse("stringData.a")));
        assert!(!in_secret_object(&secret, &KeyPath::parse("metadata.name")));
        let config = tree("kind: ConfigMap\ndata:\n  user: x\n");
        assert!(!in_secret_object(&config, &KeyPath::parse("data.user")));
        let app = tree("kind: Application\nspec:\n  source:\n    helm:\n      values: 'password: x'\n    path: p\n");
        assert!(in_secret_object(&app, &KeyPath::parse("spec.source.helm.values")));
        assert!(!in_secret_object(&app, &KeyPath::parse("spec.source.path")));
    }

    #[test]
    fn a_flag_names_a_secret_through_any_escape() {
        assert!(names_secret(r"logging.elastic_pa\ssword=hunter2"));
        assert!(names_secret(r#"{"logging":{"elastic_pa\u0073sword":"x"}}"#));
        assert!(names_secret(r"a.\T\o\k\e\n=x"));
        assert!(!names_secret(r"calico.mtu=9001"));
        assert!(!names_secret(r"a\u00=x\"), "a broken escape is kept as text");
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
