//! A value tree read as a typed struct (serde) in place: the catalog reads its own files this
//! way on every run, and the detour through a `serde_json::Value` copied every string and map
//! of them once more only to drop the copy. Structs, lists, maps, options and scalars read as
//! `serde_json` reads them, errors worded alike; enums are not read (no catalog file has one).

use std::fmt;

use serde::de::{self, IntoDeserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::forward_to_deserialize_any;

use super::{Node, Value};

/// Reads `node` as a `T`.
pub fn from_node<'de, T: de::Deserialize<'de>>(node: &'de Node) -> Result<T, Error> {
    T::deserialize(node)
}

/// Why a tree is not a `T`, worded as `serde_json` words it (`null`, not "unit value").
#[derive(Debug, PartialEq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }

    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        match unexpected {
            Unexpected::Unit => Error(format!("invalid type: null, expected {expected}")),
            other => Error(format!("invalid type: {other}, expected {expected}")),
        }
    }
}

impl<'de> de::Deserializer<'de> for &'de Node {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Str(s) => visitor.visit_borrowed_str(s),
            Value::Seq(items) => {
                let mut access = Items(items.iter());
                let out = visitor.visit_seq(&mut access)?;
                if access.0.as_slice().is_empty() {
                    Ok(out)
                } else {
                    Err(de::Error::invalid_length(items.len(), &"fewer elements in array"))
                }
            }
            Value::Map(map) => visitor.visit_map(Entries { entries: map.iter(), value: None }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

struct Items<'de>(std::slice::Iter<'de, Node>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|item| seed.deserialize(item)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'de> {
    entries: super::map::Iter<'de>,
    value: Option<&'de Node>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else { return Ok(None) };
        self.value = Some(value);
        seed.deserialize(key.as_str().into_deserializer()).map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(self.value.take().expect("serde asks for a value after its key"))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;
    use crate::yaml;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Spec {
        name: String,
        #[serde(default)]
        tags: Vec<String>,
        limit: Option<u32>,
        ratio: Option<f64>,
        on: Option<bool>,
        #[serde(default)]
        labels: BTreeMap<String, String>,
        nested: Option<Box<Spec>>,
    }

    fn read(text: &str) -> Node {
        let src = yaml::Source { name: "t.yaml".into(), text: text.to_owned() };
        yaml::parse_stream(&src, &mut Vec::new()).expect("test YAML parses").remove(0)
    }

    /// What reading through `serde_json::Value` gives, the way the catalog read its files before.
    fn via_json<T: serde::de::DeserializeOwned>(node: &Node) -> Result<T, String> {
        serde_json::from_value(node.to_json()).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_a_tree_as_reading_its_json_does_values_and_errors_alike() {
        for text in [
            "name: a\ntags: [x, y]\nlimit: 3\nratio: 0.5\non: true\nlabels: {k: v}\nnested: {name: b}",
            "name: a\nlimit: null\nnested: null",
            "name: a\nextra: 1",
            "tags: [x]",
            "name: [a]",
            "name: null",
            "name: a\nlimit: -1",
            "name: a\nlimit: 1.5",
            "name: a\nlimit: 99999999999",
            "name: a\nratio: 2",
            "name: a\ntags: x",
            "name: a\nlabels: {k: 1}",
            "name: a\nnested: {name: b, bad: c}",
            "- name: a",
            "name: a\non: yes",
        ] {
            let node = read(text);
            assert_eq!(from_node::<Spec>(&node).map_err(|e| e.to_string()), via_json(&node), "{text}");
        }
    }

    #[test]
    fn a_list_into_a_fixed_length_tuple_must_have_its_length() {
        let node = read("[1, 2, 3]");
        assert_eq!(from_node::<(i64, i64, i64)>(&node), Ok((1, 2, 3)));
        let short = from_node::<(i64, i64)>(&node).map_err(|e| e.to_string());
        assert!(short.is_err());
        assert_eq!(short, via_json::<(i64, i64)>(&node));
    }
}
