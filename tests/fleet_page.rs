//! `kzrender fleet --format html`, opened in a real headless Chromium: the rows it shows, sorting
//! by a column, the filters, light and dark, print, and hostile names that stay text.

use std::path::Path;

use serde_json::{json, Value};

use crate::browser::Browser;
use crate::support::{copy_tree, root, Test};

/// Each row the page shows, as the reader sees its cells (an outputs date without its age, which
/// depends on the day the page is read).
const ROWS: &str = r##"[...document.querySelectorAll("#clusters tbody tr")].filter((r) => !r.hidden)
    .map((r) => [...r.cells].map((td) => td.querySelector("time")?.dateTime ?? td.textContent.trim()))"##;

/// The page of `args` written into `dir`.
fn page(dir: &Path, args: &[&str]) -> std::path::PathBuf {
    let file = dir.join("fleet.html");
    Test::new().args(["fleet", "--format", "html", "-o"]).arg_path(&file).args(args).run().success();
    file
}

/// The same fleet as data, to check the page against.
fn data(args: &[&str]) -> Value {
    let out = Test::new().args(["fleet", "--format", "json"]).args(args).run().success();
    serde_json::from_str(&out.stdout).unwrap()
}

fn select(browser: &mut Browser, id: &str, value: &str) {
    let set = format!(
        "(() => {{ const s = document.getElementById({id:?}); s.value = {value:?}; s.dispatchEvent(new Event('change')); }})()"
    );
    browser.eval(&set);
}

fn column(rows: &Value, at: usize) -> Vec<String> {
    rows.as_array().unwrap().iter().map(|r| r[at].as_str().unwrap().to_owned()).collect()
}

