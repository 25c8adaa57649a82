//! `kzrender fleet --format html`: the view as one self-contained page (fleet_page.html: inline
//! CSS and a little inline JavaScript, no network, no external assets) — the matrix sortable by
//! any column and filterable by channel, component and state, readable in light and dark,
//! printable.

use kzrender::diag::one_line;
use kzrender::fleet::view::{Row, View};
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

const TEMPLATE: &str = include_str!("fleet_page.html");
const ROW: &str = include_str!("fleet_row.html");

/// The page of `view`. Every value from input is HTML-escaped (auto-escaping is on for both
/// templates) after, as in every other report, its control characters and bidirectional
/// overrides are escaped ([`one_line`]); only the rendered rows go in as safe strings.
pub fn page(view: &View) -> String {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_formatter(|out, state, value| match value.as_str() {
        Some(text) if !value.is_safe() => minijinja::escape_formatter(out, state, &Value::from(one_line(text))),
        _ => minijinja::escape_formatter(out, state, value),
    });
    env.add_template("fleet.html", TEMPLATE).expect("the fleet page template parses");
    env.add_template("row.html", ROW).expect("the fleet row template parses");
    let charts = Value::from(minijinja::value::Serde(&view.charts));
    let components = Value::from(minijinja::value::Serde(&view.components));
    // The matrix is most of the page: its rows render on all cores, in order.
    let indexed: Vec<(usize, &Row)> = view.clusters.iter().enumerate().collect();
    let rows = kzrender::fleet::parallel(&indexed, |&(at, row)| {
        let context = minijinja::context! {
            row => Value::from(minijinja::value::Serde(row)),
            index => at + 1,
            components => components.clone(),
            charts => charts.clone(),
        };
        let html = env.get_template("row.html").and_then(|t| t.render(context));
        Value::from_safe_string(html.expect("the fleet row template renders"))
    });
    let context = minijinja::context! {
        version => env!("CARGO_PKG_VERSION"),
        rows => rows,
        invalid => Value::from(minijinja::value::Serde(view.clusters.iter().filter(|r| !r.valid).collect::<Vec<_>>())),
        channels => Value::from(minijinja::value::Serde(&view.channels)),
        differences => Value::from(minijinja::value::Serde(&view.differences)),
        components => components,
        charts => charts,
        differing => view.differences.values().any(|d| !d.settings.is_empty() || !d.distinct.is_empty()),
    };
    env.get_template("fleet.html").and_then(|t| t.render(context)).expect("the fleet page template renders")
}
