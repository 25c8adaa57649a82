use super::*;
use crate::yaml::{parse_stream, Source};

fn check(schema: &str, doc: &str) -> Vec<String> {
    let parse = |name: &str, text: &str| {
        let src = Source { name: name.into(), text: text.to_owned() };
        parse_stream(&src, &mut Vec::new()).unwrap().remove(0)
    };
    let schema = Schema::standalone(&parse("s", schema).to_json()).unwrap();
    let mut errors = validate(&schema, &parse("v.yaml", doc));
    crate::diag::tidy(&mut errors);
    errors.iter().map(ToString::to_string).collect()
}

#[test]
fn type_errors_point_at_the_value() {
    let s = "type: object\nproperties:\n  calico:\n    type: object\n    properties:\n      mtu: {type: integer}\n";
    assert_eq!(
        check(s, "calico:\n  mtu: big\n"),
        ["error: v.yaml:2:8: calico.mtu: expected integer, got string \"big\""]
    );
    assert!(check(s, "calico:\n  mtu: 2.0\n").is_empty(), "2.0 is an integer");
}

#[test]
fn unknown_keys_suggest_the_closest_known_key() {
    let s = "type: object\nadditionalProperties: false\nproperties:\n  cert-manager: {}\n  calico: {}\n";
    assert_eq!(
        check(s, "cert-manger: {}\n"),
        ["error: v.yaml:1:1: cert-manger: unknown key; did you mean `cert-manager`?"]
    );
    assert_eq!(check(s, "zzz: 1\n"), ["error: v.yaml:1:6: zzz: unknown key; known keys: calico, cert-manager"]);
    let p = "type: object\nadditionalProperties: false\npatternProperties:\n  '^x-': {}\n";
    assert!(check(p, "x-a: 1\n").is_empty(), "patternProperties count as known");
}

#[test]
fn required_enum_pattern_and_bounds() {
    let s = "type: object\nrequired: [name]\nproperties:\n  p: {enum: [aws, gke]}\n  arn: {type: string, pattern: '^arn:', x-message: expected an ARN}\n  n: {type: integer, minimum: 1}\n";
    assert_eq!(
        check(s, "p: azure\narn: role/x\nn: 0\n"),
        [
            "error: v.yaml:1:1: name: is required but not set",
            "error: v.yaml:1:4: p: must be one of aws, gke, got string \"azure\"",
            "error: v.yaml:2:6: arn: expected an ARN, got string \"role/x\"",
            "error: v.yaml:3:4: n: must be at least 1, got integer 0",
        ]
    );
}

#[test]
fn secrets_never_appear_in_messages() {
    let s = "properties:\n  elastic_password: {type: integer}\n";
    assert_eq!(
        check(s, "elastic_password: hunter2\n"),
        ["error: v.yaml:1:19: elastic_password: expected integer, got string <redacted>"]
    );
}

#[test]
fn one_of_means_exactly_one() {
    let s = "properties:\n  port: {oneOf: [{type: integer}, {type: number}]}\n";
    assert_eq!(
        check(s, "port: 80\n"),
        ["error: v.yaml:1:7: port: integer 80 matches more than one of the allowed forms"]
    );
    assert!(check(s, "port: 1.5\n").is_empty());
}

#[test]
fn a_recursive_ref_is_followed_where_the_document_goes() {
    let schema = serde_json::json!({"properties": {"a": {"$ref": "#"}, "b": {"$ref": "#"}}, "type": "object"});
    let mut doc = String::from("x");
    for _ in 0..50 {
        doc = format!("{{a: {doc}, b: {{}}}}");
    }
    assert_eq!(check(&schema.to_string(), &doc).len(), 1, "the innermost value is not a map");
}

/// JSON Schema draft 7's keywords (the catalog's schemas declare draft 7: its meta-schema is one
/// document, where 2020-12's is seven, and checking a schema against it is a third of a
/// render), and the catalog's own `x-` annotations.
const KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$ref",
    "$comment",
    "definitions",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "items",
    "additionalItems",
    "contains",
    "properties",
    "patternProperties",
    "additionalProperties",
    "propertyNames",
    "dependencies",
    "type",
    "enum",
    "const",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "required",
    "format",
    "contentEncoding",
    "contentMediaType",
    "title",
    "description",
    "default",
    "readOnly",
    "writeOnly",
    "examples",
    "x-message",
    "x-kubernetes-group-version-kind",
];

/// The keys of every schema object in `schema`, with where they are.
fn keys_in(schema: &serde_json::Value, at: &str, out: &mut Vec<(String, String)>) {
    use serde_json::Value as J;
    let J::Object(m) = schema else { return };
    for (k, v) in m {
        out.push((k.clone(), at.to_owned()));
        let here = format!("{at}/{k}");
        match (k.as_str(), v) {
            ("properties" | "patternProperties" | "definitions", J::Object(subs)) => {
                subs.iter().for_each(|(name, sub)| keys_in(sub, &format!("{here}/{name}"), out))
            }
            ("allOf" | "anyOf" | "oneOf", J::Array(subs)) => {
                subs.iter().enumerate().for_each(|(i, sub)| keys_in(sub, &format!("{here}/{i}"), out))
            }
            ("enum" | "const" | "default" | "examples" | "required", _) => {}
            (k, sub) if !k.starts_with("x-") => keys_in(sub, &here, out),
            _ => {}
        }
    }
}

#[test]
fn every_keyword_the_catalogs_schemas_use_is_one_draft_7_applies() {
    // JSON Schema ignores a keyword it does not know: a misspelt `maxLenght` would check nothing.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kubezero");
    let mut files = Vec::new();
    for dir in ["schemas", "components"] {
        for entry in walkdir::WalkDir::new(root.join(dir)) {
            let path = entry.unwrap().into_path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 13, "{files:?}");
    let mut unknown = Vec::new();
    for file in &files {
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        assert_eq!(json["$schema"], "http://json-schema.org/draft-07/schema#", "{}: declares draft 7", file.display());
        let mut keys = Vec::new();
        keys_in(&json, "#", &mut keys);
        unknown.extend(
            keys.into_iter()
                .filter(|(k, _)| !KEYWORDS.contains(&k.as_str()))
                .map(|(k, at)| format!("{}: {at}/{k}", file.display())),
        );
    }
    assert!(unknown.is_empty(), "keywords no JSON Schema engine applies:\n{}", unknown.join("\n"));
    let mut misspelt = Vec::new();
    keys_in(&serde_json::json!({"properties": {"a": {"maxLenght": 3, "dependentRequired": {}}}}), "#", &mut misspelt);
    assert!(misspelt.iter().any(|(k, _)| !KEYWORDS.contains(&k.as_str())), "the check finds a misspelt keyword");
}
