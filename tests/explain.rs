//! `kzrender explain`: the merged value and every layer that set it.

use crate::support::Test;

#[test]
fn explain_lists_every_layer_lowest_first_and_marks_the_winner() {
    let out = Test::new()
        .args(["explain", "calico.mtu", "fixtures/fleet/clusters/onprem", "--set", "calico.mtu=9001"])
        .run()
        .success();
    assert_eq!(
        out.stdout,
        "calico.mtu = 9001\n  \
         overridden catalog     kubezero/components/calico/component.yaml:10:8: 8941\n  \
         overridden cluster     fixtures/fleet/clusters/onprem/kubezero.yaml:7:8: 1450\n  \
         wins       flag        --set calico.mtu=9001: 9001\n"
    );
}

#[test]
fn explain_shows_the_channel_default_for_target_revision() {
    let out = Test::new()
        .args(["explain", "global.defaultSource.targetRevision", "fixtures/fleet/clusters/dev"])
        .run()
        .success();
    assert_eq!(out.stdout, "global.defaultSource.targetRevision = master\n  wins       catalog     kubezero/channels/master.yaml:8:23: master\n");
}

#[test]
fn explain_redacts_secrets() {
    let out = Test::new().args(["explain", "logging.elastic_password", "fixtures/fleet/clusters/dev"]).run().success();
    assert_eq!(
        out.stdout,
        "logging.elastic_password = <redacted>\n  wins       cluster     fixtures/fleet/clusters/dev/kubezero.yaml:34:21: <redacted>\n"
    );
}

#[test]
fn explain_of_a_key_no_layer_sets_fails_so_scripts_can_tell() {
    let out = Test::new().args(["explain", "calico.migration", "fixtures/fleet/clusters/onprem"]).run().failure(1);
    assert_eq!(
        out.stderr,
        "kzrender: fixtures/fleet/clusters/onprem: 1 error, nothing explained; first: calico.migration: is not set, and \
         no layer sets it\nerror: calico.migration: is not set, and no layer sets it\n"
    );
}

#[test]
fn a_value_with_a_line_break_or_a_bidi_control_cannot_forge_a_provenance_line() {
    let out = Test::new()
        .args(["explain", "calico.values.x", "fixtures/fleet/clusters/dev", "--set-string"])
        .arg_path("calico.values.x=a\nwins       cluster fake\u{202e}")
        .run()
        .success();
    assert_eq!(
        out.stdout,
        "calico.values.x = \"a\\nwins       cluster fake\\u{202e}\"\n  \
         wins       flag        --set-string calico.values.x=a\\nwins       cluster fake\\u{202e}: \"a\\nwins       cluster fake\\u{202e}\"\n"
    );
}

#[test]
fn a_map_shows_each_of_its_values_with_where_it_was_written() {
    let out = Test::new().args(["explain", "calico", "fixtures/fleet/clusters/prod-eu"]).run().success();
    assert_eq!(
        out.stdout,
        "calico = {map with 5 keys}\n  \
         calico.enabled = true           fixtures/fleet/clusters/prod-eu/kubezero.yaml:21:12\n  \
         calico.mtu = 8941               fixtures/fleet/clusters/prod-eu/kubezero.yaml:22:8\n  \
         calico.namespace = kube-system  kubezero/components/calico/component.yaml:7:14\n  \
         calico.network = vxlan          kubezero/components/calico/component.yaml:9:12\n  \
         calico.retain = true            kubezero/components/calico/component.yaml:8:11\n\
         set by:\n  \
         merged     catalog     kubezero/components/calico/component.yaml:5:1: {map with 5 keys}\n  \
         merged     cluster     fixtures/fleet/clusters/prod-eu/kubezero.yaml:20:1: {map with 2 keys}\n"
    );
}
