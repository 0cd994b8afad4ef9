//! ItemKNN content-based filtering: items are vectors of their content features (genres,
//! release years, tags: [`ItemContent`] matrices, concatenated), `S` keeps each item's `k`
//! most similar items, and `r̂_ui = Σ_{j ∈ I(u)} r_uj · S[j, i]`.
//!
//! Because `S` comes from content, an item nobody rated in training still has neighbours
//! and gets scores (the cold-item case), and the matrix can be mixed with a CF one
//! ([`crate::hybrid`]).
//!
//! **How the runner supplies the content.** The parameters name the files relative to the
//! data directory (`item_file = "movies.dat"`, optional `tags_file = "tags.dat"`) and the
//! feature families (`features = ["genres", "years"]`). The caller reads them with
//! [`ContentFiles::load`] over the training data's item id map and passes the matrices to
//! [`ItemKnnCbfValidParams::fit_with_content`] (or `ModelSpec::fit_with_content`); a plain
//! [`crate::Fit`] is not offered because the interactions alone do not hold the content.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use rustrec_data::content::{ItemContent, check_item_file, read_movies, read_tags};
use rustrec_data::{IdMap, Interactions};

use super::matrix::SimilarityMatrix;
use super::model::ItemItemModel;
use super::similarity::{OwnedRows, Similarity, SimilarityParams, default_shrink, item_similarity};
use crate::error::{ModelError, Result};
use crate::model_file::params_value;
use crate::params::{Hyperparams, Rule, hyperparams};
use rustrec_core::FitContext;

/// A family of content features.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Feature {
    /// Binary genre indicators (from the item file).
    Genres,
    /// One-hot release year (from the titles of the item file).
    Years,
    /// Tag counts (from the tags file).
    Tags,
}

/// Where the content comes from, relative to the data directory.
///
/// | Name | Default | Range | Purpose |
/// |---|---|---|---|
/// | `item_file` | `movies.dat` | a file name | `u.item`, `movies.dat` or `movies.csv` (genres, years) |
/// | `tags_file` | none | a file name | `tags.dat` or `tags.csv` (needed by `tags`) |
/// | `features` | `["genres"]` | genres, years, tags | feature families, concatenated |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContentFiles {
    /// Movie metadata file.
    pub item_file: String,
    /// Tag file, if tags are used.
    pub tags_file: Option<String>,
    /// Feature families to use.
    pub features: Vec<Feature>,
}

crate::params::self_checked!(Feature => names);

impl Default for ContentFiles {
    fn default() -> Self {
        ContentFiles {
            item_file: "movies.dat".into(),
            tags_file: None,
            features: vec![Feature::Genres],
        }
    }
}

impl ContentFiles {
    /// Checks that some feature is asked for and that tags come with a tag file.
    pub fn check(&self) -> Result<()> {
        if self.features.is_empty() {
            return Err(ModelError::invalid(
                "features",
                "[]",
                "at least one of genres, years, tags",
            ));
        }
        if self.features.contains(&Feature::Tags) && self.tags_file.is_none() {
            return Err(ModelError::invalid(
                "tags_file",
                "none",
                "a tag file (tags.dat, tags.csv) when features include tags",
            ));
        }
        Ok(())
    }

    /// Reads the files from `data_dir` and builds one [`ItemContent`] per feature family
    /// over `items` (the training data's item id map). The movie file must belong to the
    /// training data ([`check_item_file`]: the release that goes with `ratings_format`, the
    /// format the ratings were read in when known, and the share of `items` it describes).
    pub fn load(
        &self,
        data_dir: &Path,
        items: &IdMap,
        ratings_format: Option<&str>,
    ) -> Result<Vec<ItemContent>> {
        self.check()?;
        let needs_movies = self
            .features
            .iter()
            .any(|f| matches!(f, Feature::Genres | Feature::Years));
        let movies = if needs_movies {
            let path = existing_content_file(data_dir, "item_file", &self.item_file)?;
            let movies = read_movies(&path)?;
            check_item_file(&path, &movies, items, ratings_format)?;
            movies
        } else {
            Vec::new()
        };
        let mut out = Vec::with_capacity(self.features.len());
        for f in &self.features {
            out.push(match f {
                Feature::Genres => ItemContent::genres(&movies, items),
                Feature::Years => ItemContent::years(&movies, items),
                Feature::Tags => {
                    let file = self.tags_file.as_deref().unwrap_or("tags.dat");
                    let path = existing_content_file(data_dir, "tags_file", file)?;
                    ItemContent::tags(&read_tags(path)?, items)
                }
            });
        }
        Ok(out)
    }
}

/// The path of content file `file` (the value of `model.KEY`) in `data_dir`, or an error
/// that names the key, the path looked for and how to give another: an item file is
/// read from the data directory, which with `--train`/`--test` is the working directory,
/// so a missing one is most often one the user never meant to give.
fn existing_content_file(data_dir: &Path, key: &'static str, file: &str) -> Result<PathBuf> {
    let path = data_dir.join(file);
    if path.is_file() {
        return Ok(path);
    }
    let flag = if key == "item_file" {
        "--item-file FILE or "
    } else {
        ""
    };
    Err(ModelError::Data(format!(
        "model.{key} = {file:?}: {} is not a file; this model reads item content from the \
         data directory (--data-dir, or the working directory); give {flag}--set \
         model.{key}=PATH",
        path.display()
    )))
}

