//! Any bytes as a CloudBender file: recognising its format and mapping its outputs must never
//! panic, and a recognised file always becomes a layer holding a map.
#![no_main]

use kzrender::catalog::Catalog;
use kzrender::cloudbender;
use kzrender::yaml::{parse_map, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let src = Source { name: "outputs/stack.yaml".into(), text: text.to_owned() };
    let Ok(node) = parse_map(&src, &mut Vec::new()) else { return };
    let catalog = Catalog::embedded().expect("the shipped catalog is valid");
    if cloudbender::recognise(catalog, &node).is_ok() {
        let (layer, _) = cloudbender::layer(catalog, "stack.yaml", node, text).expect("a recognised file maps");
        assert!(layer.node.as_map().is_some(), "a layer is a map");
    }
});