#[test]
fn the_example_fleets_page_shows_each_cluster_as_its_data_says() {
    let work = tempfile::tempdir().unwrap();
    let file = page(work.path(), &["fixtures/fleet", "--charts", "fixtures/charts"]);
    let mut browser = Browser::open(&file);
    let heads = browser.eval(r##"[...document.querySelectorAll("#clusters th")].map((th) => th.textContent.trim())"##);
    let rows = browser.eval(ROWS);
    let lists = browser.eval(r##"[...document.querySelectorAll("h2, li")].map((e) => e.textContent.trim())"##);
    let heads = [heads];
    let shown = heads
        .iter()
        .chain(rows.as_array().unwrap())
        .map(|r| r.as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect::<Vec<_>>().join(" | "));
    let lists = lists.as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_owned());
    insta::assert_snapshot!("fleet_page", shown.chain(lists).collect::<Vec<_>>().join("\n"));

    let view = data(&["fixtures/fleet", "--charts", "fixtures/charts"]);
    assert_eq!(rows.as_array().unwrap().len(), view["clusters"].as_array().unwrap().len(), "one row per cluster");
    let tip =
        browser.eval(r##"document.querySelector("#clusters tbody tr:last-child td[title*='kubezero-kiam']").title"##);
    let chart = &view["charts"]["charts/kubezero-kiam"];
    let sub = chart["subcharts"]["kiam"].as_str().unwrap();
    assert_eq!(
        tip,
        format!(
            "channel's version 3.6-rc1; chart charts/kubezero-kiam {}, kiam {sub}",
            chart["version"].as_str().unwrap()
        )
    );
    let ages = browser.eval(r##"[...document.querySelectorAll("time + .age")].map((a) => a.textContent)"##);
    assert!(
        ages.as_array().unwrap().iter().all(|a| a.as_str().unwrap().ends_with(" years ago")),
        "each outputs date gets its age in the browser: {ages}"
    );
}

#[test]
fn a_column_header_sorts_the_rows_and_a_second_click_reverses_them() {
    let work = tempfile::tempdir().unwrap();
    let file = page(work.path(), &["fixtures/fleet", "fixtures/fleet-mistakes"]);
    let mut browser = Browser::open(&file);
    let paths = column(&browser.eval(ROWS), 0);
    let click = |b: &mut Browser, name: &str| {
        b.eval(&format!(
            "[...document.querySelectorAll('#clusters th button')].find((x) => x.textContent === {name:?}).click()"
        ))
    };
    click(&mut browser, "Kubernetes");
    let versions: Vec<Vec<u64>> = column(&browser.eval(ROWS), 2)
        .iter()
        .filter(|v| *v != "–")
        .map(|v| v.trim_matches(['(', ')']).split('.').map(|n| n.parse().unwrap()).collect())
        .collect();
    let mut sorted = versions.clone();
    sorted.sort();
    assert_eq!(versions, sorted, "versions in numeric order");
    assert_eq!(versions[0], [1, 15, 11], "the cluster that lags behind comes first");
    assert_eq!(browser.eval("document.querySelector('th[aria-sort]').textContent"), "Kubernetes");

    click(&mut browser, "Cluster");
    assert_eq!(column(&browser.eval(ROWS), 0), paths, "ascending: the path order kzrender wrote");
    click(&mut browser, "Cluster");
    let reversed: Vec<String> = paths.iter().rev().cloned().collect();
    assert_eq!(column(&browser.eval(ROWS), 0), reversed);
    assert_eq!(browser.eval("document.querySelector('th[aria-sort]').getAttribute('aria-sort')"), "descending");
}

#[test]
fn the_filters_show_only_the_clusters_of_a_channel_with_a_component_in_a_state() {
    let args = ["fixtures/fleet", "fixtures/fleet-mistakes"];
    let work = tempfile::tempdir().unwrap();
    let file = page(work.path(), &args);
    let view = data(&args);
    let clusters = view["clusters"].as_array().unwrap();
    let expect = |keep: &dyn Fn(&Value) -> bool| -> Vec<String> {
        clusters.iter().filter(|c| keep(c)).map(|c| c["path"].as_str().unwrap().to_owned()).collect()
    };
    let mut browser = Browser::open(&file);
    let problems = browser.eval(r##"[...document.querySelectorAll("#problems li")].map((li) => li.textContent)"##);
    let wrong = problems.as_array().unwrap().iter().find(|p| p.as_str().unwrap().contains("wrong-type:")).unwrap();
    assert_eq!(
        wrong,
        "fixtures/fleet-mistakes/clusters/wrong-type: fixtures/fleet-mistakes/clusters/wrong-type/kubezero.yaml:8:8: calico.mtu: expected integer, got string \"big\"",
        "each invalid cluster's first problem is listed, as validate words it"
    );
    assert_eq!(problems.as_array().unwrap().len(), expect(&|c| c["valid"] == false).len());

    select(&mut browser, "channel", "master");
    assert_eq!(column(&browser.eval(ROWS), 0), expect(&|c| c["channel"] == "master"));
    select(&mut browser, "channel", "stable");
    select(&mut browser, "component", "aws-ebs-csi-driver");
    let ebs = expect(&|c| c["channel"] == "stable" && !c["components"]["aws-ebs-csi-driver"].is_null());
    assert_eq!(column(&browser.eval(ROWS), 0), ebs);
    select(&mut browser, "component", "");
    select(&mut browser, "state", "invalid");
    let invalid = expect(&|c| c["channel"] == "stable" && c["valid"] == false);
    assert!(invalid.len() > 1 && invalid.len() < clusters.len());
    assert_eq!(column(&browser.eval(ROWS), 0), invalid);
    assert_eq!(
        browser.eval("document.getElementById('shown').textContent"),
        json!(format!("{} of {} clusters", invalid.len(), clusters.len()))
    );
    browser.eval("(() => { const s = document.getElementById('search'); s.value = 'WRONG'; s.dispatchEvent(new Event('input')); })()");
    assert_eq!(column(&browser.eval(ROWS), 0), expect(&|c| c["path"].as_str().unwrap().ends_with("wrong-type")));
}

#[test]
fn the_page_reads_in_light_and_dark_and_prints_without_its_controls() {
    let work = tempfile::tempdir().unwrap();
    let file = page(work.path(), &["fixtures/fleet"]);
    let mut browser = Browser::open(&file);
    let look = "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color, \
                getComputedStyle(document.querySelector('.controls')).display]";
    browser.emulate("screen", &[("prefers-color-scheme", "light")]);
    assert_eq!(browser.eval(look), json!(["rgb(255, 255, 255)", "rgb(27, 31, 36)", "flex"]));
    browser.emulate("screen", &[("prefers-color-scheme", "dark")]);
    assert_eq!(browser.eval(look), json!(["rgb(13, 17, 23)", "rgb(230, 237, 243)", "flex"]));
    browser.emulate("print", &[("prefers-color-scheme", "dark")]);
    assert_eq!(browser.eval(look), json!(["rgb(255, 255, 255)", "rgb(0, 0, 0)", "none"]), "print: black on white");
}

#[test]
fn the_page_is_self_contained_and_loads_nothing() {
    let work = tempfile::tempdir().unwrap();
    let file = page(work.path(), &["fixtures/fleet", "--charts", "fixtures/charts"]);
    let html = std::fs::read_to_string(&file).unwrap();
    for outside in ["src=", "href=", "url(", "@import", "http:", "https:", "//cdn"] {
        assert!(!html.contains(outside), "{outside} in the page");
    }
    let mut browser = Browser::open(&file);
    assert_eq!(browser.eval("performance.getEntriesByType('resource').length"), 0, "no request beyond the page");
}

#[test]
fn names_and_values_from_the_repository_stay_text_in_the_page() {
    let work = tempfile::tempdir().unwrap();
    let hostile = "x<img src=x onerror=\"document.title='owned'\">'\u{202e}";
    for (name, email) in
        [("a", "ops@example.com"), ("b", "ops@example.com"), (hostile, "</ul><script>document.title='owned'</script>")]
    {
        let dir = work.path().join("fleet").join(name);
        copy_tree(&root().join("fixtures/fleet/clusters/dev"), &dir);
        let text = std::fs::read_to_string(dir.join("kubezero.yaml")).unwrap();
        let text = text.replace("email: platform@example.com", &format!("email: {email:?}"));
        std::fs::write(dir.join("kubezero.yaml"), text).unwrap();
    }
    let file = page(work.path(), &[work.path().join("fleet").to_str().unwrap()]);
    let mut browser = Browser::open(&file);
    assert_eq!(browser.eval("document.title"), "KubeZero fleet: 3 clusters", "no script of the input ran");
    assert_eq!(browser.eval("document.querySelectorAll('img, #clusters script, #differences script').length"), 0);
    let paths = column(&browser.eval(ROWS), 0);
    assert!(paths[2].ends_with("x<img src=x onerror=\"document.title='owned'\">'\\u{202e}"), "{paths:?}");
    let emails = browser.eval(r##"[...document.querySelectorAll("#differences li")].map((li) => li.textContent)"##);
    assert!(
        emails
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().contains("</ul><script>document.title='owned'</script> ×1")),
        "{emails}"
    );
}
