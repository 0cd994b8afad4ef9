//! A model family: everything the rest of rustrec may know about one kind of model,
//! declared in one place ([`Family`]), and its type-erased form for the registry
//! ([`DynFamily`]).
//!
//! A family is a unit struct in its folder (`mf/family.rs`, ...) implementing [`Family`]:
//! its kind name (the only place it is spelled), its task, its inputs, its hyperparameters
//! (a [`Hyperparams`] type whose table `rustrec models` prints), whether it trains in
//! epochs, how it fits, its file schema and how it loads (and migrates) its files. The
//! registry lists the families once (`crate::registry::FAMILIES`); commands, the
//! experiment runner and the front ends ask the registry, never a kind string.

use std::any::Any;
use std::fmt::Debug;

use rustrec_core::{FitContext, Task};
use rustrec_data::Interactions;
use rustrec_data::content::ItemContent;
use rustrec_io::ModelFile;
use serde::Serialize;

use crate::error::{ModelError, Result};
use crate::knn::ContentFiles;
use crate::params::{Hyperparams, ParamRow};
use crate::registry::TrainedModel;
use crate::schema::Schema;

/// What a family trains on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// The user × item interactions (every family).
    Ratings,
    /// Item content (genres, years, tags) read from an item file (`fit --item-file`).
    ItemContent,
}

impl Input {
    /// The name used by `rustrec models --json`.
    pub fn name(self) -> &'static str {
        match self {
            Input::Ratings => "ratings",
            Input::ItemContent => "item_content",
        }
    }
}

