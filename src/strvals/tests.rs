use serde_json::json;

use super::*;

fn set(flags: &[(Flag, &str)]) -> Result<serde_json::Value, String> {
    let mut data = Node::empty_map(Origin::Generated);
    let files = |path: &str| match path {
        "f1.txt" => Ok("hello\n".to_owned()),
        other => Err(Error::new(Kind::Io, format!("open {other}: no such file or directory"))),
    };
    for (flag, text) in flags {
        apply(*flag, text, &mut data, &files, &Origin::Generated).map_err(|e| e.message)?;
    }
    Ok(data.to_json())
}

fn one(flag: Flag, text: &str) -> Result<serde_json::Value, String> {
    set(&[(flag, text)])
}

/// Forms and results observed with `helm template` (Helm 4.1.4).
#[test]
fn set_types_and_splits_like_helm() {
    let cases = [
        ("a=1", json!({"a": 1})),
        ("a=00", json!({"a": "00"})),
        ("a=012", json!({"a": "012"})),
        ("a=-012", json!({"a": -12})),
        ("a=+1", json!({"a": 1})),
        ("a=1.5", json!({"a": "1.5"})),
        ("a=1e3", json!({"a": "1e3"})),
        ("a=0x1F", json!({"a": "0x1F"})),
        ("a=9223372036854775808", json!({"a": "9223372036854775808"})),
        ("a=tRuE", json!({"a": true})),
        ("a=NULL", json!({"a": null})),
        ("a=~", json!({"a": "~"})),
        ("a=yes", json!({"a": "yes"})),
        ("a=", json!({"a": ""})),
        ("a= 1", json!({"a": " 1"})),
        ("a=1, b=2", json!({"a": 1, " b": 2})),
        ("a=b=c", json!({"a": "b=c"})),
        ("a=1,", json!({"a": 1})),
        ("", json!({})),
        ("=1,a=2", json!({"a": 2})),
        (".a=1", json!({})),
        ("a.b=1,a.c=2", json!({"a": {"b": 1, "c": 2}})),
        (r"a\,b=1", json!({"a,b": 1})),
        (r"a\.b=1", json!({"a.b": 1})),
        (r"a=x\,y", json!({"a": "x,y"})),
        (r"a=x\\y", json!({"a": r"x\y"})),
        (r"a=x\y", json!({"a": "xy"})),
        (r"a=\1", json!({"a": 1})),
        ("a={}", json!({"a": [""]})),
        ("a={ 1 , 2 }", json!({"a": [" 1 ", " 2 "]})),
        ("a={true,null,0,012}", json!({"a": [true, null, 0, "012"]})),
        ("a={1,2}b=3", json!({"a": [1, 2], "b": 3})),
        ("a[2]=x", json!({"a": [null, null, "x"]})),
        ("a[1]=2,a[0]=1", json!({"a": [1, 2]})),
        ("a[0]=", json!({"a": [""]})),
        ("a[0][1]=x", json!({"a": [[null, "x"]]})),
        ("a[1].b=1,a[0].c=2", json!({"a": [{"c": 2}, {"b": 1}]})),
        ("a[0]=1,a[0].b=2", json!({"a": [{"b": 2}]})),
        ("a.b[1].c[0]=z", json!({"a": {"b": [null, {"c": ["z"]}]}})),
        ("a[+1]=1", json!({"a": [null, 1]})),
        ("a[0]", json!({"a": []})),
        ("a[0", json!({})),
        ("a[0].=1", json!({"a": [{}]})),
        ("[0]=1", json!({})),
        ("ключ=значение", json!({"ключ": "значение"})),
    ];
    for (text, want) in cases {
        assert_eq!(one(Flag::Typed, text), Ok(want), "--set {text}");
    }
}

