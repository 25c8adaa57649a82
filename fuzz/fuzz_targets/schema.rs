//! Any JSON as a schema, checked against a few documents: compiling must refuse what is no
//! schema rather than panic, and checking must end (recursive `$ref`s included).
#![no_main]

use kzrender::schema::Schema;
use kzrender::yaml::{parse_stream, Source};
use libfuzzer_sys::fuzz_target;

const DOCS: &str = "---\na: 1\nb: [x, {c: true}]\n---\n[1, 2.5, null]\n---\nstring\n";

fuzz_target!(|data: &[u8]| {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let Ok(compiled) = Schema::standalone(&json) else { return };
    let src = Source { name: "doc.yaml".into(), text: DOCS.into() };
    for doc in parse_stream(&src, &mut Vec::new()).expect("the documents parse") {
        let _ = compiled.check(&doc);
    }
});
