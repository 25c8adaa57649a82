use super::*;
use crate::yaml::{parse_stream, Source};

fn check(schema: &str, doc: &str) -> Vec<String> {
    let parse = |name: &str, text: &str| {
        let src = Source { name: name.into(), text: text.to_owned() };
        parse_stream(&src, &mut Vec::new()).unwrap().remove(0)
    };
    let schema = compile(&parse("s", schema).to_json()).unwrap();
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
fn keywords_the_engine_does_not_implement_are_refused_by_name() {
    for (schema, keyword) in [
        (serde_json::json!({"unevaluatedProperties": false}), "unevaluatedProperties"),
        (serde_json::json!({"properties": {"a": {"$dynamicRef": "#x"}}}), "$dynamicRef"),
        (serde_json::json!({"dependentSchemas": {}}), "dependentSchemas"),
    ] {
        let e = compile(&schema).unwrap_err();
        assert!(e.contains(&format!("`{keyword}` is not supported by kzrender's own schema engine")), "{e}");
    }
    assert_eq!(
        compile(&serde_json::json!({"type": "strin"})).unwrap_err(),
        "#/type: `strin` is not a JSON Schema type"
    );
}

#[test]
fn a_recursive_ref_costs_what_its_use_costs() {
    let schema = serde_json::json!({"properties": {"a": {"$ref": "#"}, "b": {"$ref": "#"}, "c": {"$ref": "#"}}, "type": "object"});
    let compiled = compile(&schema).unwrap();
    assert_eq!(compiled.subs.len(), 4, "one sub-schema per place, the references shared");
    let mut doc = String::from("x");
    for _ in 0..50 {
        doc = format!("{{a: {doc}, b: {{}}, c: {{}}}}");
    }
    assert_eq!(check(&schema.to_string(), &doc).len(), 1, "the innermost value is not a map");
    let looping = compile(&serde_json::json!({"$ref": "#"})).unwrap();
    let node = parse_stream(&Source { name: "v".into(), text: "1".into() }, &mut Vec::new()).unwrap().remove(0);
    assert_eq!(validate(&looping, &node)[0].message, "the schema refers to itself without end");
}

#[test]
fn a_prepared_schema_with_references_compiles_as_its_json_does() {
    use super::compile::analyse;
    use super::{compile_prepared, PreparedSchema, StaticJson::*};
    let json = serde_json::json!({
        "$defs": {"node": {"properties": {"next": {"$ref": "#/$defs/node"}}, "type": "object"}},
        "$ref": "#/$defs/node",
    });
    static PREPARED: PreparedSchema = PreparedSchema {
        doc: Object(&[
            (
                "$defs",
                Object(&[(
                    "node",
                    Object(&[
                        ("properties", Object(&[("next", Object(&[("$ref", Str("#/$defs/node"))]))])),
                        ("type", Str("object")),
                    ]),
                )]),
            ),
            ("$ref", Str("#/$defs/node")),
        ]),
        references: &["/$defs/node"],
        maps: 5,
    };
    assert_eq!(analyse(&json), (vec!["/$defs/node".to_owned()], 5));
    let from_json = compile(&json).unwrap();
    assert_eq!(format!("{:?}", compile_prepared(&PREPARED).unwrap()), format!("{from_json:?}"));
    assert_eq!(from_json.subs.len(), 3, "the root, the node and `next`: the reference to the node is an index");
}