/// One model family (see the module docs). Implemented by a unit struct per family.
pub trait Family: Send + Sync + 'static {
    /// The kind name, as configs (`[model] kind`), `--model` and model files spell it.
    const KIND: &'static str;
    /// One line on what the model is (with its paper).
    const ABOUT: &'static str;
    /// What the models it trains are for.
    const TASK: Task;
    /// What it trains on.
    const INPUTS: &'static [Input] = &[Input::Ratings];
    /// Whether it trains in epochs (or iterations), so that validation, early stopping and
    /// the refit apply.
    const ITERATIVE: bool;
    /// Whether its trainer uses [`FitContext::cluster`](rustrec_core::FitContext) (several
    /// processes train one model) and [`FitContext::checkpoint`](rustrec_core::FitContext).
    const DISTRIBUTED: bool = false;
    /// Whether its trained model is an item × item model that a hybrid can mix.
    const ITEM_BASED: bool = false;
    /// The kind written in the files of the models it trains: its own, or another family's
    /// when its result is that family's model (BPMF saves an `mf` model).
    const SAVED_AS: &'static str = Self::KIND;
    /// Its file schema (for families that save as another kind: that kind's schema).
    const SCHEMA: Schema;

    /// Its hyperparameters.
    type Params: Hyperparams;

    /// Its default parameters, as `rustrec models` lists them: the parameter type's
    /// defaults, with any value the kind fixes itself (`ials` sets `implicit = true`).
    fn default_params() -> Self::Params {
        Self::Params::default()
    }

    /// Checks the parameters: every range of the table, then the family's cross-parameter
    /// rules.
    fn check(params: &Self::Params) -> Result<()> {
        params.check_ranges()
    }

    /// The number of epochs (iterations) it trains for, if [`Family::ITERATIVE`].
    fn epochs(params: &Self::Params) -> Option<usize> {
        let _ = params;
        None
    }

    /// The same parameters with `epochs` epochs (the refit after early stopping).
    fn with_epochs(params: &Self::Params, epochs: usize) -> Self::Params {
        let _ = epochs;
        params.clone()
    }

    /// The item-content files it reads, in the order [`Family::fit`] receives their
    /// matrices (empty unless [`Input::ItemContent`] is an input).
    fn content_files(params: &Self::Params) -> Vec<ContentFiles> {
        let _ = params;
        Vec::new()
    }

    /// Points every content file of `params` at `item_file` (`fit --item-file`).
    fn set_item_file(params: &mut Self::Params, item_file: &str) {
        let _ = (params, item_file);
    }

    /// Bytes the fit will allocate for its tables on `train` (an estimate; 0 when small
    /// whatever the data). The registry refuses a fit whose estimate exceeds the machine's
    /// memory before allocating anything.
    fn memory_estimate(params: &Self::Params, train: &Interactions) -> u128 {
        let _ = (params, train);
        0
    }

    /// Trains on `train` with `content[m]` the matrices of `content_files()[m]`. The
    /// parameters have passed [`Family::check`].
    fn fit(
        params: &Self::Params,
        train: &Interactions,
        content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel>;

    /// [`Family::fit`] on data the caller hands over and does not need again
    /// ([`rustrec_core::Fit::fit_owned`]): the same model, bit for bit. By default,
    /// [`Family::fit`] on `train`.
    fn fit_owned(
        params: &Self::Params,
        train: Interactions,
        content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel> {
        Self::fit(params, &train, content, ctx)
    }

    /// Brings a file of an older schema version up to [`Family::SCHEMA`] (parameters and
    /// tensors); the default accepts only the current version.
    fn migrate(file: &mut ModelFile, from_version: u32) -> Result<()> {
        let _ = file;
        if from_version == Self::SCHEMA.version {
            Ok(())
        } else {
            Err(unsupported_version(
                Self::KIND,
                from_version,
                Self::SCHEMA.version,
            ))
        }
    }

    /// Builds the model from a file of kind [`Family::SAVED_AS`], already migrated to the
    /// current schema and validated against it.
    fn load(file: ModelFile) -> Result<TrainedModel>;
}

/// The error for a file whose schema version this build cannot read.
pub fn unsupported_version(kind: &str, found: u32, current: u32) -> ModelError {
    if found > current {
        ModelError::Data(format!(
            "this `{kind}` model file has schema version {found}, newer than this build \
             reads (up to {current}): use a newer rustrec"
        ))
    } else {
        ModelError::Data(format!(
            "this `{kind}` model file has schema version {found}, which this build does not \
             read (it reads 1..={current})"
        ))
    }
}

/// The parameters of some family, type-erased (what [`crate::ModelSpec`] holds).
pub trait DynParams: Any + Debug + Send + Sync {
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn DynParams>;
    /// The parameters as JSON (without the kind).
    fn to_json(&self) -> serde_json::Value;
    /// `self` as [`Any`], to get the typed parameters back.
    fn as_any(&self) -> &dyn Any;
    /// `self` as [`Any`], mutable.
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// Equality with parameters of any family.
    fn equals(&self, other: &dyn DynParams) -> bool;
}

impl<P: Hyperparams> DynParams for P {
    fn clone_box(&self) -> Box<dyn DynParams> {
        Box::new(self.clone())
    }

    fn to_json(&self) -> serde_json::Value {
        // The parameter types are plain data (numbers, strings, enums, lists): their JSON
        // serialisation cannot fail.
        let mut value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        tidy_floats(&mut value);
        value
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn equals(&self, other: &dyn DynParams) -> bool {
        other.as_any().downcast_ref::<P>() == Some(self)
    }
}

/// Writes every number that is an `f32` widened to `f64` (`0.009999999776482582`) as the
/// shortest decimal of that `f32` (`0.01`): parameters are `f32`, and reading the shorter
/// text back gives the same `f32`.
pub fn tidy_floats(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(v) = n.as_f64() {
                let single = v as f32;
                if f64::from(single) == v
                    && let Ok(short) = single.to_string().parse::<f64>()
                    && let Some(tidy) = serde_json::Number::from_f64(short)
                {
                    *n = tidy;
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(tidy_floats),
        serde_json::Value::Object(map) => map.values_mut().for_each(tidy_floats),
        _ => {}
    }
}

/// One row of `rustrec models`: a parameter with its default.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParamInfo {
    /// The name.
    pub name: &'static str,
    /// The default value (JSON; `null` for "not set").
    pub default: serde_json::Value,
    /// What values are allowed.
    pub range: String,
    /// What it does.
    pub help: &'static str,
}

/// A [`Family`], type-erased, as the registry lists it.
pub trait DynFamily: Send + Sync {
    /// [`Family::KIND`].
    fn kind(&self) -> &'static str;
    /// [`Family::ABOUT`].
    fn about(&self) -> &'static str;
    /// [`Family::TASK`].
    fn task(&self) -> Task;
    /// [`Family::INPUTS`].
    fn inputs(&self) -> &'static [Input];
    /// [`Family::ITERATIVE`].
    fn iterative(&self) -> bool;
    /// [`Family::DISTRIBUTED`].
    fn distributed(&self) -> bool;
    /// [`Family::ITEM_BASED`].
    fn item_based(&self) -> bool;
    /// [`Family::SAVED_AS`].
    fn saved_as(&self) -> &'static str;
    /// [`Family::SCHEMA`].
    fn schema(&self) -> Schema;
    /// The parameter table with defaults.
    fn params(&self) -> Vec<ParamInfo>;
    /// The default parameters.
    fn default_params(&self) -> Box<dyn DynParams>;
    /// Parameters from JSON (a config's `[model]` table without `kind`): unknown keys and
    /// wrong types are refused naming the key.
    fn parse(&self, value: serde_json::Value) -> Result<Box<dyn DynParams>>;
    /// [`Family::check`].
    fn check(&self, params: &dyn DynParams) -> Result<()>;
    /// [`Family::epochs`].
    fn epochs(&self, params: &dyn DynParams) -> Option<usize>;
    /// [`Family::with_epochs`].
    fn with_epochs(&self, params: &dyn DynParams, epochs: usize) -> Box<dyn DynParams>;
    /// [`Family::content_files`].
    fn content_files(&self, params: &dyn DynParams) -> Vec<ContentFiles>;
    /// [`Family::set_item_file`].
    fn set_item_file(&self, params: &mut dyn DynParams, item_file: &str);
    /// [`Family::fit`], after [`Family::check`].
    fn fit(
        &self,
        params: &dyn DynParams,
        train: &Interactions,
        content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel>;
    /// [`Family::fit_owned`], after [`Family::check`].
    fn fit_owned(
        &self,
        params: &dyn DynParams,
        train: Interactions,
        content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel>;
    /// Migrates, validates and loads a file of this family's kind.
    fn load(&self, file: ModelFile) -> Result<TrainedModel>;
}

/// The registry's adapter from a [`Family`] to a [`DynFamily`].
pub struct Registered<F>(std::marker::PhantomData<F>);

impl<F> Registered<F> {
    /// The adapter (a constant, so the registry is a static table).
    pub const NEW: Registered<F> = Registered(std::marker::PhantomData);
}

impl<F: Family> Registered<F> {
    /// The typed parameters behind `params`. Parameters reach a family only through
    /// [`crate::ModelSpec`], which pairs them with their own family.
    fn typed(params: &dyn DynParams) -> &F::Params {
        params
            .as_any()
            .downcast_ref::<F::Params>()
            .unwrap_or_else(|| panic!("parameters of another family given to `{}`", F::KIND))
    }

    /// [`Family::check`], then a refusal of a fit whose tables would not fit in the
    /// machine's memory ([`Family::memory_estimate`]), before anything is allocated.
    fn check_before_fit(params: &F::Params, train: &Interactions) -> Result<()> {
        F::check(params)?;
        crate::engine::memory::ensure_fits(
            &format!(
                "`{}` on {} users and {} items",
                F::KIND,
                train.n_users(),
                train.n_items()
            ),
            F::memory_estimate(params, train),
            crate::engine::memory::physical_memory(),
        )
    }
}

impl<F: Family> DynFamily for Registered<F> {
    fn kind(&self) -> &'static str {
        F::KIND
    }

    fn about(&self) -> &'static str {
        F::ABOUT
    }

    fn task(&self) -> Task {
        F::TASK
    }

    fn inputs(&self) -> &'static [Input] {
        F::INPUTS
    }

    fn iterative(&self) -> bool {
        F::ITERATIVE
    }

    fn distributed(&self) -> bool {
        F::DISTRIBUTED
    }

    fn item_based(&self) -> bool {
        F::ITEM_BASED
    }

    fn saved_as(&self) -> &'static str {
        F::SAVED_AS
    }

    fn schema(&self) -> Schema {
        F::SCHEMA
    }

    fn params(&self) -> Vec<ParamInfo> {
        let defaults = F::default_params().to_json();
        F::Params::table()
            .into_iter()
            .map(|ParamRow { name, rule, help }| ParamInfo {
                name,
                default: defaults
                    .get(name)
                    .cloned()
                    .unwrap_or(serde_json::Value::Null),
                range: rule.describe(),
                help,
            })
            .collect()
    }

    fn default_params(&self) -> Box<dyn DynParams> {
        Box::new(F::default_params())
    }

    fn parse(&self, value: serde_json::Value) -> Result<Box<dyn DynParams>> {
        let params: F::Params = serde_json::from_value(value)
            .map_err(|e| ModelError::Data(format!("[model] kind = \"{}\": {e}", F::KIND)))?;
        Ok(Box::new(params))
    }

    fn check(&self, params: &dyn DynParams) -> Result<()> {
        F::check(Self::typed(params))
    }

    fn epochs(&self, params: &dyn DynParams) -> Option<usize> {
        F::epochs(Self::typed(params))
    }

    fn with_epochs(&self, params: &dyn DynParams, epochs: usize) -> Box<dyn DynParams> {
        Box::new(F::with_epochs(Self::typed(params), epochs))
    }

    fn content_files(&self, params: &dyn DynParams) -> Vec<ContentFiles> {
        F::content_files(Self::typed(params))
    }

    fn set_item_file(&self, params: &mut dyn DynParams, item_file: &str) {
        if let Some(p) = params.as_any_mut().downcast_mut::<F::Params>() {
            F::set_item_file(p, item_file);
        }
    }

    fn fit(
        &self,
        params: &dyn DynParams,
        train: &Interactions,
        content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel> {
        let params = Self::typed(params);
        Self::check_before_fit(params, train)?;
        F::fit(params, train, content, ctx)
    }

    fn fit_owned(
        &self,
        params: &dyn DynParams,
        train: Interactions,
        content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel> {
        let params = Self::typed(params);
        Self::check_before_fit(params, &train)?;
        F::fit_owned(params, train, content, ctx)
    }

    fn load(&self, mut file: ModelFile) -> Result<TrainedModel> {
        let version = file.header.schema_version;
        if version != F::SCHEMA.version {
            F::migrate(&mut file, version)?;
            file.header.schema_version = F::SCHEMA.version;
        }
        F::SCHEMA.validate(&file)?;
        F::load(file)
    }
}