hyperparams! {
    /// ItemKNN-CBF parameters: the similarity fields of [`SimilarityParams`] and the content
    /// fields of [`ContentFiles`] (tables of names, defaults and ranges there), in one flat
    /// table.
    pub struct ItemKnnCbfParams {
        similarity: Similarity = Similarity::Cosine, Rule::Choice("cosine, jaccard, asymmetric-cosine, dot"),
            "The measure.";
        neighbours: usize = 100, Rule::at_least(1),
            "k: neighbours kept per target item.";
        shrink: Option<f32> = None, Rule::NonNegative,
            "h, added to the denominator (damps similarities of rare items); none: 10, or 0 for dot (no denominator; dot refuses any other).";
        alpha: f32 = 0.5, Rule::Between(0.0, 1.0),
            "Exponent of the asymmetric cosine (only asymmetric-cosine uses it).";
        item_file: String = "movies.dat".into(), Rule::Own("a MovieLens item file (u.item, movies.dat, movies.csv), relative to the data directory"),
            "Item file with genres and titles (fit --item-file sets it).";
        tags_file: Option<String> = None, Rule::Own("a tag file (tags.dat, tags.csv), needed for tags"),
            "Tag file, if tags are used.";
        features: Vec<Feature> = vec![Feature::Genres], Rule::Choice("genres, years, tags (at least one)"),
            "Feature families to use.";
    }
}

impl ItemKnnCbfParams {
    /// Parameters from a similarity and a content description.
    pub fn from_parts(s: &SimilarityParams, c: &ContentFiles) -> Self {
        ItemKnnCbfParams {
            similarity: s.similarity,
            neighbours: s.neighbours,
            shrink: Some(s.shrink),
            alpha: s.alpha,
            item_file: c.item_file.clone(),
            tags_file: c.tags_file.clone(),
            features: c.features.clone(),
        }
    }

    /// The similarity part.
    pub fn similarity_params(&self) -> SimilarityParams {
        SimilarityParams {
            similarity: self.similarity,
            neighbours: self.neighbours,
            shrink: self.shrink.unwrap_or(default_shrink(self.similarity)),
            alpha: self.alpha,
            ..SimilarityParams::default()
        }
    }

    /// The content part.
    pub fn content_files(&self) -> ContentFiles {
        ContentFiles {
            item_file: self.item_file.clone(),
            tags_file: self.tags_file.clone(),
            features: self.features.clone(),
        }
    }
}

/// Checked [`ItemKnnCbfParams`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ItemKnnCbfValidParams(pub(crate) ItemKnnCbfParams);

impl ItemKnnCbfParams {
    /// Validates the parameters.
    pub fn check(&self) -> Result<ItemKnnCbfValidParams> {
        self.check_ranges()?;
        self.similarity_params().check()?;
        self.content_files().check()?;
        if self.similarity == Similarity::AdjustedCosine {
            // Centring by feature mean is meaningless for indicator features.
            return Err(ModelError::invalid(
                "similarity",
                "adjusted-cosine",
                "cosine, jaccard, asymmetric-cosine or dot for content",
            ));
        }
        Ok(ItemKnnCbfValidParams(self.clone()))
    }
}

/// The item × feature matrices side by side (feature indices offset), as CSR by item.
pub fn concatenate(content: &[ItemContent], n_items: usize) -> Result<OwnedRows> {
    for c in content {
        if c.n_items() != n_items {
            return Err(ModelError::Data(format!(
                "item content `{}` has {} items, the interactions {n_items}",
                c.kind(),
                c.n_items()
            )));
        }
    }
    let mut out = OwnedRows {
        indptr: Vec::with_capacity(n_items + 1),
        indices: Vec::new(),
        values: Vec::new(),
    };
    out.indptr.push(0);
    for i in 0..n_items {
        let mut offset = 0u32;
        for c in content {
            let (f, v) = c.row(rustrec_data::ItemIdx(i as u32));
            out.indices.extend(f.iter().map(|&f| f + offset));
            out.values.extend_from_slice(v);
            offset += c.n_features() as u32;
        }
        out.indptr.push(out.indices.len());
    }
    Ok(out)
}

/// The top-`k` content similarity of `n_items` items (on the current rayon pool).
pub fn content_similarity(
    content: &[ItemContent],
    n_items: usize,
    params: &SimilarityParams,
) -> Result<SimilarityMatrix> {
    let items = concatenate(content, n_items)?;
    let n_features = content.iter().map(|c| c.n_features()).sum();
    let features = OwnedRows::transpose(items.view(), n_features);
    Ok(item_similarity(items.view(), features.view(), params))
}

impl ItemKnnCbfValidParams {
    /// The parameters.
    pub fn params(&self) -> &ItemKnnCbfParams {
        &self.0
    }

