//! A CustomResourceDefinition's `openAPIV3Schema` as a JSON Schema the way kubeconform reads it
//! strictly: OpenAPI's `nullable` becomes a `null` type, `x-kubernetes-int-or-string` an integer
//! or a string, and an object with `properties` allows no other key (the API server would prune
//! it) unless `x-kubernetes-preserve-unknown-fields` says otherwise.

use serde_json::{json, Map, Value as J};

/// The JSON Schema of one CRD version's `openAPIV3Schema` (OpenAPI 3.0 is draft 4's dialect).
pub fn to_json_schema(openapi: &J) -> J {
    let mut schema = convert(openapi);
    if let J::Object(m) = &mut schema {
        m.insert("$schema".into(), "http://json-schema.org/draft-04/schema#".into());
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
    if out.get("nullable") == Some(&J::Bool(true)) {
        if let Some(t) = out.get("type").and_then(J::as_str).map(str::to_owned) {
            out.insert("type".into(), json!([t, "null"]));
        }
    }
    if out.get("x-kubernetes-int-or-string") == Some(&J::Bool(true)) {
        out.remove("type");
        out.entry("anyOf").or_insert_with(|| json!([{"type": "integer"}, {"type": "string"}]));
    }
    let preserve = out.get("x-kubernetes-preserve-unknown-fields") == Some(&J::Bool(true));
    if out.contains_key("properties") && !out.contains_key("additionalProperties") && !preserve {
        out.insert("additionalProperties".into(), J::Bool(false));
    }
    J::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_extensions_become_json_schema() {
        let openapi = json!({"type": "object", "properties": {
            "a": {"type": "string", "nullable": true},
            "p": {"x-kubernetes-int-or-string": true},
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": {"x": {}}}
        }});
        let s = to_json_schema(&openapi);
        assert_eq!(s["additionalProperties"], false);
        assert_eq!(s["properties"]["a"]["type"], json!(["string", "null"]));
        assert_eq!(s["properties"]["p"]["anyOf"], json!([{"type": "integer"}, {"type": "string"}]));
        assert!(s["properties"]["free"].get("additionalProperties").is_none());
    }
}
