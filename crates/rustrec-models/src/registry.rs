//! The registry: the one list of model families ([`families`]), and what every command
//! asks it for — parameters of any kind ([`ModelSpec`]), a trained model of any kind
//! ([`TrainedModel`], with its [`Task`] from the model itself) and loading any model file
//! ([`TrainedModel::load`]).
//!
//! The list is written once, in `lib.rs` (`families! { mf: [Mf], ... }`): a new family is
//! its folder plus one line there. Nothing outside a family compares kind strings; code
//! that needs to know what a model can do asks the registry or the model.

use std::any::Any;
use std::fmt::Debug;
use std::path::Path;
use std::sync::Arc;

use rustrec_core::{Exclusion, FitContext, FoldIn, Recommender, Task};
use rustrec_data::content::ItemContent;
use rustrec_data::{IdMap, Interactions, ItemIdx, UserIdx};
use rustrec_io::{ModelFile, Tensor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{ModelError, Result};
use crate::factors::FactorTables;
use crate::family::{DynFamily, DynParams, Family, Registered};
use crate::knn::ContentFiles;
use crate::similar::SimilarItems;

/// Declares the family modules and the registry's list in one place (used once, in
/// `lib.rs`): `families! { folder: [Family, ...], ... }`.
macro_rules! declare_families {
    ($($module:ident : [$($family:ident),+ $(,)?]),+ $(,)?) => {
        $(pub mod $module;)+

        /// Every model family of this build, in the order `rustrec models` lists them.
        pub static FAMILIES: &[&dyn $crate::family::DynFamily] = &[
            $($(&$crate::family::Registered::<$module::$family>::NEW,)+)+
        ];
    };
}
pub(crate) use declare_families;

/// Every model family of this build.
pub fn families() -> &'static [&'static dyn DynFamily] {
    crate::FAMILIES
}

/// The family called `kind`.
pub fn family(kind: &str) -> Option<&'static dyn DynFamily> {
    families().iter().copied().find(|f| f.kind() == kind)
}

/// The kinds of this build, comma-separated (for error messages).
pub fn known_kinds() -> String {
    families()
        .iter()
        .map(|f| f.kind())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The family called `kind`, or an error listing the known kinds.
pub fn family_or_error(kind: &str) -> Result<&'static dyn DynFamily> {
    family(kind).ok_or_else(|| {
        ModelError::Data(format!(
            "unknown model kind {kind:?}; this build knows: {} (see `rustrec models`)",
            known_kinds()
        ))
    })
}

/// Lets a parameter that is a table with a `kind` (an optimizer, a schedule, an output, an
/// initialisation: `{ kind = "adam", beta1 = 0.8 }`) be given by its kind's name alone, as
/// `rustrec models` lists the values: `optimizer = "adam"` is `{ kind = "adam" }`, with
/// the kind's defaults.
fn name_only_variants(
    family: &dyn DynFamily,
    map: &mut serde_json::Map<String, serde_json::Value>,
) {
    for param in family.params() {
        let tagged = param
            .default
            .as_object()
            .is_some_and(|d| d.contains_key("kind"));
        if let Some(value) = map.get_mut(param.name)
            && tagged
            && value.is_string()
        {
            *value = serde_json::json!({ "kind": value.take() });
        }
    }
}

/// The parameters of a model of any kind, as a config's `[model]` table holds them
/// (`kind = "mf"` and the family's parameters).
pub struct ModelSpec {
    family: &'static dyn DynFamily,
    params: Box<dyn DynParams>,
}

impl ModelSpec {
    /// The default parameters of the family `kind`.
    pub fn new(kind: &str) -> Result<Self> {
        let family = family_or_error(kind)?;
        Ok(ModelSpec {
            family,
            params: family.default_params(),
        })
    }

    /// The typed parameters `params` of family `F`.
    pub fn of<F: Family>(params: F::Params) -> Self {
        let family: &'static Registered<F> = &Registered::<F>::NEW;
        ModelSpec {
            family,
            params: Box::new(params),
        }
    }

