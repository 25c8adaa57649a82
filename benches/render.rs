//! In-process timings of the pipeline's stages on the shipped fixtures (`cargo bench`).
//! Prints medians; asserts nothing. Whole-process figures come from `scripts/bench.sh`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use kzrender::catalog::Catalog;
use kzrender::pipeline;
use kzrender::request::Request;
use kzrender::schema::official::SchemaSet;
use kzrender::yaml::emit;

fn median(mut f: impl FnMut(), runs: usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let catalog = Catalog::embedded().expect("the shipped catalog is valid");
    let official = SchemaSet::default();
    println!("{:<40} {:>12}", "stage", "median");
    let build = median(|| drop(Catalog::build_embedded().expect("valid")), 200);
    println!("{:<40} {:>9.1} µs", "catalog: build from embedded files", build.as_secs_f64() * 1e6);
    // What a fresh process pays on first use, each measured on a fresh catalog.
    for (what, f) in [
        (
            "catalog: compile the values schema (top)",
            &(|c: &Catalog| {
                c.input_schema().expect("valid");
            }) as &dyn Fn(&Catalog),
        ),
        ("catalog: compile the output schemas", &|c: &Catalog| {
            c.output_schema("Application").expect("valid");
        }),
        ("catalog: compile every template", &|c: &Catalog| {
            for name in c.components.keys() {
                drop(
                    c.env()
                        .get_template(&format!("kubezero/{}", kzrender::catalog::template_name(name)))
                        .expect("compiles"),
                );
            }
        }),
    ] {
        let times: Vec<f64> = (0..100)
            .map(|_| {
                let fresh = Catalog::build_embedded().expect("valid");
                let start = Instant::now();
                f(&fresh);
                start.elapsed().as_secs_f64() * 1e6
            })
            .collect();
        let mut t = times.clone();
        t.sort_by(f64::total_cmp);
        println!("{:<40} {:>9.1} µs", what, t[50]);
    }
    let prod = Request { dir: root.join("fixtures/fleet/clusters/prod-eu"), ..Default::default() };
    let cold = median(
        || {
            let fresh = Catalog::build_embedded().expect("valid");
            drop(pipeline::render_cluster(&fresh, &official, &prod).expect("renders"));
        },
        200,
    );
    println!("{:<40} {:>9.1} µs", "prod-eu: cold catalog + schemas + render", cold.as_secs_f64() * 1e6);
    for cluster in ["prod-eu", "dev", "onprem", "legacy-2020"] {
        let req = Request { dir: root.join("fixtures/fleet/clusters").join(cluster), ..Default::default() };
        let resolve = median(|| drop(pipeline::resolve(catalog, &req).expect("resolves")), 500);
        let render = median(|| drop(pipeline::render_cluster(catalog, &official, &req).expect("renders")), 500);
        let docs = pipeline::render_cluster(catalog, &official, &req).expect("renders").docs;
        let emit = median(|| drop(emit::stream(&docs)), 2000);
        println!("{:<40} {:>9.1} µs", format!("{cluster}: load + merge"), resolve.as_secs_f64() * 1e6);
        println!("{:<40} {:>9.1} µs", format!("{cluster}: whole render incl. validation"), render.as_secs_f64() * 1e6);
        println!("{:<40} {:>9.1} µs", format!("{cluster}: emit YAML"), emit.as_secs_f64() * 1e6);
    }
}
