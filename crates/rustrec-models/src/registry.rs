//! The one place that lists every model kind: [`ModelSpec`] (parameters of any model, as
//! written in experiment configs) and [`TrainedModel`] (any trained model).

use std::sync::Arc;

use rustrec_data::{IdMap, Interactions, ItemIdx, UserIdx};
use serde::{Deserialize, Serialize};

use rustrec_data::content::ItemContent;

use crate::als::{AlsModel, AlsParams};
use crate::asysvd::{AsySvdModel, AsySvdParams};
use crate::baseline::{RandomModel, RandomParams, TopPopModel, TopPopParams};
use crate::bpmf::BpmfParams;
use crate::bpr::{BprModel, BprParams};
use crate::ease::{EaseModel, EaseParams};
use crate::error::{ModelError, Result};
use crate::fit::{Fit, FitContext};
use crate::hybrid::HybridParams;
use crate::knn::{ContentFiles, ItemItemModel, ItemKnnCbfParams, ItemKnnParams};
use crate::mf::{MfModel, MfParams};
use crate::recommender::{FoldIn, Recommender};
use crate::slim::SlimMseParams;

/// Parameters of any model, tagged by `kind` (as in a config's `[model]` table).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ModelSpec {
    /// Biased matrix factorization for ratings.
    Mf(MfParams),
    /// Bayesian MF sampled by Gibbs sampling (its model is an MF model).
    Bpmf(BpmfParams),
    /// SLIM with the squared error, trained by SGD (the course notebook).
    SlimMse(SlimMseParams),
    /// ItemKNN collaborative filtering.
    ItemKnn(ItemKnnParams),
    /// ItemKNN content-based filtering (needs item content: see
    /// [`ModelSpec::fit_with_content`]).
    ItemKnnCbf(ItemKnnCbfParams),
    /// Weighted sum of item × item matrices with weights learned on validation data.
    Hybrid(HybridParams),
    /// Implicit-feedback MF with a pairwise loss: `loss = "bpr"` (BPR-MF) or `"warp"`
    /// (WARP-MF), one kind for both.
    Bpr(BprParams),
    /// Items by training popularity.
    TopPop(TopPopParams),
    /// A seeded random order per user.
    Random(RandomParams),
    /// EASE^R, the closed-form item-item model (Steck 2019).
    Ease(EaseParams),
    /// Asymmetric SVD on user profiles (Koren 2008).
    #[serde(rename = "asysvd")]
    AsySvd(AsySvdParams),
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
            ModelSpec::Bpmf(_) => "bpmf",
            ModelSpec::Ease(_) => crate::ease::KIND,
            ModelSpec::AsySvd(_) => crate::asysvd::KIND,
            ModelSpec::Als(_) => "als",
            ModelSpec::Ials(_) => "ials",
            ModelSpec::Bpr(_) => "bpr",
            ModelSpec::TopPop(_) => "top-pop",
            ModelSpec::Random(_) => "random",
            ModelSpec::SlimMse(_) => crate::slim::KIND,
            ModelSpec::ItemKnn(_) => crate::knn::CF_KIND,
            ModelSpec::ItemKnnCbf(_) => crate::knn::CBF_KIND,
            ModelSpec::Hybrid(_) => crate::hybrid::KIND,
        }
    }

    /// What the model is for.
    pub fn task(&self) -> Task {
        match self {
            ModelSpec::Mf(_) | ModelSpec::Bpmf(_) | ModelSpec::Als(_) => Task::Rating,
            _ => Task::Ranking,
        }
    }

    /// Number of epochs (or iterations) the model trains for, if it trains iteratively.
    pub fn epochs(&self) -> Option<usize> {
        match self {
            ModelSpec::Mf(p) => Some(p.epochs),
            ModelSpec::Bpmf(p) => Some(p.iterations),
            ModelSpec::Ease(_) => None,
            ModelSpec::AsySvd(p) => Some(p.epochs),
            ModelSpec::Als(p) | ModelSpec::Ials(p) => Some(p.iterations),
            ModelSpec::Bpr(p) => Some(p.epochs),
            ModelSpec::TopPop(_) | ModelSpec::Random(_) => None,
            ModelSpec::SlimMse(p) => Some(p.epochs),
            ModelSpec::ItemKnn(_) | ModelSpec::ItemKnnCbf(_) | ModelSpec::Hybrid(_) => None,
        }
    }

    /// The same parameters with `epochs` epochs (for refitting after early stopping).
    pub fn with_epochs(&self, epochs: usize) -> Self {
        match self {
            ModelSpec::Mf(p) => ModelSpec::Mf(p.clone().epochs(epochs)),
            // At least one sweep past the burn-in, so that the refit keeps a sample.
            ModelSpec::Bpmf(p) => ModelSpec::Bpmf(p.clone().iterations(epochs.max(p.burn_in + 1))),
            ModelSpec::Ease(p) => ModelSpec::Ease(p.clone()),
            ModelSpec::AsySvd(p) => ModelSpec::AsySvd(p.clone().epochs(epochs)),
            ModelSpec::Als(p) => ModelSpec::Als(p.clone().iterations(epochs)),
            ModelSpec::Ials(p) => ModelSpec::Ials(p.clone().iterations(epochs)),
            ModelSpec::Bpr(p) => ModelSpec::Bpr(p.clone().epochs(epochs)),
            ModelSpec::TopPop(_) | ModelSpec::Random(_) => self.clone(),
            ModelSpec::SlimMse(p) => ModelSpec::SlimMse(p.clone().epochs(epochs)),
            other => other.clone(),
        }
    }

    /// Checks the parameters (naming the first bad one) without training.
    pub fn check(&self) -> Result<()> {
        match self {
            ModelSpec::Mf(p) => p.check().map(|_| ()),
            ModelSpec::Bpmf(p) => p.check().map(|_| ()),
            ModelSpec::Ease(p) => p.check().map(|_| ()),
            ModelSpec::AsySvd(p) => p.check().map(|_| ()),
            ModelSpec::Als(_) | ModelSpec::Ials(_) => {
                self.als_params().unwrap_or_default().check().map(|_| ())
            }
            ModelSpec::Bpr(p) => p.check().map(|_| ()),
            ModelSpec::TopPop(_) | ModelSpec::Random(_) => Ok(()),
            ModelSpec::SlimMse(p) => p.check().map(|_| ()),
            ModelSpec::ItemKnn(p) => p.check().map(|_| ()),
            ModelSpec::ItemKnnCbf(p) => p.check().map(|_| ()),
            ModelSpec::Hybrid(p) => p.check().map(|_| ()),
        }
    }

    /// The item-content files the model needs, in the order
    /// [`ModelSpec::fit_with_content`] takes their matrices (empty for pure CF models).
    pub fn content_files(&self) -> Vec<ContentFiles> {
        match self {
            ModelSpec::ItemKnnCbf(p) => vec![p.content_files()],
            ModelSpec::Hybrid(p) => p.content_files(),
            _ => Vec::new(),
        }
    }

    /// Reads the item content the model needs from `data_dir`, over the item id map of the
    /// training data: one list of [`ItemContent`] matrices per entry of
    /// [`ModelSpec::content_files`]. This is how a runner supplies content:
    /// `let content = spec.load_content(dir, train.item_ids())?;
    /// spec.fit_with_content(&train, &content, &mut ctx)`.
    pub fn load_content(
        &self,
        data_dir: &std::path::Path,
        items: &IdMap,
    ) -> Result<Vec<Vec<ItemContent>>> {
        self.content_files()
            .iter()
            .map(|f| f.load(data_dir, items))
            .collect()
    }

    /// Checks the parameters and trains on `train`. Models that need item content
    /// (non-empty [`ModelSpec::content_files`]) fail here: use
    /// [`ModelSpec::fit_with_content`].
    pub fn fit(&self, train: &Interactions, ctx: &mut FitContext<'_>) -> Result<TrainedModel> {
        self.fit_with_content(train, &[], ctx)
    }

    /// Checks the parameters and trains on `train`, with `content[m]` the matrices of
    /// `content_files()[m]` (from [`ModelSpec::load_content`]); models without content
    /// ignore it.
    pub fn fit_with_content(
        &self,
        train: &Interactions,
        content: &[Vec<ItemContent>],
        ctx: &mut FitContext<'_>,
    ) -> Result<TrainedModel> {
        let wanted = self.content_files().len();
        if content.len() != wanted {
            return Err(ModelError::Data(format!(
                "model kind `{}` needs {wanted} item-content set(s), {} given (read them with \
                 ModelSpec::load_content)",
                self.kind(),
                content.len()
            )));
        }
        Ok(match self {
            ModelSpec::Mf(p) => TrainedModel::Mf(p.check()?.fit(train, ctx)?),
            ModelSpec::Bpmf(p) => TrainedModel::Mf(p.check()?.fit(train, ctx)?),
            ModelSpec::Ease(p) => TrainedModel::Ease(p.check()?.fit(train, ctx)?),
            ModelSpec::AsySvd(p) => TrainedModel::AsySvd(p.check()?.fit(train, ctx)?),
            ModelSpec::Als(_) | ModelSpec::Ials(_) => TrainedModel::Als(
                self.als_params()
                    .unwrap_or_default()
                    .check()?
                    .fit(train, ctx)?,
            ),
            ModelSpec::Bpr(p) => TrainedModel::Bpr(p.check()?.fit(train, ctx)?),
            ModelSpec::TopPop(p) => TrainedModel::TopPop(p.fit(train, ctx)?),
            ModelSpec::Random(p) => TrainedModel::Random(p.fit(train, ctx)?),
            ModelSpec::SlimMse(p) => TrainedModel::ItemItem(p.check()?.fit(train, ctx)?),
            ModelSpec::ItemKnn(p) => TrainedModel::ItemItem(p.check()?.fit(train, ctx)?),
            ModelSpec::ItemKnnCbf(p) => {
                TrainedModel::ItemItem(p.check()?.fit_with_content(train, &content[0], ctx)?)
            }
            ModelSpec::Hybrid(p) => {
                TrainedModel::ItemItem(p.check()?.fit_with_content(train, content, ctx)?)
            }
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
    /// EASE^R.
    Ease(EaseModel),
    /// Asymmetric SVD.
    AsySvd(AsySvdModel),
    /// Alternating least squares (explicit or implicit).
    Als(AlsModel),
    /// BPR-MF or WARP-MF.
    Bpr(BprModel),
    /// The popularity baseline.
    TopPop(TopPopModel),
    /// The random baseline.
    Random(RandomModel),
    /// Any item-based model (SLIM-MSE, ItemKNN-CF, ItemKNN-CBF, hybrid): its `kind` says
    /// which.
    ItemItem(ItemItemModel),
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
        let mut file = self.to_model_file()?;
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
            crate::ease::KIND => TrainedModel::Ease(EaseModel::from_model_file(file)?),
            crate::asysvd::KIND => TrainedModel::AsySvd(AsySvdModel::from_model_file(file)?),
            crate::als::KIND => TrainedModel::Als(AlsModel::from_model_file(file)?),
            crate::bpr::KIND => TrainedModel::Bpr(BprModel::from_model_file(file)?),
            crate::baseline::TOP_POP_KIND => {
                TrainedModel::TopPop(TopPopModel::from_model_file(file)?)
            }
            crate::baseline::RANDOM_KIND => {
                TrainedModel::Random(RandomModel::from_model_file(file)?)
            }
            k if crate::knn::ITEM_ITEM_KINDS.contains(&k) => {
                TrainedModel::ItemItem(ItemItemModel::from_model_file(file)?)
            }
            other => {
                return Err(crate::ModelError::Data(format!(
                    "{}: unknown model kind `{other}` (this build knows: mf, ease, asysvd, als, ials, bpr, top-pop, random, {})",
                    path.as_ref().display(),
                    crate::knn::ITEM_ITEM_KINDS.join(", ")
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

    /// The model's tensors, id maps and header `params` as a model file (what
    /// [`TrainedModel::save`] writes, before the training summary and seen items).
    pub fn to_model_file(&self) -> Result<rustrec_io::ModelFile> {
        Ok(match self {
            TrainedModel::Mf(m) => m.to_model_file()?,
            TrainedModel::Ease(m) => m.to_model_file()?,
            TrainedModel::AsySvd(m) => m.to_model_file()?,
            TrainedModel::Als(m) => m.to_model_file()?,
            TrainedModel::Bpr(m) => m.to_model_file()?,
            TrainedModel::TopPop(m) => m.to_model_file()?,
            TrainedModel::Random(m) => m.to_model_file()?,
            TrainedModel::ItemItem(m) => m.to_model_file()?,
        })
    }

    /// The model as a [`Recommender`].
    pub fn as_recommender(&self) -> &dyn Recommender {
        match self {
            TrainedModel::Mf(m) => m,
            TrainedModel::Ease(m) => m,
            TrainedModel::AsySvd(m) => m,
            TrainedModel::Als(m) => m,
            TrainedModel::Bpr(m) => m,
            TrainedModel::TopPop(m) => m,
            TrainedModel::Random(m) => m,
            TrainedModel::ItemItem(m) => m,
        }
    }

    /// The model as a [`FoldIn`] scorer of new users' histories, if its family has one.
    pub fn as_fold_in(&self) -> Option<&dyn FoldIn> {
        match self {
            TrainedModel::Mf(m) => Some(m),
            TrainedModel::Ease(m) => Some(m),
            TrainedModel::AsySvd(m) => Some(m),
            TrainedModel::Als(m) => Some(m),
            TrainedModel::ItemItem(m) => Some(m),
            TrainedModel::Bpr(m) => Some(m),
            TrainedModel::TopPop(_) | TrainedModel::Random(_) => None,
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
