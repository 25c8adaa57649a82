//! Every verdict of the schema engine equals Python `jsonschema`'s on a corpus of (schema,
//! document) pairs covering every keyword (tests/schema-corpus.json; the oracle is
//! tests/oracle/verdicts.py in the venv `scripts/fetch-tools.sh` installs), documents read
//! through kzrender's own YAML loader.

use std::process::Command;

use kzrender::schema::Schema;
use kzrender::yaml::{parse_stream, Source};
use serde_json::Value;

use crate::support::root;

#[test]
fn the_engine_agrees_with_python_jsonschema_on_every_keyword() {
    let corpus_path = root().join("tests/schema-corpus.json");
    let corpus: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&corpus_path).unwrap()).unwrap();
    assert!(corpus.len() >= 60, "a corpus of at least 60 pairs");
    let python = crate::support::venv("python");
    let out = Command::new(&python)
        .arg(root().join("tests/oracle/verdicts.py"))
        .arg(&corpus_path)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}; run scripts/fetch-tools.sh", python.display()));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let oracle: Vec<bool> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(oracle.len(), corpus.len());

    let mut disagreements = Vec::new();
    for (case, want) in corpus.iter().zip(oracle) {
        let name = case["name"].as_str().unwrap();
        // JSON is YAML: the document goes through kzrender's own loader, so `2.0` stays a float.
        let src = Source { name: "doc.json".into(), text: case["doc"].to_string() };
        let doc = parse_stream(&src, &mut Vec::new()).unwrap().remove(0);
        let ours = Schema::standalone(&case["schema"]).map(|c| c.check(&doc).is_empty());
        if ours.as_ref().ok() != Some(&want) {
            disagreements.push(format!("{name}: kzrender {ours:?}, python {want}"));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
