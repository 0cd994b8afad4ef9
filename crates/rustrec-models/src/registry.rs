//! The one place that lists every model kind: [`ModelSpec`] (parameters of any model, as
//! written in experiment configs) and [`TrainedModel`] (any trained model).

use std::sync::Arc;

use rustrec_data::{IdMap, Interactions, ItemIdx, UserIdx};
use serde::{Deserialize, Serialize};

use crate::als::{AlsModel, AlsParams};
use crate::error::Result;
use crate::fit::{Fit, FitContext};
use crate::mf::{MfModel, MfParams};
use crate::recommender::Recommender;

/// Parameters of any model, tagged by `kind` (as in a config's `[model]` table).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ModelSpec {
    /// Biased matrix factorization for ratings.
    Mf(MfParams),
    /// Explicit alternating least squares (weighted-λ, optional biases); `implicit` is
    /// ignored (always false).
    Als(AlsParams),
    /// Implicit alternating least squares (Hu, Koren & Volinsky); `implicit` is ignored
    /// (always true).
    Ials(AlsParams),
}

impl ModelSpec {
    /// ALS parameters with `implicit` set by the kind.
    fn als_params(&self) -> Option<AlsParams> {
        match self {
            ModelSpec::Als(p) => Some(p.clone().implicit(false)),
            ModelSpec::Ials(p) => Some(p.clone().implicit(true)),
            _ => None,
        }
    }
}

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec::Mf(MfParams::default())
    }
}

/// What a model family is for: predicting ratings or ranking items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// Predicts rating values (evaluated by RMSE/MAE by default).
    Rating,
    /// Ranks items (evaluated by ranking metrics by default).
    Ranking,
}

impl ModelSpec {
    /// The `kind` name.
    pub fn kind(&self) -> &'static str {
        match self {
            ModelSpec::Mf(_) => "mf",
            ModelSpec::Als(_) => "als",
            ModelSpec::Ials(_) => "ials",
        }
    }

    /// What the model is for.
    pub fn task(&self) -> Task {
        match self {
            ModelSpec::Mf(_) | ModelSpec::Als(_) => Task::Rating,
            ModelSpec::Ials(_) => Task::Ranking,
        }
    }

    /// Number of epochs (or iterations) the model trains for, if it trains iteratively.
    pub fn epochs(&self) -> Option<usize> {
        match self {
            ModelSpec::Mf(p) => Some(p.epochs),
            ModelSpec::Als(p) | ModelSpec::Ials(p) => Some(p.iterations),
        }
    }

    /// The same parameters with `epochs` epochs (for refitting after early stopping).
    pub fn with_epochs(&self, epochs: usize) -> Self {
        match self {
            ModelSpec::Mf(p) => ModelSpec::Mf(p.clone().epochs(epochs)),
            ModelSpec::Als(p) => ModelSpec::Als(p.clone().iterations(epochs)),
            ModelSpec::Ials(p) => ModelSpec::Ials(p.clone().iterations(epochs)),
        }
    }

    /// Checks the parameters (naming the first bad one) without training.
    pub fn check(&self) -> Result<()> {
        match self {
            ModelSpec::Mf(p) => p.check().map(|_| ()),
            ModelSpec::Als(_) | ModelSpec::Ials(_) => {
                self.als_params().unwrap_or_default().check().map(|_| ())
            }
        }
    }

    /// Checks the parameters and trains on `train`.
    pub fn fit(&self, train: &Interactions, ctx: &mut FitContext<'_>) -> Result<TrainedModel> {
        Ok(match self {
            ModelSpec::Mf(p) => TrainedModel::Mf(p.check()?.fit(train, ctx)?),
            ModelSpec::Als(_) | ModelSpec::Ials(_) => TrainedModel::Als(
                self.als_params()
                    .unwrap_or_default()
                    .check()?
                    .fit(train, ctx)?,
            ),
        })
    }
}

