//! How plain scalars are read: YAML 1.2 core schema for us, and how YAML 1.1 readers (Helm's
//! go-yaml, ArgoCD) would read the same text, so disagreements can be warned about and avoided.

use crate::value::Value;

/// Words YAML 1.1 reads as booleans; 1.2 only knows the `true`/`false` family.
const BOOL11: [&str; 22] = [
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on",
    "On", "ON", "off", "Off", "OFF",
];

/// Reads a plain (unquoted) scalar with YAML 1.2 core-schema rules.
pub fn plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    // Numbers start with a digit or `.` after their sign; most scalars are words.
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return Value::Str(s.to_owned());
    }
    if let Some(v) = int12(s) {
        return v;
    }
    if is_float12(s) {
        if let Ok(f) = s.parse::<f64>() {
            return Value::Float(f);
        }
    }
    Value::Str(s.to_owned())
}

fn int12(s: &str) -> Option<Value> {
    let parsed = if let Some(hex) = s.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()
    } else if let Some(oct) = s.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()
    } else {
        let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Too large for i64: keep the text rather than silently losing precision.
        s.parse::<i64>().ok()
    };
    match parsed {
        Some(i) => Some(Value::Int(i)),
        None if s.len() > 2 && (s.starts_with("0x") || s.starts_with("0o")) => None,
        None => Some(Value::Str(s.to_owned())),
    }
}

/// Whether a plain scalar has the syntax of an integer (decimal, `0x`, `0o`) too large for 64
/// bits: YAML calls it an integer, no 64-bit reader keeps its value.
pub fn overflows(s: &str) -> bool {
    let digits = |t: &str, radix: u32| !t.is_empty() && t.chars().all(|c| c.is_digit(radix));
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let syntax = if let Some(hex) = s.strip_prefix("0x") {
        digits(hex, 16)
    } else if let Some(oct) = s.strip_prefix("0o") {
        digits(oct, 8)
    } else {
        digits(body, 10)
    };
    syntax && !matches!(plain(s), Value::Int(_))
}

