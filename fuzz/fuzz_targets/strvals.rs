//! Any `--set`-style text, for every values flag, over values a file already gave: Helm's grammar
//! must never panic, and whatever it sets is a tree that reads as JSON.
#![no_main]

use kzrender::diag::{Error, Kind};
use kzrender::strvals::{apply, Flag};
use kzrender::value::{Node, Origin};
use kzrender::yaml::{parse_stream, Source};
use libfuzzer_sys::fuzz_target;

const FLAGS: [Flag; 5] = [Flag::Typed, Flag::String, Flag::Json, Flag::File, Flag::Literal];

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let src = Source { name: "base.yaml".into(), text: "a: {b: 1, l: [1, x, {c: 2}]}\nn: ~\ns: str\n".into() };
    let mut data = parse_stream(&src, &mut Vec::new()).expect("the base parses").remove(0);
    let files = |path: &str| match path.len() < 8 {
        true => Ok(path.repeat(2)),
        false => Err(Error::new(Kind::Io, format!("open {path}: no such file"))),
    };
    let flag = FLAGS[usize::from(which) % FLAGS.len()];
    if apply(flag, text, &mut data, &files, &Origin::Generated).is_ok() {
        let _ = data.to_json().to_string();
    }
    let mut empty = Node::empty_map(Origin::Generated);
    let _ = apply(flag, text, &mut empty, &files, &Origin::Generated);
});
