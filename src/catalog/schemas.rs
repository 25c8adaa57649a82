//! The catalog's schemas: the schema of a cluster's values, composed from `schemas/cluster.json`,
//! `schemas/component.json` and each component's `schema.json`, and the schemas of the emitted
//! documents. Each is compiled on first use, once per process; a component's settings schema
//! only when a cluster first sets that component (most clusters use a few of the components).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use super::Catalog;
use crate::diag::{Diagnostic, Kind};
use crate::schema::Schema;
use crate::value::{KeyPath, Node, Origin, Seg};

/// The schema of a cluster's values: `schemas/cluster.json` with every component's settings
/// (`schemas/component.json` plus `components/<name>/schema.json`) under its name.
pub struct InputSchema {
    /// The top level, each component's settings accepted as anything.
    top: Schema,
    /// The settings every component has (`schemas/component.json`), read once, when a
    /// component's schema is composed at run time.
    common: OnceLock<Result<serde_json::Value, Vec<Diagnostic>>>,
    /// Each component's settings schema, compiled on first use.
    components: BTreeMap<String, OnceLock<Result<Schema, Vec<Diagnostic>>>>,
}

/// The schemas of the emitted documents, by kind.
pub(super) const OUTPUT_SCHEMAS: [(&str, &str); 2] =
    [("Application", "schemas/application.json"), ("Namespace", "schemas/namespace.json")];

impl InputSchema {
    /// Every finding on a cluster's values (or on one layer of them), located; a component's
    /// schema that does not compile is a catalog error.
    pub fn validate(&self, catalog: &Catalog, values: &Node) -> Vec<Diagnostic> {
        // One conversion to JSON for the top level and every component's settings.
        let json = values.to_json();
        let mut out = self.top.check_json(&json, values, &KeyPath::root());
        let Some(map) = values.as_map() else { return out };
        for (name, compiled) in map.keys().filter_map(|k| Some((k, self.components.get(k)?))) {
            match compiled.get_or_init(|| catalog.compile_component_schema_with(name, &self.common)) {
                Ok(s) => out.extend(s.check_json(&json[name], values, &KeyPath(vec![Seg::Key(name.clone())]))),
                Err(e) => out.extend(e.iter().cloned()),
            }
        }
        out
    }
}

impl Catalog {
    /// The schema of a cluster's values, compiled on first use, once per process.
    pub fn input_schema(&self) -> Result<&InputSchema, Vec<Diagnostic>> {
        self.input_schema.get_or_init(|| self.compose_input_schema()).as_ref().map_err(Clone::clone)
    }

    /// The schema of an emitted document of `kind` (`Application`, `Namespace`).
    pub fn output_schema(&self, kind: &str) -> Result<Option<&Schema>, Vec<Diagnostic>> {
        let schemas = self.output_schemas.get_or_init(|| {
            let mut out = BTreeMap::new();
            for (kind, rel) in OUTPUT_SCHEMAS {
                let schema = self.compile(rel, &self.schema_json(rel)?)?;
                out.insert(kind.to_owned(), schema);
            }
            Ok(out)
        });
        schemas.as_ref().map(|m| m.get(kind)).map_err(Clone::clone)
    }

    /// A component's settings schema as JSON (for docs): its own `schema.json` plus the settings
    /// every component has.
    pub fn component_schema_json(&self, component: &str) -> Result<serde_json::Value, Vec<Diagnostic>> {
        self.with_common(component, &self.schema_json("schemas/component.json")?)
    }

    fn with_common(&self, component: &str, common: &serde_json::Value) -> Result<serde_json::Value, Vec<Diagnostic>> {
        let mut own = self.schema_json(&format!("components/{component}/schema.json"))?;
        let map = own.as_object_mut().expect("schema_json returns objects");
        let props = map.entry("properties").or_insert_with(|| serde_json::json!({}));
        if let (Some(props), Some(common)) =
            (props.as_object_mut(), common.get("properties").and_then(|p| p.as_object()))
        {
            for (k, v) in common {
                props.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        map.insert("type".into(), "object".into());
        map.insert("additionalProperties".into(), false.into());
        Ok(own)
    }

    /// The top-level schema as JSON (for docs), without the components.
    pub fn cluster_schema_json(&self) -> Result<serde_json::Value, Vec<Diagnostic>> {
        self.schema_json("schemas/cluster.json")
    }

    /// The top level of a cluster's values schema as JSON: `schemas/cluster.json`, each
    /// component's settings accepted as anything (each is checked by its own schema).
    pub(super) fn top_schema_json(&self) -> Result<serde_json::Value, Vec<Diagnostic>> {
        let mut top = self.cluster_schema_json()?;
        for name in self.components.keys() {
            top["properties"][name] = true.into();
        }
        Ok(top)
    }

    fn compose_input_schema(&self) -> Result<InputSchema, Vec<Diagnostic>> {
        let rel = "schemas/cluster.json";
        let top = self.compile(rel, &self.top_schema_json()?)?;
        Ok(InputSchema {
            top,
            common: OnceLock::new(),
            components: self.components.keys().map(|k| (k.clone(), OnceLock::new())).collect(),
        })
    }

    #[cfg(test)]
    pub(super) fn compile_component_schema(&self, name: &str) -> Result<Schema, Vec<Diagnostic>> {
        self.compile_component_schema_with(name, &OnceLock::new())
    }

    fn compile_component_schema_with(
        &self,
        name: &str,
        common: &OnceLock<Result<serde_json::Value, Vec<Diagnostic>>>,
    ) -> Result<Schema, Vec<Diagnostic>> {
        let rel = format!("components/{name}/schema.json");
        let common = common.get_or_init(|| self.schema_json("schemas/component.json"));
        let json = self.with_common(name, common.as_ref().map_err(Clone::clone)?)?;
        self.compile(&rel, &json)
    }

    /// A schema file as JSON. Schemas are written in JSON (as JSON Schema usually is): parsing
    /// them with serde_json instead of the YAML loader keeps a render within its time budget.
    pub(super) fn schema_json(&self, rel: &str) -> Result<serde_json::Value, Vec<Diagnostic>> {
        let name = format!("{}/{rel}", self.root);
        let text = self.file(rel).ok_or_else(|| {
            vec![Diagnostic::new(Kind::Catalog, Some(Origin::file(&name)), "", "schema file is missing")]
        })?;
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) if v.is_object() => Ok(v),
            Ok(_) => Err(vec![Diagnostic::new(
                Kind::Catalog,
                Some(Origin::at(&Arc::from(name.as_str()), 1, 1)),
                "",
                "a schema file must hold one JSON object",
            )]),
            Err(e) => {
                let at = Origin::at(&Arc::from(name.as_str()), e.line() as u32, e.column() as u32);
                Err(vec![Diagnostic::new(Kind::Catalog, Some(at), "", format!("invalid JSON: {e}"))])
            }
        }
    }

    fn compile(&self, rel: &str, json: &serde_json::Value) -> Result<Schema, Vec<Diagnostic>> {
        Schema::standalone(json).map_err(|e| {
            let at = Some(Origin::file(&format!("{}/{rel}", self.root)));
            vec![Diagnostic::new(Kind::Catalog, at, "", e.message)]
        })
    }
}
