//! A schema `pattern` and a value: kzrender's matcher (its own for the plain subset of the
//! syntax, regex_lite for the rest) must judge every value as regex_lite judges it, and refuse
//! exactly the patterns regex_lite refuses. Input: pattern, a NUL byte, the value.
#![no_main]

use kzrender::schema::Pattern;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(data) = std::str::from_utf8(data) else { return };
    let Some((pattern, text)) = data.split_once('\0') else { return };
    let ours = Pattern::new(pattern.to_owned().into(), None).is_match(text);
    match regex_lite::Regex::new(pattern) {
        Ok(re) => assert_eq!(ours, Ok(re.is_match(text)), "`{pattern}` on {text:?}"),
        Err(_) => assert!(ours.is_err(), "`{pattern}` is invalid to regex_lite, matched here"),
    }
});