    /// Parameters from a JSON object with a `kind` and the family's parameters; unknown
    /// kinds and keys are refused by name.
    pub fn from_json(value: serde_json::Value) -> Result<Self> {
        let serde_json::Value::Object(mut map) = value else {
            return Err(ModelError::Data(
                "[model] must be a table with a `kind`".into(),
            ));
        };
        let kind = match map.remove("kind") {
            Some(serde_json::Value::String(k)) => k,
            Some(other) => {
                return Err(ModelError::Data(format!(
                    "[model] kind = {other}: expected the name of a model kind ({})",
                    known_kinds()
                )));
            }
            None => {
                return Err(ModelError::Data(format!(
                    "[model] needs a `kind`: one of {}",
                    known_kinds()
                )));
            }
        };
        let family = family_or_error(&kind)?;
        name_only_variants(family, &mut map);
        let params = family.parse(serde_json::Value::Object(map))?;
        Ok(ModelSpec { family, params })
    }

    /// The parameters as JSON, `kind` first.
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        map.insert("kind".into(), self.kind().into());
        if let serde_json::Value::Object(p) = self.params.to_json() {
            map.extend(p);
        }
        serde_json::Value::Object(map)
    }

    /// The family.
    pub fn family(&self) -> &'static dyn DynFamily {
        self.family
    }

    /// The `kind` name.
    pub fn kind(&self) -> &'static str {
        self.family.kind()
    }

    /// What the model is for.
    pub fn task(&self) -> Task {
        self.family.task()
    }

    /// The typed parameters, if they are a `P`.
    pub fn params<P: 'static>(&self) -> Option<&P> {
        self.params.as_any().downcast_ref::<P>()
    }

    /// Number of epochs (or iterations) the model trains for, if it trains iteratively.
    pub fn epochs(&self) -> Option<usize> {
        self.family.epochs(self.params.as_ref())
    }

    /// The same parameters with `epochs` epochs (for refitting after early stopping).
    pub fn with_epochs(&self, epochs: usize) -> Self {
        ModelSpec {
            family: self.family,
            params: self.family.with_epochs(self.params.as_ref(), epochs),
        }
    }

    /// Checks the parameters (naming the first bad one) without training.
    pub fn check(&self) -> Result<()> {
        self.family.check(self.params.as_ref())
    }

    /// The item-content files the model needs, in the order
    /// [`ModelSpec::fit_with_content`] takes their matrices (empty for pure CF models).
    pub fn content_files(&self) -> Vec<ContentFiles> {
        self.family.content_files(self.params.as_ref())
    }

    /// Points the model's item-content files at `item_file` (`fit --item-file`); models
    /// without item content ignore it.
    pub fn set_item_file(&mut self, item_file: &str) {
        self.family.set_item_file(self.params.as_mut(), item_file);
    }

    /// Reads the item content the model needs from `data_dir`, over the item id map of the
    /// training data: one list of [`ItemContent`] matrices per entry of
    /// [`ModelSpec::content_files`]. A movie file that does not describe the training items
    /// is refused; [`ModelSpec::load_content_for`] also checks its release.
    pub fn load_content(&self, data_dir: &Path, items: &IdMap) -> Result<Vec<Vec<ItemContent>>> {
        self.load_content_for(data_dir, items, None)
    }

    /// [`ModelSpec::load_content`] for training ratings read in `ratings_format` (`ml-tab`,
    /// `ml-dat`, ...): a movie file of another MovieLens release is refused, naming both.
    pub fn load_content_for(
        &self,
        data_dir: &Path,
        items: &IdMap,
        ratings_format: Option<&str>,
    ) -> Result<Vec<Vec<ItemContent>>> {
        self.content_files()
            .iter()
            .map(|f| f.load(data_dir, items, ratings_format))
            .collect()
    }

    /// Checks the parameters and trains on `train`. Models that need item content fail
    /// here: use [`ModelSpec::fit_with_content`].
    pub fn fit(&self, train: &Interactions, ctx: &mut FitContext<'_>) -> Result<TrainedModel> {
        self.fit_with_content(train, &[], ctx)
    }

    /// Checks the parameters and trains on `train`, with `content[m]` the matrices of
    /// `content_files()[m]` (from [`ModelSpec::load_content`]).
    pub fn fit_with_content(
        &self,
        train: &Interactions,
        content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel> {
        self.check_inputs(train, content)?;
        self.family.fit(self.params.as_ref(), train, content, ctx)
    }

    /// [`ModelSpec::fit_with_content`] on data the caller hands over and does not need
    /// again: a family that trains on a layout of its own may build it while draining
    /// `train`, so that the two are never held together (MF). The same model, bit for bit.
    pub fn fit_owned_with_content(
        &self,
        train: Interactions,
        content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel> {
        self.check_inputs(&train, content)?;
        self.family
            .fit_owned(self.params.as_ref(), train, content, ctx)
    }

    /// Refuses a fit without the item content the kind reads, or on data without
    /// interactions.
    fn check_inputs(&self, train: &Interactions, content: &[Vec<ItemContent>]) -> Result<()> {
        let wanted = self.content_files().len();
        if content.len() != wanted {
            return Err(ModelError::Data(format!(
                "model kind `{}` needs {wanted} item-content set(s), {} given (give an item \
                 file: `fit --item-file FILE`, or read them with ModelSpec::load_content)",
                self.kind(),
                content.len()
            )));
        }
        if train.nnz() == 0 {
            // Every kind would otherwise answer with something: the popularity of nothing,
            // a global mean of 0.
            return Err(ModelError::Data(format!(
                "model kind `{}`: the training data holds no interactions ({} users, {} \
                 items); give at least one",
                self.kind(),
                train.n_users(),
                train.n_items()
            )));
        }
        Ok(())
    }
}

impl Clone for ModelSpec {
    fn clone(&self) -> Self {
        ModelSpec {
            family: self.family,
            params: self.params.clone_box(),
        }
    }
}

impl Debug for ModelSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ModelSpec({} {:?})", self.kind(), self.params)
    }
}