#[test]
fn set_errors_are_helms_own_words() {
    let cases = [
        ("a=1,,b=2", r#"key "" has no value (cannot end with ,)"#),
        ("a", r#"key "a" has no value"#),
        ("a,b=1", r#"key "a" has no value (cannot end with ,)"#),
        ("a..b=1", r#"key map "a" has no value"#),
        ("a.=1", r#"key map "a" has no value"#),
        (r"a=\{1,2\}", r#"key "2}" has no value"#),
        ("a={1,2", "list must terminate with '}'"),
        ("a[-1]=1", "negative -1 index not allowed"),
        ("a[x]=1", r#"error parsing index: strconv.Atoi: parsing "x": invalid syntax"#),
        ("a[ 1]=1", r#"error parsing index: strconv.Atoi: parsing " 1": invalid syntax"#),
        (
            "a[99999999999999999999]=1",
            r#"error parsing index: strconv.Atoi: parsing "99999999999999999999": value out of range"#,
        ),
        ("a[65537]=1", "index of 65537 is greater than maximum supported index of 65536"),
        ("a[0]x=1", "unexpected data at end of array index: ['x']"),
        ("a[0],b=1", "unexpected data at end of array index: [',' 'b']"),
        ("a[0]=1,a[0][0]=2", "unable to parse key: the value there is an integer, not a list"),
    ];
    for (text, want) in cases {
        assert_eq!(one(Flag::Typed, text), Err(format!("failed parsing --set data: {want}")), "--set {text}");
    }
    let deep = (0..32).map(|i| format!("k{i}")).collect::<Vec<_>>().join(".");
    assert_eq!(
        one(Flag::Typed, &format!("{deep}=1")),
        Err("failed parsing --set data: value name nested level is greater than maximum supported nested level of 30"
            .into())
    );
}

#[test]
fn the_other_flags_type_their_way() {
    assert_eq!(one(Flag::String, "a=1,b=true,c=null"), Ok(json!({"a": "1", "b": "true", "c": "null"})));
    assert_eq!(one(Flag::Literal, r"a=x,y=z\n"), Ok(json!({"a": r"x,y=z\n"})));
    assert_eq!(one(Flag::Literal, "a[0]=x=y,z"), Ok(json!({"a": ["x=y,z"]})));
    assert_eq!(one(Flag::File, "a=f1.txt"), Ok(json!({"a": "hello\n"})));
    assert_eq!(
        one(Flag::File, "a=nope.txt"),
        Err("failed parsing --set-file data: open nope.txt: no such file or directory".into())
    );
    assert_eq!(one(Flag::Json, "a=1.5,b=\"x,y\",c=[1,2]"), Ok(json!({"a": 1.5, "b": "x,y", "c": [1, 2]})));
    assert_eq!(one(Flag::Json, "a=,b=1"), Ok(json!({"a": null, "b": 1})));
    assert_eq!(one(Flag::Json, "a=1 b=2"), Ok(json!({"a": 1, "b": 2})));
    assert_eq!(one(Flag::Json, "a=01=5"), Ok(json!({"a": 0, "1": 5})));
    assert_eq!(one(Flag::Json, "a=x"), Err("failed parsing --set-json data a=x".into()));
    assert_eq!(one(Flag::Json, "a=1x"), Err("failed parsing --set-json data a=1x".into()));
    assert_eq!(one(Flag::Json, r#" {"a":1}"#), Ok(json!({"a": 1})));
    assert_eq!(one(Flag::Json, r#"{"a":1"#), Err(r#"failed parsing --set-json data JSON: {"a":1"#.into()));
}

#[test]
fn later_flags_act_on_what_is_there() {
    assert_eq!(set(&[(Flag::Typed, "a.b=1"), (Flag::Typed, "a=2")]), Ok(json!({"a": 2})));
    assert_eq!(set(&[(Flag::Typed, "a[2]=1"), (Flag::Typed, "a={9}")]), Ok(json!({"a": [9]})));
    assert_eq!(set(&[(Flag::Typed, "a={1,2,3}"), (Flag::Typed, "a[1]=x")]), Ok(json!({"a": [1, "x", 3]})));
    assert_eq!(
        set(&[(Flag::Typed, "a=1"), (Flag::Typed, "a.b=2")]),
        Err("failed parsing --set data: unable to parse key: the value there is an integer, not a map".into())
    );
    assert_eq!(
        set(&[(Flag::Json, r#"{"a":{"b":1}}"#), (Flag::Json, r#"{"a":{"c":2}}"#)]),
        Ok(json!({"a": {"b": 1, "c": 2}}))
    );
}

#[test]
fn go_quotes_runes_and_strings_like_go() {
    assert_eq!(go_quote("a\"b\t\u{1}é"), r#""a\"b\t\x01é""#);
    assert_eq!(go_quote_runes("x'\n"), r"['x' '\'' '\n']");
}