fn is_float12(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match frac {
        Some(f) => digits(int) && digits(f) && !(int.is_empty() && f.is_empty()),
        None => !int.is_empty() && digits(int),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exp_ok
}

/// How YAML 1.1 readers (go-yaml v2: Helm, ArgoCD; checked against helm 4.1) read a plain
/// scalar where their rules are not YAML 1.2's: the 1.1-only booleans (`yes`, `on`, `n`) and
/// integers (`0b101`, `012` octal, `1_000`). `None` where 1.2's reading is theirs too.
fn read11(s: &str) -> Option<Value> {
    if BOOL11.contains(&s) {
        let b = matches!(s.chars().next(), Some('y' | 'Y' | 't' | 'T')) || s.eq_ignore_ascii_case("on");
        return Some(Value::Bool(b));
    }
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let neg = s.starts_with('-');
    let sign = |i: i64| if neg { -i } else { i };
    let as_int = |digits: &str, radix| i64::from_str_radix(&digits.replace('_', ""), radix).ok();
    let int = if let Some(bin) = body.strip_prefix("0b") {
        as_int(bin, 2).map(sign)
    } else if let (true, Some(hex)) = (s.starts_with(['-', '+']), body.strip_prefix("0x")) {
        // Go's ParseInt takes a sign before a base prefix; YAML 1.2's core schema does not.
        as_int(hex, 16).map(sign)
    } else if body.len() > 1 && body.starts_with('0') && body.bytes().all(|b| matches!(b, b'0'..=b'7' | b'_')) {
        as_int(&body[1..], 8).map(sign)
    } else if body.contains('_')
        && body.bytes().all(|b| b.is_ascii_digit() || b == b'_')
        && body.as_bytes()[0].is_ascii_digit()
    {
        as_int(body, 10).map(sign)
    } else {
        None
    };
    int.map(Value::Int)
}

/// Reads a plain scalar as YAML 1.1 readers do: how a chart's rendered manifests reach the API
/// server through ArgoCD. An integer too large for 64 bits is a float to them.
pub fn plain11(s: &str) -> Value {
    if overflows(s) && !s.starts_with("0x") && !s.starts_with("0o") {
        if let Ok(f) = s.parse::<f64>() {
            return Value::Float(f);
        }
    }
    read11(s).unwrap_or_else(|| plain(s))
}

/// The text of a plain map key once a YAML 1.1 reader has it and sigs.k8s.io/yaml turned it
/// into JSON: `on` → `true`, `0x1F` → `31`; a key read as text stays as written.
pub fn key11(s: &str) -> String {
    match plain11(s) {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        _ => s.to_owned(),
    }
}

/// How Helm's YAML 1.1 reader reads a plain scalar, described for a warning, when that differs
/// from the YAML 1.2 reading `v12`. `None` means both agree.
pub fn yaml11_disagrees(s: &str, v12: &Value) -> Option<String> {
    match read11(s)? {
        Value::Bool(_) if matches!(v12, Value::Bool(_)) => None,
        Value::Bool(b) => Some(format!("boolean {b}")),
        Value::Int(i) if *v12 == Value::Int(i) => None,
        Value::Int(i) => Some(format!("integer {i}")),
        _ => None,
    }
}

/// What a plain map key that is not a string reads as, to YAML 1.2 and to YAML 1.1 (once when
/// they agree): `0x1F` → `integer 31`, `012` → `integer 12` and `integer 10`, `on` → `boolean
/// true` (1.1 only). Nothing for a key both read as a string.
pub fn key_readings(key: &str) -> Vec<String> {
    let v12 = plain(key);
    let read12 = match &v12 {
        Value::Str(_) => None,
        Value::Int(i) => Some(format!("integer {i}")),
        Value::Float(f) => Some(format!("number {f}")),
        Value::Bool(b) => Some(format!("boolean {b}")),
        _ => Some("null".to_owned()),
    };
    let read11 = yaml11_disagrees(key, &v12);
    let mut out: Vec<String> = read12.into_iter().chain(read11).collect();
    out.dedup();
    out
}

/// Whether a string can be written unquoted and still read back as the same string by both a
/// YAML 1.1 and a YAML 1.2 reader. Deliberately conservative: anything unusual gets quotes.
pub fn plain_safe(s: &str) -> bool {
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else { return false };
    if !(first.is_ascii_alphabetic() || first == b'/' || first == b'_') {
        return false;
    }
    // Booleans and nulls are at most five letters long.
    if bytes.len() <= 5 && (BOOL11.contains(&s) || matches!(s, "null" | "Null" | "NULL")) || s.ends_with(':') {
        return false;
    }
    bytes.iter().all(|&c| PLAIN[usize::from(c)])
}

/// The bytes [`plain_safe`] lets stand unquoted: letters, digits and a few marks that mean
/// nothing to either reader inside a word. A table, because every emitted string is checked.
const PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'/' | b':' | b'@' | b'+' | b'=' | b'*' | b'(' | b')' | b'$');
        c += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_scalars_with_yaml_1_2_core_rules() {
        assert_eq!(plain("012"), Value::Int(12));
        assert_eq!(plain("0x1F"), Value::Int(31));
        assert_eq!(plain("1e3"), Value::Float(1000.0));
        assert_eq!(plain("yes"), Value::Str("yes".into()));
        assert_eq!(plain("~"), Value::Null);
        assert_eq!(plain("1_000"), Value::Str("1_000".into()));
        assert_eq!(plain("99999999999999999999"), Value::Str("99999999999999999999".into()));
        assert_eq!(plain("1.16.12"), Value::Str("1.16.12".into()));
        assert_eq!(plain(".5"), Value::Float(0.5));
        assert_eq!(plain("-12"), Value::Int(-12));
        assert_eq!(plain("+1e2"), Value::Float(100.0));
        assert_eq!(plain("e3"), Value::Str("e3".into()));
    }

    #[test]
    fn integers_beyond_64_bits_are_recognised() {
        for s in ["99999999999999999999", "-9223372036854775809", "0xFFFFFFFFFFFFFFFFF", "0o7777777777777777777777"] {
            assert!(overflows(s), "{s}");
        }
        for s in ["9223372036854775807", "-9223372036854775808", "0x1F", "1.5", "1e999", "abc", "", "-"] {
            assert!(!overflows(s), "{s}");
        }
    }

    #[test]
    fn names_the_yaml_1_1_reading_where_it_differs() {
        let dis = |s: &str| yaml11_disagrees(s, &plain(s));
        assert_eq!(dis("on").as_deref(), Some("boolean true"));
        assert_eq!(dis("NO").as_deref(), Some("boolean false"));
        assert_eq!(dis("012").as_deref(), Some("integer 10"));
        // Helm's reader dropped YAML 1.1's base-60 integers: both read a string.
        assert_eq!(dis("1:30"), None);
        assert_eq!(dis("0b11").as_deref(), Some("integer 3"));
        assert_eq!(dis("1_000").as_deref(), Some("integer 1000"));
        assert_eq!(dis("true"), None);
        assert_eq!(dis("8941"), None);
        assert_eq!(dis("vxlan"), None);
        assert_eq!(dis("0"), None);
    }

    #[test]
    fn only_letters_digits_and_a_few_marks_stand_unquoted_inside_a_word() {
        for c in (0..=255u8).map(char::from) {
            let want = c.is_ascii_alphanumeric() || "-_./:@+=*()$".contains(c);
            assert_eq!(plain_safe(&format!("a{c}b")), want, "{c:?}");
        }
    }

    #[test]
    fn no_yaml_1_1_boolean_is_longer_than_plain_safe_looks() {
        assert!(BOOL11.iter().chain(&["null", "Null", "NULL"]).all(|w| w.len() <= 5));
    }

    #[test]
    fn quotes_everything_a_reader_could_take_for_something_else() {
        for s in
            ["on", "y", "NO", "012", "1e3", "0x1F", "~", "null", "", " a", "a: b", "# x", "---", "-a", "a b", "1.16"]
        {
            assert!(!plain_safe(s), "{s:?} must be quoted");
        }
        for s in [
            "vxlan",
            "kube-system",
            "https://kubernetes.default.svc",
            "arn:aws:iam::1:role/x",
            "charts/kubezero-calico",
        ] {
            assert!(plain_safe(s), "{s:?} can stay plain");
        }
    }
}