    /// Trains on `train` (for the profiles) with the content matrices `content` (in the item
    /// id space of `train`, as [`ContentFiles::load`] gives them).
    pub fn fit_with_content(
        &self,
        train: &Interactions,
        content: &[ItemContent],
        ctx: &mut FitContext<'_>,
    ) -> Result<ItemItemModel> {
        if content.is_empty() {
            return Err(ModelError::Data(
                "item-knn-cbf needs item content: read it with ContentFiles::load and fit with \
                 fit_with_content"
                    .into(),
            ));
        }
        let started = std::time::Instant::now();
        let sim = ctx.threads.install(|| {
            content_similarity(content, train.n_items(), &self.0.similarity_params())
        })?;
        ctx.profile.update += started.elapsed().as_secs_f64();
        // The file records the shrink term used, also when it was left to the default.
        let params = params_value(&ItemKnnCbfParams {
            shrink: Some(self.0.similarity_params().shrink),
            ..self.0.clone()
        })?;
        Ok(ItemItemModel::new(
            <super::ItemKnnCbf as crate::family::Family>::KIND,
            params,
            train,
            sim,
        ))
    }
}

#[cfg(test)]
mod tests {
    use rustrec_data::content::MovieRecord;
    use rustrec_data::{ItemIdx, UserIdx};

    use super::*;
    use rustrec_core::Recommender;

    fn movie(id: i64, genres: &[&str]) -> MovieRecord {
        MovieRecord {
            id,
            title: format!("M{id} (1999)"),
            genres: genres.iter().map(|g| g.to_string()).collect(),
            year: Some(1999),
        }
    }

    /// A missing item or tag file was reported as the reader's bare "./movies.dat: no such
    /// file", which names neither the key that chose it nor how to give another.
    #[test]
    fn a_missing_content_file_names_its_key_the_path_and_how_to_give_one() {
        let dir = std::env::temp_dir().join(format!("rustrec-cbf-missing-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let train = Interactions::from_index_triplets(1, 1, &[(0, 0, 1.0)]).unwrap();
        let err = ContentFiles::default()
            .load(&dir, train.item_ids(), None)
            .unwrap_err()
            .to_string();
        for part in [
            "model.item_file = \"movies.dat\"",
            "movies.dat is not a file",
            "--item-file FILE",
        ] {
            assert!(err.contains(part), "{part:?} not in: {err}");
        }
        let tags_only = ContentFiles {
            features: vec![Feature::Tags],
            tags_file: Some("tags.dat".into()),
            ..ContentFiles::default()
        };
        let err = tags_only
            .load(&dir, train.item_ids(), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("model.tags_file = \"tags.dat\""), "{err}");
        assert!(err.contains("--set model.tags_file=PATH"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_cold_item_is_scored_through_its_genres() {
        // Items 0, 1, 2; item 2 has no interactions but shares both genres with item 0.
        let train = Interactions::from_index_triplets(2, 3, &[(0, 0, 1.0), (1, 1, 1.0)]).unwrap();
        let movies = vec![
            movie(0, &["Comedy", "Drama"]),
            movie(1, &["Horror"]),
            movie(2, &["Comedy", "Drama"]),
        ];
        let content = vec![ItemContent::genres(&movies, train.item_ids())];
        let p = ItemKnnCbfParams {
            shrink: Some(0.0),
            ..Default::default()
        };
        let m = p
            .check()
            .unwrap()
            .fit_with_content(
                &train,
                &content,
                &mut FitContext::with_threads(1, 1).unwrap(),
            )
            .unwrap();
        // cos(0, 2) = 2 / (√2 √2) = 1; item 1 shares nothing.
        assert!((m.predict(UserIdx(0), ItemIdx(2)) - 1.0).abs() < 1e-6);
        assert_eq!(m.predict(UserIdx(0), ItemIdx(1)), 0.0);
        assert_eq!(m.predict(UserIdx(1), ItemIdx(2)), 0.0);
    }

    #[test]
    fn concatenation_offsets_the_second_family() {
        let train = Interactions::from_index_triplets(1, 2, &[(0, 0, 1.0)]).unwrap();
        let movies = vec![movie(0, &["A"]), movie(1, &["B"])];
        let g = ItemContent::genres(&movies, train.item_ids());
        let y = ItemContent::years(&movies, train.item_ids());
        let both = concatenate(&[g.clone(), y], 2).unwrap();
        assert_eq!(both.indptr, vec![0, 2, 4]);
        assert_eq!(
            both.indices,
            vec![0, g.n_features() as u32, 1, g.n_features() as u32]
        );
    }

    #[test]
    fn missing_content_and_tags_without_file_are_errors() {
        let train = Interactions::from_index_triplets(1, 1, &[(0, 0, 1.0)]).unwrap();
        let p = ItemKnnCbfParams::default().check().unwrap();
        let e = p
            .fit_with_content(&train, &[], &mut FitContext::with_threads(1, 1).unwrap())
            .unwrap_err();
        assert!(e.to_string().contains("needs item content"));
        let bad = ItemKnnCbfParams {
            features: vec![Feature::Tags],
            ..Default::default()
        };
        assert!(bad.check().unwrap_err().to_string().contains("tags_file"));
    }
}
