//! The real `helm` (YAML 1.1, go-yaml) must read everything kzrender emits as kzrender meant it:
//! inside `helm.values` (what Helm renders the chart with) and in the Application documents
//! themselves (what ArgoCD reads). `scripts/fetch-tools.sh` installs helm into `.cache/tools/`.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

use crate::support::{documents, helm, Test};

/// Strings that a careless emitter turns into something else for a YAML 1.1 or 1.2 reader.
const HOSTILE: &[&str] = &[
    "on",
    "y",
    "Y",
    "n",
    "NO",
    "yes",
    "off",
    "Off",
    "True",
    "FALSE",
    "true",
    "~",
    "null",
    "Null",
    "",
    " ",
    "012",
    "0o17",
    "1e3",
    "0x1F",
    "1_000",
    "0b101",
    "+12",
    "-.5",
    ".inf",
    ".NaN",
    "NaN",
    "0",
    "-0",
    "00",
    "1.0",
    "3.14",
    "1e-7",
    "1:30",
    "12:30:45",
    "2001-12-14",
    "a: b",
    "a:b",
    "ends with colon:",
    "- x",
    "-",
    "[x]",
    "{x}",
    "*x",
    "&x",
    "!x",
    "%x",
    "@x",
    "`x`",
    "'q'",
    "\"dq\"",
    "# x",
    "x # y",
    "x #y",
    "|",
    ">",
    "?",
    "? x",
    ",",
    "=",
    "<<",
    "tab\there",
    "trailing ",
    " leading",
    "  two",
    "multi\nline",
    "multi\nline\n",
    "multi\nline\n\n",
    "\nlead newline",
    "  indented\nblock\n",
    "trailing space \nline",
    "x\r\ny",
    "line sep\u{2028}here",
    "nel\u{85}here",
    "emoji 🚀 ünïcødé 日本語",
    "\u{feff}bom",
    "back\\slash",
    "nul\u{0}byte",
    "bell\u{7}",
    "{{ x }}",
    "{{ .Values.x | quote }}",
    "---",
    "...",
    "--- x",
    "---\nkind: Secret\nmetadata: {name: pwn}",
    "key: value\nother: 1",
    "http://x:80/",
    "arn:aws:iam::123456789012:role/x",
];

/// What Helm's values reader makes of a YAML text: `helm template` of a chart printing `toJson .Values`.
fn helm_reads(work: &Path, yaml: &str) -> Value {
    let chart = work.join("chart");
    if !chart.exists() {
        std::fs::create_dir_all(chart.join("templates")).unwrap();
        std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: oracle\nversion: 0.1.0\n").unwrap();
        // Base64, because Helm re-reads template output as YAML and some hostile strings upset that.
        std::fs::write(chart.join("templates/out.yaml"), "oracle: {{ toJson .Values | b64enc }}\n").unwrap();
    }
    let file = work.join("values.yaml");
    std::fs::write(&file, yaml).unwrap();
    let out = Command::new(helm())
        .args(["template", "oracle"])
        .arg(&chart)
        .arg("-f")
        .arg(&file)
        .env("HELM_CACHE_HOME", work)
        .env("HELM_CONFIG_HOME", work)
        .env("HELM_DATA_HOME", work)
        .output()
        .unwrap();
    assert!(out.status.success(), "helm failed on:\n{yaml}\n{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let b64 = stdout.lines().find_map(|l| l.strip_prefix("oracle: ")).expect("helm printed the values");
    serde_json::from_slice(&base64_decode(b64)).unwrap()
}

/// Equality with numbers compared as numbers (Helm reads every number as a float64).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn helm_reads_every_emitted_string_exactly_as_kzrender_meant_it() {
    let work = tempfile::tempdir().unwrap();
    let strings: serde_json::Map<String, Value> =
        HOSTILE.iter().enumerate().map(|(i, s)| (format!("s{i:03}"), json!(s))).collect();
    let mut keys: serde_json::Map<String, Value> =
        HOSTILE.iter().enumerate().map(|(i, s)| (s.to_string(), json!(i))).collect();
    // YAML caps implicit keys at 1024 characters: a longer key must still read back.
    keys.insert("k".repeat(1500), json!("long"));
    let meant = json!({"strings": strings, "keys": keys, "list": HOSTILE});
    // In the Application itself, user strings reach syncPolicy (strictly typed by ArgoCD).
    let annotations: serde_json::Map<String, Value> = HOSTILE.iter().map(|s| (s.to_string(), json!(s))).collect();
    let sync_policy =
        json!({"syncOptions": HOSTILE, "managedNamespaceMetadata": {"labels": strings, "annotations": annotations}});
    // JSON is YAML: the input is written without relying on kzrender's own emitter.
    let cluster = json!({
        "ClusterName": "oracle",
        "platform": "nocloud",
        "global": {"syncPolicy": sync_policy},
        "calico": {"enabled": true, "values": meant},
        "cert-manager": {"enabled": false},
    });
    let dir = work.path().join("cluster");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("kubezero.yaml"), serde_json::to_string_pretty(&cluster).unwrap()).unwrap();

    let out = Test::new().args(["render"]).arg_path(&dir).run().success();
    let docs = documents(&out.stdout);
    assert_eq!(docs.len(), 1, "hostile strings added or removed documents");
    let calico = docs.iter().find(|d| d["metadata"]["name"] == "calico").unwrap();
    let helm_values = calico["spec"]["source"]["helm"]["values"].as_str().expect("helm.values is a string");

    // Inside helm.values: Helm (YAML 1.1) and kzrender's reader (YAML 1.2) agree, and both read
    // back the hostile strings as they went in.
    let by_helm = helm_reads(work.path(), helm_values);
    let by_us = &documents(helm_values)[0];
    assert!(same(&by_helm, by_us), "YAML 1.1 and 1.2 readers disagree on helm.values:\n{helm_values}");
    for part in ["strings", "keys", "list"] {
        assert_eq!(by_helm[part], meant[part], "Helm read {part} differently");
    }
    assert_eq!(by_helm["mtu"], 8941);
    assert_eq!(by_helm["prometheus"], false);

    // The documents themselves, as ArgoCD's YAML 1.1 reader sees them.
    // Documents are separated by lines that are exactly `---` (as ArgoCD splits them).
    let stream: Vec<&str> = out.stdout.strip_prefix("---\n").unwrap().split("\n---\n").collect();
    assert_eq!(stream.len(), docs.len());
    for (doc, ours) in stream.iter().zip(&docs) {
        let theirs = helm_reads(work.path(), doc);
        assert!(same(&theirs, ours), "Helm reads a document differently:\n{doc}\nhelm: {theirs}\nours: {ours}");
    }
    assert_eq!(helm_reads(work.path(), stream[0])["spec"]["syncPolicy"], sync_policy);
}

