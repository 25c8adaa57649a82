//! Any text: the loader must not panic or hang, and whatever it reads, the emitter must write so
//! that the loader reads the same data back (the YAML 1.1-safe emitter's contract).
#![no_main]

use kzrender::yaml::{emit, parse_stream, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let src = Source { name: "fuzz.yaml".into(), text: text.to_owned() };
    let Ok(docs) = parse_stream(&src, &mut Vec::new()) else { return };
    for doc in docs {
        let json = doc.to_json();
        // NaN is not equal to itself; everything else must survive the round trip.
        if json.to_string().contains("NaN") || emit::document(&doc).contains(".nan") {
            continue;
        }
        let emitted = emit::document(&doc);
        let again = Source { name: "emitted.yaml".into(), text: emitted.clone() };
        let back = parse_stream(&again, &mut Vec::new()).unwrap_or_else(|e| panic!("{e}\n--- emitted:\n{emitted}"));
        assert_eq!(back.len(), 1, "one document:\n{emitted}");
        assert_eq!(back[0].to_json(), json, "emitted:\n{emitted}");
    }
});
