//! The catalog's template environment: how `values.yaml.j2` templates and catalog conditions
//! (`when: enabled.kiam`) are compiled and what they may do.

use std::sync::Arc;

use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};

/// A template refused the values (`fail(key, message)`): the message belongs to the user's
/// value at `key`, not to the template.
#[derive(Debug, thiserror::Error)]
#[error("{key}: {message}")]
pub struct Refused {
    /// The dotted key of the refused value.
    pub key: String,
    /// Why, and what to do.
    pub message: String,
}

/// Most steps one template evaluation may take: the built-in catalog's largest takes a few
/// thousand; a `--kubezero` fork that loops without end stops here with an error.
pub const FUEL: u64 = 1_000_000;

/// Strict about undefined values (printing or iterating one fails, naming it), every printed
/// value written as JSON (so a string can never smuggle YAML structure or a document separator
/// into the output), debug info on, templates read from the catalog's files.
pub fn environment(root: &str, files: Arc<super::Files>) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Json);
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build();
    env.set_syntax(syntax.expect("the default delimiters are valid"));
    env.set_debug(true);
    env.set_fuel(Some(FUEL));
    let prefix = format!("{root}/");
    env.set_loader(move |name| Ok(name.strip_prefix(&prefix).and_then(|rel| files.get(rel)).map(|t| t.to_string())));
    env.add_function("fail", |key: String, message: String| -> Result<String, Error> {
        Err(Error::new(ErrorKind::InvalidOperation, "the template refused the values")
            .with_source(Refused { key, message }))
    });
    env
}