#[test]
fn helm_reads_the_shipped_fixtures_as_kzrender_does() {
    let work = tempfile::tempdir().unwrap();
    for cluster in ["prod-eu", "dev", "onprem", "legacy-2020"] {
        let out = Test::new().args(["render", &format!("fixtures/fleet/clusters/{cluster}")]).run().success();
        for doc in documents(&out.stdout) {
            if let Some(values) = doc["spec"]["source"]["helm"]["values"].as_str() {
                assert!(same(&helm_reads(work.path(), values), &documents(values)[0]), "{cluster}: {values}");
            }
        }
    }
}

/// Standard base64 (what Helm's `b64enc` writes).
fn base64_decode(s: &str) -> Vec<u8> {
    let sextet = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = s.trim().bytes().filter(|&c| c != b'=').map(sextet).collect();
    digits
        .chunks(4)
        .flat_map(|q| {
            let n = q.iter().enumerate().fold(0u32, |n, (i, &d)| n | u32::from(d) << (18 - 6 * i));
            let bytes = n.to_be_bytes();
            bytes[1..q.len()].to_vec()
        })
        .collect()
}

/// What `helm template` makes of values flags: `.Values`, or `None` when helm refuses them.
fn helm_values_of(work: &Path, flags: &[String], stdin: &str) -> Option<Value> {
    use std::io::Write;
    let chart = work.join("chart");
    if !chart.exists() {
        helm_reads(work, "{}\n");
    }
    let mut child = Command::new(helm())
        .args(["template", "oracle"])
        .arg(&chart)
        .args(flags)
        .current_dir(work)
        .env("HELM_CACHE_HOME", work)
        .env("HELM_CONFIG_HOME", work)
        .env("HELM_DATA_HOME", work)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        return None;
    }
    let stdout = String::from_utf8(out.stdout).unwrap();
    let b64 = stdout.lines().find_map(|l| l.strip_prefix("oracle: "))?;
    Some(serde_json::from_slice(&base64_decode(b64)).unwrap())
}

/// What kzrender makes of the same flags: calico's Helm values, without the keys it derives
/// itself, or `None` when it refuses them.
fn kzrender_values_of(cluster: &Path, work: &Path, flags: &[String], stdin: &str) -> Option<Value> {
    let out = Test::new().current_dir(work).args(["render"]).arg_path(cluster).args(flags).stdin(stdin).run();
    if out.code != 0 {
        assert_eq!(out.stdout, "", "a refusal prints nothing");
        return None;
    }
    let docs = documents(&out.stdout);
    let calico = docs.iter().find(|d| d["metadata"]["name"] == "calico").unwrap();
    let mut values = match calico["spec"]["source"]["helm"]["values"].as_str() {
        Some(text) => documents(text).remove(0),
        None => json!({}),
    };
    for derived in ["mtu", "network", "prometheus"] {
        values.as_object_mut().unwrap().remove(derived);
    }
    Some(values)
}

