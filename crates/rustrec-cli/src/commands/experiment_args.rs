//! The flags of every command that runs an experiment configuration (`cv`, `lr-find`,
//! `tune`): which config, where its data lives, overrides and threads; and the rules of
//! `--set` that these commands share with `fit`.
//!
//! ## The rules of `--set KEY=VALUE`
//! - A flag and a `--set` of the key it sets are two choices for one setting: refused,
//!   naming the flag (`--seed 5 --set train.seed=7`), as is a `--set` of a table above
//!   the flag's key (`--set 'train={seed=7}'`). A `--set` below the flag's key refines what
//!   the flag set (`--optimizer adam --set model.optimizer.beta1=0.8`).
//! - A key given twice is refused: which of the two values would count is not ours to guess.
//! - `--set split.kind=K` that switches the config's `[split]` to another kind starts the
//!   section again from kind K's defaults and the other `--set split.*` keys given: no key of
//!   the old kind carries over (a holdout's `test_fraction` does not become a temporal
//!   split's), and a key the new kind requires is asked for by name.
//! - `--set model.kind=K` (and `fit --model K`) follows the same rule for `[model]`: an mf model's `factors` or
//!   `epochs` do not become a bpr model's, nor fail as keys the new kind does not know; the
//!   other `--set model.*` keys given apply to kind K. A config's `[model]` without a `kind`
//!   holds keys of the default kind (mf, what `fit` trains it as), so switching it to another
//!   kind starts afresh in the same way; a kindless `[model]` that only flags wrote into
//!   (`fit --factors 8` without a config) holds nothing of mf's and stays.
//! - A switch that would drop what a flag wrote into the section (`fit --split-seed`,
//!   `fit --factors`, `fit --optimizer`) is refused, naming the flag: the flag and the switch
//!   are two choices for that section.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args as ClapArgs;
use rustrec::experiment::{ExperimentConfig, set_key};
use rustrec::models::ModelSpec;

/// `--config`, `--data-dir`, `--set`, `--threads`.
#[derive(ClapArgs, Debug, Clone)]
pub struct ExperimentArgs {
    /// Experiment configuration (TOML).
    #[arg(long)]
    pub config: PathBuf,
    /// Directory that the config's relative data paths are resolved against.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Override a config key, e.g. --set model.epochs=30 (repeatable; a key a flag sets is
    /// refused; --set split.kind=K or model.kind=K switching the kind starts [split] or
    /// [model] from K's defaults).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Worker threads (default: the config's train.threads; 0 = one per core).
    #[arg(long)]
    pub threads: Option<usize>,
}

impl ExperimentArgs {
    /// The configuration as a TOML table: the file, with the `--set` overrides applied by
    /// [`apply_sets`]. A `--set` of a key that `by_flags` (the command's own flags) or
    /// `--threads` sets is refused.
    pub fn table(&self, by_flags: &[FlagKey]) -> anyhow::Result<toml::Table> {
        let mut table = super::report::read_table(&self.config, &[])?;
        let mut owned = by_flags.to_vec();
        if self.threads.is_some() {
            owned.push(FlagKey {
                flag: "--threads",
                key: "train.threads",
            });
        }
        // These commands' flags are applied beside the table, never written into it, so a
        // section started afresh drops nothing of theirs.
        apply_overrides(&mut table, &self.set, &owned, &[])?;
        Ok(table)
    }

    /// [`ExperimentArgs::table`], checked into a configuration.
    pub fn config(&self, by_flags: &[FlagKey]) -> anyhow::Result<(toml::Table, ExperimentConfig)> {
        let table = self.table(by_flags)?;
        let cfg = ExperimentConfig::from_value(table.clone())
            .with_context(|| format!("{}", self.config.display()))?;
        Ok((table, cfg))
    }
}

/// A config key that a command-line flag sets (`--seed` sets `train.seed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlagKey {
    /// The flag, as typed (`--seed`).
    pub flag: &'static str,
    /// The dotted config key it sets (`train.seed`).
    pub key: &'static str,
}

/// The sections whose `kind` key chooses which other keys they take: a `--set` of the kind
/// that switches it starts the section afresh (see the module docs).
const KINDED_SECTIONS: [&str; 2] = ["split", "model"];

/// Applies `--set KEY=VALUE` overrides to `table` in order, by the rules of the module docs:
/// a `--set` of a key in `by_flags` (or of a table above one) is refused naming the flag, a
/// key given twice is refused, and a `--set split.kind` or `--set model.kind` that changes
/// the kind of the table's `[split]` or `[model]` first clears that section (refused when
/// the section holds a key a flag of `by_flags` wrote into `table`).
pub fn apply_sets(
    table: &mut toml::Table,
    sets: &[String],
    by_flags: &[FlagKey],
) -> anyhow::Result<()> {
    apply_overrides(table, sets, by_flags, by_flags)
}