impl PartialEq for ModelSpec {
    fn eq(&self, other: &Self) -> bool {
        self.kind() == other.kind() && self.params.equals(other.params.as_ref())
    }
}

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec::of::<crate::mf::Mf>(Default::default())
    }
}

impl Serialize for ModelSpec {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

impl<'de> Deserialize<'de> for ModelSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        ModelSpec::from_json(value).map_err(serde::de::Error::custom)
    }
}

/// A trained model of some family: what [`TrainedModel`] holds.
pub trait Model: Recommender + Debug + Any {
    /// What this model is for (from the model itself: an ALS model trained on implicit
    /// feedback ranks, one trained on ratings predicts them).
    fn task(&self) -> Task;

    /// The model's tensors, id maps and header `params` as a model file of its kind.
    fn to_model_file(&self) -> Result<ModelFile>;

    /// The model as a scorer of new users' histories, if its family has one.
    fn as_fold_in(&self) -> Option<&dyn FoldIn> {
        None
    }

    /// The model as a measure of item similarity, if its family has one
    /// ([`crate::similar`]).
    fn as_similar_items(&self) -> Option<&dyn SimilarItems> {
        None
    }

    /// The model's factor tables, if its family is a factorization ([`crate::factors`]).
    fn as_factor_tables(&self) -> Option<&dyn FactorTables> {
        None
    }

    /// The range of the training ratings, for rating models that know it (the bounds a
    /// new user's ratings must respect, and the default clipping range).
    fn rating_range(&self) -> Option<[f32; 2]> {
        None
    }
}

/// A trained model of any kind (cheap to clone: clones share the model).
#[derive(Clone, Debug)]
pub struct TrainedModel(Arc<dyn Model>);

/// A model read from a file.
#[derive(Debug)]
pub struct LoadedModel {
    /// The model.
    pub model: TrainedModel,
    /// The file's header (kind, versions, parameters, training summary, data fingerprint).
    pub header: rustrec_io::Header,
    /// Every user's training items (values 1), when the file stores them.
    pub seen: Option<Interactions>,
}