#[test]
fn values_flags_mean_to_kzrender_what_they_mean_to_helm() {
    let work = tempfile::tempdir().unwrap();
    let cluster = work.path().join("cluster");
    std::fs::create_dir(&cluster).unwrap();
    std::fs::write(
        cluster.join("kubezero.yaml"),
        "ClusterName: oracle\nplatform: nocloud\ncert-manager: {enabled: false}\n",
    )
    .unwrap();
    std::fs::write(work.path().join("f1.txt"), "hello\n").unwrap();
    std::fs::write(work.path().join("a.yaml"), "calico:\n  values:\n    a: {b: 1, c: 2}\n    l: [1, 2, 3]\n").unwrap();
    std::fs::write(work.path().join("b.yaml"), "calico:\n  values:\n    a: {b: 9}\n    l: [7]\n").unwrap();
    let v = "calico.values";
    let forms: Vec<(&str, String)> = vec![
        ("--set", format!("{v}.a=1")),
        ("--set", format!("{v}.a=0")),
        ("--set", format!("{v}.a=012")),
        ("--set", format!("{v}.a=-012")),
        ("--set", format!("{v}.a=+1")),
        ("--set", format!("{v}.a=1.5")),
        ("--set", format!("{v}.a=1e3")),
        ("--set", format!("{v}.a=0x1F")),
        ("--set", format!("{v}.a=9223372036854775808")),
        ("--set", format!("{v}.a=tRuE")),
        ("--set", format!("{v}.a=null")),
        ("--set", format!("{v}.a=~")),
        ("--set", format!("{v}.a=yes")),
        ("--set", format!("{v}.a=")),
        ("--set", format!("{v}.a=x,{v}.b=y")),
        ("--set", format!("{v}.a=b=c")),
        ("--set", format!(r"{v}.a=x\,y")),
        ("--set", format!(r"{v}.a\.b=1")),
        ("--set", format!(r"{v}.a=x\y")),
        ("--set", format!("{v}.l={{x,y}}")),
        ("--set", format!("{v}.l={{}}")),
        ("--set", format!("{v}.l={{ 1 , 2 }}")),
        ("--set", format!("{v}.l={{true,null,0,012}}")),
        ("--set", format!("{v}.l[0]=x")),
        ("--set", format!("{v}.l[2]=x")),
        ("--set", format!("{v}.l[1]=2,{v}.l[0]=1")),
        ("--set", format!("{v}.l[0].b=1,{v}.l[1].c=2")),
        ("--set", format!("{v}.l[0][1]=x")),
        ("--set", format!("{v}.l[0]")),
        ("--set", format!("{v}.l[65537]=x")),
        ("--set", format!("{v}.l[-1]=x")),
        ("--set", format!("{v}.l[x]=1")),
        ("--set", format!("{v}.l[0]x=1")),
        ("--set", format!("{v}.a,{v}.b=1")),
        ("--set", format!("{v}.a")),
        ("--set", format!("{v}..a=1")),
        ("--set", format!("{v}.a={{1,2")),
        ("--set", format!("{v}.a=1,,{v}.b=2")),
        ("--set-string", format!("{v}.a=1,{v}.b=true,{v}.c=null")),
        ("--set-string", format!("{v}.l[1]=007")),
        ("--set-json", format!(r#"{v}.a={{"b":[1,2.5]}},{v}.c=null"#)),
        ("--set-json", format!("{v}.a=,{v}.b=1")),
        ("--set-json", format!("{v}.a=x")),
        ("--set-json", r#"{"calico":{"values":{"a":{"b":1}}}}"#.to_owned()),
        ("--set-file", format!("{v}.a=f1.txt")),
        ("--set-file", format!("{v}.a=missing.txt")),
        ("--set-literal", format!("{v}.a=x,y=z\\n{{1}}")),
        ("-f", "a.yaml,b.yaml".to_owned()),
        ("-f", "-".to_owned()),
        ("-f", "missing.yaml".to_owned()),
    ];
    let stdin = "calico:\n  values:\n    from: stdin\n";
    let mut disagreements = Vec::new();
    for (flag, text) in &forms {
        let flags = vec![flag.to_string(), text.clone()];
        let theirs = helm_values_of(work.path(), &flags, stdin).map(|v| v["calico"]["values"].clone());
        let theirs = theirs.map(|v| if v.is_null() { json!({}) } else { v });
        let ours = kzrender_values_of(&cluster, work.path(), &flags, stdin);
        let agree = match (&theirs, &ours) {
            (Some(a), Some(b)) => same(a, b),
            (None, None) => true,
            _ => false,
        };
        if !agree {
            disagreements.push(format!("{flag} {text}: helm {theirs:?}, kzrender {ours:?}"));
        }
    }
    assert!(forms.len() >= 40);
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    // Flags apply by kind, not in command-line order: every --set, then every --set-string.
    let order = [format!("--set-string={v}.a=1"), format!("--set={v}.a=2")];
    let order: Vec<String> = order.to_vec();
    assert_eq!(
        kzrender_values_of(&cluster, work.path(), &order, ""),
        helm_values_of(work.path(), &order, "").map(|v| v["calico"]["values"].clone())
    );
}
