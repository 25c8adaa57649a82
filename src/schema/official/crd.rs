//! CustomResourceDefinitions as the API server reads them: the versions a CRD serves, each with
//! its `openAPIV3Schema` (`spec.validation` of `apiextensions.k8s.io/v1beta1`, overridden per
//! version; `spec.versions[].schema` of `v1`), turned into a JSON Schema with the API server's
//! structural rules (OpenAPI's `nullable`, `x-kubernetes-int-or-string`,
//! `x-kubernetes-preserve-unknown-fields`, `x-kubernetes-embedded-resource`); and null values
//! dropped where the API server drops them before it validates.

use serde_json::{json, Map, Value as J};

use crate::value::{Node, Value};

/// One version a CRD defines.
#[derive(Clone, Debug, PartialEq)]
pub struct Version {
    /// `group/version`.
    pub api_version: String,
    /// The kind.
    pub kind: String,
    /// Whether the API server serves it.
    pub served: bool,
    /// Its `openAPIV3Schema`; `None` accepts any object.
    pub schema: Option<J>,
}

/// The versions a CustomResourceDefinition document defines; none for another document.
pub fn versions(doc: &J) -> Vec<Version> {
    if doc["kind"] != "CustomResourceDefinition" {
        return Vec::new();
    }
    let spec = &doc["spec"];
    let (Some(group), Some(kind)) = (spec["group"].as_str(), spec["names"]["kind"].as_str()) else {
        return Vec::new();
    };
    let whole = spec.pointer("/validation/openAPIV3Schema");
    let version = |name: &str, served: bool, schema: Option<&J>| Version {
        api_version: format!("{group}/{name}"),
        kind: kind.to_owned(),
        served,
        schema: schema.or(whole).cloned(),
    };
    match spec["versions"].as_array() {
        Some(list) => list
            .iter()
            .filter_map(|v| {
                let served = v["served"].as_bool().unwrap_or(true);
                Some(version(v["name"].as_str()?, served, v.pointer("/schema/openAPIV3Schema")))
            })
            .collect(),
        // v1beta1's single `spec.version`.
        None => spec["version"].as_str().map(|name| version(name, true, None)).into_iter().collect(),
    }
}

/// The JSON Schema of one CRD version's `openAPIV3Schema` (OpenAPI 3.0 is draft 4's dialect).
/// `metadata` is the API server's to check (as ObjectMeta), not the CRD's: only its type is kept.
pub fn to_json_schema(openapi: &J) -> J {
    let mut schema = convert(openapi);
    if let J::Object(m) = &mut schema {
        m.insert("$schema".into(), "http://json-schema.org/draft-04/schema#".into());
        if let Some(J::Object(props)) = m.get_mut("properties") {
            props.insert("metadata".into(), json!({"type": "object"}));
            props.entry("apiVersion").or_insert(json!({"type": "string"}));
            props.entry("kind").or_insert(json!({"type": "string"}));
        }
    }
    schema
}

fn convert(v: &J) -> J {
    let J::Object(m) = v else { return v.clone() };
    let mut out = Map::new();
    for (k, v) in m {
        let converted = match k.as_str() {
            "properties" | "patternProperties" | "definitions" => match v {
                J::Object(props) => J::Object(props.iter().map(|(k, v)| (k.clone(), convert(v))).collect()),
                other => other.clone(),
            },
            "items" | "additionalProperties" | "not" => convert(v),
            "allOf" | "anyOf" | "oneOf" => match v {
                J::Array(items) => J::Array(items.iter().map(convert).collect()),
                other => other.clone(),
            },
            _ => v.clone(),
        };
        out.insert(k.clone(), converted);
    }
    let flag = |out: &Map<String, J>, name: &str| out.get(name) == Some(&J::Bool(true));
    if flag(&out, "nullable") {
        if let Some(t) = out.get("type").and_then(J::as_str).map(str::to_owned) {
            out.insert("type".into(), json!([t, "null"]));
        }
    }
    if flag(&out, "x-kubernetes-int-or-string") {
        out.remove("type");
        out.entry("anyOf").or_insert_with(|| json!([{"type": "integer"}, {"type": "string"}]));
    }
    let preserve = flag(&out, "x-kubernetes-preserve-unknown-fields");
    if out.contains_key("properties") && !out.contains_key("additionalProperties") && !preserve {
        out.insert("additionalProperties".into(), J::Bool(false));
    }
    // An embedded object is a resource of its own: its kind and apiVersion are strings, its
    // metadata an object (the API server checks them so).
    if flag(&out, "x-kubernetes-embedded-resource") {
        let props = out.entry("properties").or_insert_with(|| json!({}));
        if let J::Object(props) = props {
            props.entry("apiVersion").or_insert(json!({"type": "string"}));
            props.entry("kind").or_insert(json!({"type": "string"}));
            props.entry("metadata").or_insert(json!({"type": "object"}));
        }
    }
    J::Object(out)
}