/// Takes the stored seen-item lists out of a model file, if present.
fn seen_from_file(file: &mut ModelFile) -> Result<Option<(Vec<usize>, Vec<u32>)>> {
    if file.tensor("seen_indptr").is_err() {
        return Ok(None);
    }
    let n_users = file.user_ids.len();
    let indptr: Vec<usize> = file
        .take::<u64>("seen_indptr", &[n_users + 1])?
        .into_iter()
        .map(|p| p as usize)
        .collect();
    let nnz = indptr.last().copied().unwrap_or(0);
    let items = file.take::<u32>("seen_items", &[nnz])?;
    Ok(Some((indptr, items)))
}

impl TrainedModel {
    /// Wraps a model.
    pub fn new(model: impl Model) -> Self {
        TrainedModel(Arc::new(model))
    }

    /// What the model is for.
    pub fn task(&self) -> Task {
        self.0.task()
    }

    /// The model as a [`Recommender`].
    pub fn as_recommender(&self) -> &dyn Recommender {
        self.0.as_ref()
    }

    /// The model as a [`FoldIn`] scorer of new users' histories, if its family has one.
    pub fn as_fold_in(&self) -> Option<&dyn FoldIn> {
        self.0.as_fold_in()
    }

    /// The model as a measure of item similarity, if its family has one
    /// ([`crate::similar`]).
    pub fn as_similar_items(&self) -> Option<&dyn SimilarItems> {
        self.0.as_similar_items()
    }

    /// The model's factor tables, if its family is a factorization ([`crate::factors`]).
    pub fn as_factor_tables(&self) -> Option<&dyn FactorTables> {
        self.0.as_factor_tables()
    }

    /// The range of the training ratings, for rating models that know it.
    pub fn rating_range(&self) -> Option<[f32; 2]> {
        self.0.rating_range()
    }

    /// The model as a `T`, if it is one.
    pub fn downcast_ref<T: Model>(&self) -> Option<&T> {
        let any: &dyn Any = self.0.as_ref();
        any.downcast_ref::<T>()
    }

    /// The model's tensors, id maps and header `params` as a model file (what
    /// [`TrainedModel::save`] writes, before the training summary and seen items).
    pub fn to_model_file(&self) -> Result<ModelFile> {
        let mut file = self.0.to_model_file()?;
        let family = family_or_error(&file.header.kind)?;
        file.header.schema_version = family.schema().version;
        Ok(file)
    }

    /// Writes the model to `path` atomically (temp file + rename) in the versioned rustrec
    /// format, with the fingerprint of its training data, a summary of its training
    /// (`training`: deterministic content only, so that one seed gives one file), and the
    /// training interactions' item lists (`seen_indptr`, `seen_items`) so that
    /// recommendations from the file alone can leave out what each user has seen.
    pub fn save(
        &self,
        path: impl AsRef<Path>,
        train: &Interactions,
        training: serde_json::Value,
    ) -> Result<()> {
        let mut file = self.to_model_file()?;
        family_or_error(&file.header.kind)?
            .schema()
            .validate(&file)?;
        file.header.data_fingerprint = train.fingerprint();
        file.header.training = training;
        if train.n_users() == file.user_ids.len() && train.n_items() == file.item_ids.len() {
            let indptr: Vec<u64> = train.user_ptr().iter().map(|&p| p as u64).collect();
            file.insert("seen_indptr", Tensor::vector(indptr))?;
            file.insert("seen_items", Tensor::vector(train.item_indices().to_vec()))?;
        }
        rustrec_io::write_model(path, &file)?;
        Ok(())
    }

    /// Reads a model file of any kind and of any supported container and schema version:
    /// the model, the file's header and, when stored, the training items of every user.
    pub fn load(path: impl AsRef<Path>) -> Result<LoadedModel> {
        let path = path.as_ref();
        let file = rustrec_io::read_model(path)?;
        Self::from_file(file).map_err(|e| match e {
            ModelError::Data(msg) if !msg.contains(&path.display().to_string()) => {
                ModelError::Data(format!("{}: {msg}", path.display()))
            }
            other => other,
        })
    }