/// [`apply_sets`], where `written` are the flags of `by_flags` whose values are already in
/// `table` (those a section started afresh would drop); the others only refuse a `--set`
/// of their key.
fn apply_overrides(
    table: &mut toml::Table,
    sets: &[String],
    by_flags: &[FlagKey],
    written: &[FlagKey],
) -> anyhow::Result<()> {
    let mut pairs: Vec<(&str, &str, &str)> = Vec::with_capacity(sets.len());
    for kv in sets {
        let (key, value) = kv
            .split_once('=')
            .with_context(|| format!("--set {kv}: expected KEY=VALUE"))?;
        let key = key.trim();
        if let Some(owned) = by_flags
            .iter()
            .find(|f| f.key == key || is_below(f.key, key))
        {
            anyhow::bail!(
                "--set {kv}: {} also sets {}; give one of the two",
                owned.flag,
                owned.key
            );
        }
        if let Some((_, _, first)) = pairs.iter().find(|(k, _, _)| *k == key) {
            anyhow::bail!("--set {kv}: {key} is also set by --set {first}; give one of the two");
        }
        pairs.push((key, value.trim(), kv));
    }
    for section in KINDED_SECTIONS {
        let Some((_, value, kv)) = pairs
            .iter()
            .find(|(k, _, _)| k.strip_prefix(section) == Some(".kind"))
        else {
            continue;
        };
        if !kind_changes(table, section, value, written)? {
            continue;
        }
        // Starting the section afresh would drop what a flag wrote in it (`--split-seed`).
        if let Some(owned) = written.iter().find(|f| is_below(f.key, section)) {
            let implicit = match implicit_kind(table, section) {
                Some(default) => {
                    format!(" (the [{section}] without a kind is of the default kind, {default})")
                }
                None => String::new(),
            };
            anyhow::bail!(
                "--set {kv}: another kind of {section} starts [{section}] afresh{implicit}, \
                 dropping the {} that {} sets; give the {section} with --set {section}.* keys \
                 or with flags, not both",
                owned.key,
                owned.flag
            );
        }
        table.remove(section);
    }
    for (key, value, _) in pairs {
        set_key(table, key, value)?;
    }
    Ok(())
}

/// Whether dotted key `key` lies strictly below `table_key` (`train.seed` below `train`).
fn is_below(key: &str, table_key: &str) -> bool {
    key.strip_prefix(table_key)
        .is_some_and(|rest| rest.starts_with('.'))
}

/// Clears `table`'s `[section]` (`split` or `model`) when its kind is not `kind` (a
/// `--split` or `--model` value, as typed), so that the new kind starts from its own
/// defaults rather than inheriting keys of the old one, as a `--set section.kind` does. The
/// same kind keeps the section; a `[model]` without a kind is of the default kind. Call it
/// before the command's flags write into the section.
pub fn switch_kind(table: &mut toml::Table, section: &str, kind: &str) -> anyhow::Result<()> {
    if kind_changes(table, section, kind, &[])? {
        table.remove(section);
    }
    Ok(())
}

/// The kind a `[section]` without a `kind` key is read as: the default model kind for
/// `[model]` (what `fit` trains, and what a config without `[model]` holds); `[split]` has
/// no default kind.
fn default_kind(section: &str) -> Option<&'static str> {
    (section == "model").then(|| ModelSpec::default().kind())
}

/// The default kind of `table`'s `[section]` when the section is there without a `kind`.
fn implicit_kind(table: &toml::Table, section: &str) -> Option<&'static str> {
    table
        .get(section)
        .and_then(toml::Value::as_table)
        .filter(|s| !s.contains_key("kind"))
        .and(default_kind(section))
}

/// Whether `table` has a `[section]` (`split`, `model`) of another kind than `kind` (as
/// typed after `--set split.kind=` or `--split`; `holdout` and `"holdout"` are the same
/// kind, as `set_key` reads them). A `[model]` without a kind is of the default kind
/// ([`default_kind`]) when it holds a key that no flag of `written` wrote there (one of the
/// config file's); holding only what flags wrote, it has no kind's keys to switch from, nor
/// has a `[split]` without a kind.
fn kind_changes(
    table: &toml::Table,
    section: &str,
    kind: &str,
    written: &[FlagKey],
) -> anyhow::Result<bool> {
    let mut scratch = toml::Table::new();
    set_key(&mut scratch, "kind", kind)?;
    let new_kind = scratch.get("kind");
    let Some(old) = table.get(section).and_then(toml::Value::as_table) else {
        return Ok(false);
    };
    if let Some(old_kind) = old.get("kind") {
        return Ok(Some(old_kind) != new_kind);
    }
    let Some(default) = default_kind(section) else {
        return Ok(false);
    };
    let by_flag = |key: &str| {
        written.iter().any(|f| {
            f.key
                .strip_prefix(section)
                .and_then(|rest| rest.strip_prefix('.'))
                == Some(key)
        })
    };
    let of_the_file = old.keys().any(|k| !by_flag(k));
    Ok(of_the_file && new_kind.and_then(toml::Value::as_str) != Some(default))
}