/// A model read from a file.
#[derive(Debug)]
pub struct LoadedModel {
    /// The model.
    pub model: TrainedModel,
    /// The file's header (kind, version, parameters, training summary, data fingerprint).
    pub header: rustrec_io::Header,
    /// Every user's training items (values 1), when the file stores them.
    pub seen: Option<Interactions>,
}

/// Takes the stored seen-item lists out of a model file, if present.
fn seen_from_file(file: &mut rustrec_io::ModelFile) -> Result<Option<(Vec<usize>, Vec<u32>)>> {
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

/// Any trained model.
// One model per process at a time: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum TrainedModel {
    /// Biased matrix factorization.
    Mf(MfModel),
    /// Alternating least squares (explicit or implicit).
    Als(AlsModel),
}

impl TrainedModel {
    /// Writes the model to `path` atomically (temp file + rename) in the versioned rustrec
    /// format, with the fingerprint of its training data, a summary of its training, and
    /// the training interactions' item lists (`seen_indptr`, `seen_items`) so that
    /// recommendations from the file alone can leave out what each user has seen.
    pub fn save(
        &self,
        path: impl AsRef<std::path::Path>,
        train: &Interactions,
        training: serde_json::Value,
    ) -> Result<()> {
        let mut file = match self {
            TrainedModel::Mf(m) => m.to_model_file()?,
            TrainedModel::Als(m) => m.to_model_file()?,
        };
        file.header.data_fingerprint = train.fingerprint();
        file.header.training = training;
        if train.n_users() == file.user_ids.len() && train.n_items() == file.item_ids.len() {
            let indptr: Vec<u64> = train.user_ptr().iter().map(|&p| p as u64).collect();
            file.insert("seen_indptr", rustrec_io::Tensor::vector(indptr))?;
            file.insert(
                "seen_items",
                rustrec_io::Tensor::vector(train.item_indices().to_vec()),
            )?;
        }
        rustrec_io::write_model(path, &file)?;
        Ok(())
    }

    /// Reads a model written by [`TrainedModel::save`] (of any supported format version):
    /// the model, the file's header and, when stored, the training items of every user.
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<LoadedModel> {
        let mut file = rustrec_io::read_model(path.as_ref())?;
        let header = file.header.clone();
        let seen = seen_from_file(&mut file)?;
        let model = match header.kind.as_str() {
            crate::mf::KIND => TrainedModel::Mf(MfModel::from_model_file(file)?),
            crate::als::KIND => TrainedModel::Als(AlsModel::from_model_file(file)?),
            other => {
                return Err(crate::ModelError::Data(format!(
                    "{}: unknown model kind `{other}` (this build knows: mf, als)",
                    path.as_ref().display()
                )));
            }
        };
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

    /// The model as a [`Recommender`].
    pub fn as_recommender(&self) -> &dyn Recommender {
        match self {
            TrainedModel::Mf(m) => m,
            TrainedModel::Als(m) => m,
        }
    }
}

impl Recommender for TrainedModel {
    fn kind(&self) -> &'static str {
        self.as_recommender().kind()
    }

    fn user_ids(&self) -> &Arc<IdMap> {
        self.as_recommender().user_ids()
    }

    fn item_ids(&self) -> &Arc<IdMap> {
        self.as_recommender().item_ids()
    }

    fn score_into(&self, user: UserIdx, out: &mut [f32]) {
        self.as_recommender().score_into(user, out)
    }

    fn predict(&self, user: UserIdx, item: ItemIdx) -> f32 {
        self.as_recommender().predict(user, item)
    }

    fn predict_raw(&self, user: &str, item: &str) -> (f32, bool, bool) {
        self.as_recommender().predict_raw(user, item)
    }

    fn recommend(
        &self,
        user: UserIdx,
        n: usize,
        exclude: &crate::Exclusion<'_>,
    ) -> Vec<(ItemIdx, f32)> {
        self.as_recommender().recommend(user, n, exclude)
    }
}