    /// [`TrainedModel::load`] of a file already read.
    pub fn from_file(mut file: ModelFile) -> Result<LoadedModel> {
        let header = file.header.clone();
        let seen = seen_from_file(&mut file)?;
        let family = families()
            .iter()
            .copied()
            .find(|f| f.saved_as() == f.kind() && f.kind() == header.kind)
            .ok_or_else(|| {
                ModelError::Data(format!(
                    "unknown model kind `{}` (this build reads: {})",
                    header.kind,
                    families()
                        .iter()
                        .filter(|f| f.saved_as() == f.kind())
                        .map(|f| f.kind())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        let model = family.load(file)?;
        let seen = match seen {
            Some((indptr, items)) => Some(Interactions::from_csr(
                Arc::clone(model.user_ids()),
                Arc::clone(model.item_ids()),
                indptr,
                items.clone(),
                vec![1.0; items.len()],
                None,
            )?),
            None => None,
        };
        Ok(LoadedModel {
            model,
            header,
            seen,
        })
    }
}

impl Recommender for TrainedModel {
    fn kind(&self) -> &'static str {
        self.0.kind()
    }

    fn user_ids(&self) -> &Arc<IdMap> {
        self.0.user_ids()
    }

    fn item_ids(&self) -> &Arc<IdMap> {
        self.0.item_ids()
    }

    fn score_into(&self, user: UserIdx, out: &mut [f32]) {
        self.0.score_into(user, out)
    }

    fn score_users_into(&self, users: &[UserIdx], out: &mut [f32]) {
        self.0.score_users_into(users, out)
    }

    fn predict(&self, user: UserIdx, item: ItemIdx) -> f32 {
        self.0.predict(user, item)
    }

    fn predict_raw(&self, user: &str, item: &str) -> (f32, bool, bool) {
        self.0.predict_raw(user, item)
    }

    fn recommend(&self, user: UserIdx, n: usize, exclude: &Exclusion<'_>) -> Vec<(ItemIdx, f32)> {
        self.0.recommend(user, n, exclude)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;

    /// Regression: a top-popularity model fitted on no interactions and recommended
    /// nothing in particular. Every kind refuses, naming itself.
    #[test]
    fn every_kind_refuses_training_data_without_interactions() {
        let ids = |n: i64| Arc::new(rustrec_data::IdMap::from_ints(0..n).unwrap());
        let empty =
            Interactions::from_csr(ids(3), ids(4), vec![0; 4], Vec::new(), Vec::new(), None)
                .unwrap();
        for family in families() {
            let spec = ModelSpec::new(family.kind()).unwrap();
            let content: Vec<Vec<ItemContent>> =
                spec.content_files().iter().map(|_| Vec::new()).collect();
            let mut ctx = FitContext::new(0, rustrec_core::Threads::single());
            let err = match spec.fit_with_content(&empty, &content, &mut ctx) {
                Ok(_) => panic!("{} trained on no interactions", family.kind()),
                Err(e) => e.to_string(),
            };
            assert!(
                err.contains("no interactions")
                    && err.contains(&format!("`{}`", family.kind()))
                    && err.contains("3 users, 4 items"),
                "{err}"
            );
        }
    }

    /// A tagged parameter given by its kind's name alone is that kind with its defaults;
    /// a bad name is refused with the list of kinds.
    #[test]
    fn a_tagged_parameter_can_be_given_by_name() {
        let spec = |v: serde_json::Value| ModelSpec::from_json(v).map(|s| s.to_json());
        let named = spec(json!({"kind": "mf", "optimizer": "adam", "schedule": "constant"}));
        let tabled = spec(
            json!({"kind": "mf", "optimizer": {"kind": "adam"}, "schedule": {"kind": "constant"}}),
        );
        let named = named.unwrap();
        assert_eq!(named, tabled.unwrap());
        assert_ne!(
            named,
            spec(json!({"kind": "mf"})).unwrap(),
            "adam is not the default"
        );
        let err = spec(json!({"kind": "mf", "optimizer": "one-cycle"}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("one-cycle") && err.contains("adam"), "{err}");
        // A plain string parameter is left alone.
        let err = spec(json!({"kind": "mf", "layout": "diagonal"}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("diagonal"), "{err}");
    }
}