/// Drops every map entry whose value is null, as the API server decodes a built-in kind (null
/// reads as unset). With a CRD version's `openAPIV3Schema`, a null the schema marks `nullable`
/// stays (and is valid); every other null is dropped, as the API server prunes it before it
/// validates. A required field that was null is then missing. Null list items stay.
pub fn drop_nulls(doc: &mut Node, openapi: Option<&J>) {
    let Value::Map(map) = &mut doc.value else {
        if let Value::Seq(items) = &mut doc.value {
            let sub = openapi.map(|s| &s["items"]);
            items.iter_mut().for_each(|i| drop_nulls(i, sub));
        }
        return;
    };
    map.retain(|key, node| {
        let sub = openapi.and_then(|s| field(s, key));
        if node.value == Value::Null {
            return sub.is_some_and(|s| s["nullable"] == J::Bool(true));
        }
        drop_nulls(node, sub);
        true
    });
}

/// The schema of an object's field: its property, else its `additionalProperties`.
fn field<'s>(schema: &'s J, key: &str) -> Option<&'s J> {
    schema["properties"].get(key).or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_extensions_become_json_schema() {
        let openapi = json!({"type": "object", "properties": {
            "a": {"type": "string", "nullable": true},
            "p": {"x-kubernetes-int-or-string": true},
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": {"x": {}}},
            "pod": {"type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true}
        }});
        let s = to_json_schema(&openapi);
        assert_eq!(s["additionalProperties"], false);
        assert_eq!(s["properties"]["a"]["type"], json!(["string", "null"]));
        assert_eq!(s["properties"]["p"]["anyOf"], json!([{"type": "integer"}, {"type": "string"}]));
        assert!(s["properties"]["free"].get("additionalProperties").is_none());
        assert_eq!(s["properties"]["pod"]["properties"]["kind"], json!({"type": "string"}));
        assert!(s["properties"]["pod"].get("additionalProperties").is_none());
        assert_eq!(s["properties"]["metadata"], json!({"type": "object"}));
    }

    #[test]
    fn a_v1beta1_crd_serves_its_versions_with_the_whole_schema_unless_a_version_has_its_own() {
        let crd = json!({"kind": "CustomResourceDefinition", "spec": {
            "group": "g.io", "names": {"kind": "K"},
            "validation": {"openAPIV3Schema": {"type": "object"}},
            "versions": [{"name": "v1", "served": true},
                         {"name": "v2", "served": false, "schema": {"openAPIV3Schema": {"type": "string"}}}]}});
        let found = versions(&crd);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].api_version.as_str(), found[0].served), ("g.io/v1", true));
        assert_eq!(found[0].schema, Some(json!({"type": "object"})));
        assert_eq!((found[1].served, found[1].schema.clone()), (false, Some(json!({"type": "string"}))));
        let old = json!({"kind": "CustomResourceDefinition", "spec": {"group": "g.io", "version": "v1", "names": {"kind": "K"}}});
        assert_eq!(versions(&old)[0].schema, None);
    }

    fn node(text: &str) -> Node {
        let src = crate::yaml::Source { name: "t".into(), text: text.to_owned() };
        crate::yaml::parse_stream(&src, &mut Vec::new()).unwrap().remove(0)
    }

    #[test]
    fn nulls_are_dropped_unless_the_crd_marks_them_nullable() {
        let text = "a: null\nb: {c: null, d: 1}\nn: null\nl: [null]\n";
        let mut doc = node(text);
        drop_nulls(&mut doc, None);
        assert_eq!(doc.to_json(), json!({"b": {"d": 1}, "l": [null]}));
        let schema = json!({"properties": {"n": {"type": "string", "nullable": true}, "a": {"type": "string"}}});
        let mut doc = node(text);
        drop_nulls(&mut doc, Some(&schema));
        assert_eq!(doc.to_json(), json!({"b": {"d": 1}, "n": null, "l": [null]}));
    }
}
