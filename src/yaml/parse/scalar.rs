//! Reading one scalar as both YAML readers would: a plain scalar resolved by YAML 1.2's core
//! schema and compared with YAML 1.1's reading (Helm's), a tagged one checked against its tag.
//! A chart's rendered manifest is read as ArgoCD reads it: by YAML 1.1 alone.

use saphyr_parser::ScalarStyle;

use super::{resolve, Builder};
use crate::diag::{Diagnostic, Kind};
use crate::value::{Origin, Value};

impl Builder<'_> {
    pub(super) fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&saphyr_parser::Tag>,
        origin: &Origin,
    ) -> Result<Value, Diagnostic> {
        if let Some(tag) = tag {
            return self.tagged(text, tag, origin);
        }
        if self.manifest {
            return Ok(match style {
                ScalarStyle::Plain => resolve::plain11(text),
                _ => Value::Str(text.to_owned()),
            });
        }
        // A literal line or paragraph separator is a line break to YAML 1.1 readers, text to 1.2.
        if style != ScalarStyle::DoubleQuoted && text.contains(['\u{2028}', '\u{2029}']) {
            let msg = "holds a Unicode line separator (U+2028 or U+2029), which YAML 1.1 readers (Helm, ArgoCD) \
                       read as a line break; write it as \"\\u2028\" in double quotes, or remove it";
            self.warn(origin.clone(), msg.to_owned());
        }
        if style != ScalarStyle::Plain {
            return Ok(Value::Str(text.to_owned()));
        }
        let value = resolve::plain(text);
        if resolve::overflows(text) {
            let msg =
                "an integer that does not fit in 64 bits: Helm would read a rounded float; quote it if you mean text";
            return Err(self.err(Kind::Limit, origin.clone(), msg));
        }
        if let Some(reading) = resolve::yaml11_disagrees(text, &value) {
            let msg = if self.in_secret() {
                "an unquoted value that YAML 1.1 readers (Helm, ArgoCD) and YAML 1.2 read differently; quote it"
                    .to_owned()
            } else {
                format!(
                    "unquoted `{text}` is read as {reading} by YAML 1.1 readers (Helm, ArgoCD) but as {} by YAML 1.2; quote it if you mean a string",
                    describe(&value)
                )
            };
            self.warn(origin.clone(), msg);
        }
        Ok(value)
    }

    fn tagged(&mut self, text: &str, tag: &saphyr_parser::Tag, origin: &Origin) -> Result<Value, Diagnostic> {
        let core = tag.is_yaml_core_schema() || tag.handle == "!!";
        let value = match (core, tag.suffix.as_str()) {
            (false, "") | (true, "str") => Some(Value::Str(text.to_owned())),
            // Go reads `!!binary` as bytes, which JSON (and so ArgoCD) holds as base64 text.
            (true, "binary") if self.manifest => Some(Value::Str(text.split_whitespace().collect())),
            (true, "int") => match resolve::plain(text) {
                v @ Value::Int(_) => Some(v),
                _ => None,
            },
            // Decimal only: neither reader makes a float of `0x1F` or `0o17`.
            (true, "float") => match resolve::plain(text) {
                Value::Int(i) if text.trim_start_matches(['-', '+']).bytes().all(|b| b.is_ascii_digit()) => {
                    Some(Value::Float(i as f64))
                }
                v @ Value::Float(_) => Some(v),
                _ => None,
            },
            (true, "bool") => match resolve::plain(text) {
                v @ Value::Bool(_) => Some(v),
                _ => None,
            },
            (true, "null") => Some(Value::Null),
            _ => {
                let msg = format!("unsupported YAML tag `{}`; remove it", tag_name(tag));
                return Err(self.err(Kind::Shape, origin.clone(), msg));
            }
        };
        let shown = if self.in_secret() { crate::redact::REDACTED } else { text };
        let value = value.ok_or_else(|| {
            self.err(Kind::Shape, origin.clone(), format!("`{shown}` is not a valid `{}`", tag_name(tag)))
        })?;
        // A tag does not settle the number: `!!int 012` is 10 to YAML 1.1 readers, 12 to 1.2.
        if let Some(reading) = resolve::yaml11_disagrees(text, &value) {
            let msg = format!(
                "`{shown}` tagged `{}` is read as {} by YAML 1.1 readers (Helm, ArgoCD) but as {} by YAML 1.2; write \
                 the number without a leading zero, base prefix or underscore",
                tag_name(tag),
                if self.in_secret() { "another value" } else { &reading },
                if self.in_secret() { "another".to_owned() } else { describe(&value) },
            );
            self.warn(origin.clone(), msg);
        }
        Ok(value)
    }
}

/// A tag as written: `!!bool` rather than the resolved `tag:yaml.org,2002:bool`.
fn tag_name(tag: &saphyr_parser::Tag) -> String {
    if tag.is_yaml_core_schema() {
        format!("!!{}", tag.suffix)
    } else {
        tag.to_string()
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Str(_) => "a string".into(),
        Value::Int(i) => format!("integer {i}"),
        Value::Float(f) => format!("number {f}"),
        Value::Bool(b) => format!("boolean {b}"),
        _ => "null".into(),
    }
}
