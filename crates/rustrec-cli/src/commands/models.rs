//! `rustrec models`: every model kind with its task, inputs and hyperparameters, from the
//! registry's tables (the ones the checks use).

use clap::Args as ClapArgs;
use rustrec::models::registry::{families, family_or_error};
use rustrec::models::{DynFamily, ParamInfo};
use serde_json::{Value, json};

use crate::Globals;
use crate::output::{Report, human_line};

/// List the model kinds with their task (rating or ranking), inputs and hyperparameters
/// (name, default, allowed values, purpose) — the keys of a config's `[model]` table and of
/// `fit --set model.NAME=VALUE`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Show only this kind.
    pub kind: Option<String>,
}

/// A family as `--json` prints it.
fn family_json(f: &dyn DynFamily) -> Value {
    json!({
        "kind": f.kind(),
        "about": f.about(),
        "task": f.task().name(),
        "inputs": f.inputs().iter().map(|i| i.name()).collect::<Vec<_>>(),
        "iterative": f.iterative(),
        "saved_as": f.saved_as(),
        "schema_version": f.schema().version,
        "params": f.params(),
    })
}

/// A default as a human reads it.
fn show_default(p: &ParamInfo) -> String {
    match &p.default {
        Value::Null => "none".into(),
        Value::String(s) => s.clone(),
        Value::Object(m) if m.contains_key("kind") => {
            let kind = m["kind"].as_str().unwrap_or_default();
            let rest: Vec<String> = m
                .iter()
                .filter(|(k, _)| k.as_str() != "kind")
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            if rest.is_empty() {
                kind.to_string()
            } else {
                format!("{kind}({})", rest.join(", "))
            }
        }
        Value::Array(items) if items.iter().all(|v| v.get("kind").is_some()) => {
            let kinds: Vec<&str> = items
                .iter()
                .filter_map(|v| v.get("kind").and_then(Value::as_str))
                .collect();
            format!("[{}]", kinds.join(", "))
        }
        other => other.to_string(),
    }
}

/// The human-readable table of one family.
fn print_family(f: &dyn DynFamily) {
    let inputs: Vec<&str> = f.inputs().iter().map(|i| i.name()).collect();
    human_line(false, format_args!("{} — {}", f.kind(), f.about()));
    let saved = if f.saved_as() != f.kind() {
        format!(", saved as `{}` models", f.saved_as())
    } else {
        String::new()
    };
    human_line(
        false,
        format_args!("  task {}, inputs {}{saved}", f.task(), inputs.join(" + ")),
    );
    let params = f.params();
    if params.is_empty() {
        human_line(false, "  (no parameters)");
    }
    let w_name = params.iter().map(|p| p.name.len()).max().unwrap_or(0);
    let defaults: Vec<String> = params.iter().map(show_default).collect();
    let w_def = defaults
        .iter()
        .map(|d| d.chars().count())
        .max()
        .unwrap_or(0)
        .min(28);
    for (p, d) in params.iter().zip(&defaults) {
        human_line(
            false,
            format_args!(
                "  {:<w_name$}  {:<w_def$}  {}  [{}]",
                p.name, d, p.help, p.range
            ),
        );
    }
    human_line(false, "");
}

/// Runs `rustrec models`.
pub fn run(args: Args, globals: Globals) -> anyhow::Result<()> {
    let chosen: Vec<&dyn DynFamily> = match &args.kind {
        Some(kind) => vec![family_or_error(kind)?],
        None => families().to_vec(),
    };
    if globals.json {
        let list: Vec<Value> = chosen.iter().map(|f| family_json(*f)).collect();
        let mut report = Report::new();
        report.set("models", list);
        report.finish(true);
        return Ok(());
    }
    for f in chosen {
        print_family(f);
    }
    human_line(
        false,
        "Set a parameter in a config's [model] table or with `fit --set model.NAME=VALUE`.",
    );
    Ok(())
}
