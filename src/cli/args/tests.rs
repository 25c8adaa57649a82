use super::*;

#[test]
fn values_lists_split_like_helms_csv_flag() {
    assert_eq!(csv_record("a.yaml,b.yaml").unwrap(), ["a.yaml", "b.yaml"]);
    assert_eq!(csv_record("a.yaml, b.yaml").unwrap(), ["a.yaml", " b.yaml"]);
    assert_eq!(csv_record("a.yaml,").unwrap(), ["a.yaml", ""]);
    assert_eq!(csv_record(r#""x,y.yaml",z"#).unwrap(), ["x,y.yaml", "z"]);
    assert_eq!(csv_record(r#""a""b""#).unwrap(), [r#"a"b"#]);
    assert_eq!(
        csv_record(r#"a"b.yaml"#).unwrap_err(),
        r#"parse error on line 1, column 2: bare " in non-quoted-field"#
    );
}

/// Each subcommand with its help text and flags, its own subcommands after it.
#[test]
fn help_knows_the_nested_subcommands_and_each_subcommand_its_doc_comment() {
    let mut cli = Cli::command();
    cli.build();
    let about = |name: &str| cli.find_subcommand(name).and_then(|s| s.get_about()).map(ToString::to_string);
    assert_eq!(about("render").as_deref(), Some("Render one cluster directory to a YAML stream on stdout"));
    let help = cli.find_subcommand("help").expect("a help subcommand");
    let nested: Vec<&str> =
        help.find_subcommand("argocd").into_iter().flat_map(|a| a.get_subcommands()).map(|s| s.get_name()).collect();
    assert_eq!(nested, ["generate", "parameters"]);
}

#[test]
fn shards_are_k_of_n() {
    assert_eq!(parse_shard("2/4"), Ok((2, 4)));
    assert!(parse_shard("0/4").is_err() && parse_shard("5/4").is_err() && parse_shard("x").is_err());
}
