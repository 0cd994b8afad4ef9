//! Asymmetric SVD (Koren 2008, "Factorization meets the neighborhood", §3) as the course
//! notebook trains it: a user is represented only by the items they interacted with.
//!
//! # The model
//! Two item factor tables, `V₁` (n_items × k, the "implicit" or profile factors `y_j`) and
//! `V₂` (n_items × k, the item factors `q_i`; the notebook's k × n_items matrix stored by
//! rows). A user's representation is
//!
//! ```text
//! p_u = |I(u)|^(−½) · Σ_{j ∈ I(u)} r_uj · V₁[j]      (the normalisation is optional)
//! ```
//!
//! and the scores are `r̂_u = p_u · V₂ᵀ` — the notebook's `einsum("ui,ik,kj->uj", R, V₁, V₂)`.
//! No parameter belongs to a user, so the model scores a user absent from training from
//! their history ([`crate::FoldIn`]).
//!
//! # Training ([`kernel`], [`train`](self))
//! Epochs walk the users in a fresh seeded order, `batch_size` users per step. For each
//! user of a batch the trainer draws `negatives` unobserved items per observed one (target
//! 0) and predicts the observed items (target `r_ui`, or 1 when implicit) and the negatives;
//! the batch loss is the mean squared error over its `S` predictions,
//! `L = (1/S) Σ_s (r̂_s − r_s)²`. Its gradients, with `e_s = 2(r̂_s − r_s)/S`:
//!
//! ```text
//! ∂L/∂V₂[i] = Σ_{s: item i} e_s · p_u
//! ∂L/∂V₁[j] = Σ_{u ∋ j} |I(u)|^(−½) r_uj · Σ_{s of u} e_s · V₂[i_s]
//! ```
//!
//! Users of a batch are processed in parallel (each writes only its own buffers); their
//! gradients are then summed into the two gradient tables in batch order, and the
//! optimizer (Adam by default, weight decay `reg` on touched rows) updates the touched rows
//! in parallel, one row per task. Every random draw comes from a stream keyed by
//! (seed, epoch, user), so a fit is reproduced bit for bit for a seed, whatever the
//! thread count.

mod family;
mod hyperparams;
pub mod kernel;
mod model;
mod persist;
mod train;

pub use family::AsySvd;
pub use hyperparams::{AsySvdParams, AsySvdValidParams};
pub use model::AsySvdModel;
pub use persist::SCHEMA;
