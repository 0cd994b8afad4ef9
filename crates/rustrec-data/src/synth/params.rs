//! [`SynthParams`]: the shape of a synthetic data set, with MovieLens-like presets.

use crate::error::{DataError, Result};

/// The rating scale of generated values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RatingScale {
    /// Whole stars 1, 2, 3, 4, 5 (MovieLens 100K and 1M).
    OneToFive,
    /// Half stars 0.5, 1, …, 5 (MovieLens 10M and later).
    HalfStars,
}

impl RatingScale {
    /// Smallest value of the scale.
    pub fn min(self) -> f32 {
        match self {
            RatingScale::OneToFive => 1.0,
            RatingScale::HalfStars => 0.5,
        }
    }

    /// Largest value of the scale.
    pub fn max(self) -> f32 {
        5.0
    }

    /// Distance between two neighbouring values.
    pub fn step(self) -> f32 {
        match self {
            RatingScale::OneToFive => 1.0,
            RatingScale::HalfStars => 0.5,
        }
    }

    /// The nearest value of the scale to `x` (clipped to the ends; NaN maps to the minimum).
    #[inline]
    pub fn quantize(self, x: f32) -> f32 {
        let step = self.step();
        let v = (x / step).round() * step;
        v.clamp(self.min(), self.max()).max(self.min())
    }

    /// Whether `v` is a value of the scale.
    pub fn contains(self, v: f32) -> bool {
        v >= self.min() && v <= self.max() && (v / self.step()).fract() == 0.0
    }
}

impl std::str::FromStr for RatingScale {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "1-5" | "one-to-five" | "stars" => Ok(Self::OneToFive),
            "half-stars" | "0.5-5" => Ok(Self::HalfStars),
            other => Err(DataError::invalid_parameter(
                "scale",
                other,
                "one of 1-5, half-stars",
            )),
        }
    }
}

/// A MovieLens release whose shape a preset copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// MovieLens 100K: 943 users, 1,682 items, 100,000 ratings 1-5.
    Ml100k,
    /// MovieLens 1M: 6,040 users, 3,706 items, 1,000,209 ratings 1-5.
    Ml1m,
    /// MovieLens 10M: 69,878 users, 10,681 items, 10,000,054 half-star ratings.
    Ml10m,
    /// MovieLens 20M: 138,493 users, 26,744 items, 20,000,263 half-star ratings.
    Ml20m,
    /// The Netflix Prize training set: 480,189 users, 17,770 items, 100,480,507 ratings 1-5.
    Netflix,
}

impl Preset {
    /// The name used on the command line (`ml-100k`, …).
    pub fn name(self) -> &'static str {
        match self {
            Preset::Ml100k => "ml-100k",
            Preset::Ml1m => "ml-1m",
            Preset::Ml10m => "ml-10m",
            Preset::Ml20m => "ml-20m",
            Preset::Netflix => "netflix",
        }
    }
}

impl std::str::FromStr for Preset {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "ml-100k" | "ml100k" | "100k" => Ok(Self::Ml100k),
            "ml-1m" | "ml1m" | "1m" => Ok(Self::Ml1m),
            "ml-10m" | "ml10m" | "10m" => Ok(Self::Ml10m),
            "ml-20m" | "ml20m" | "20m" => Ok(Self::Ml20m),
            "netflix" => Ok(Self::Netflix),
            _ => Err(DataError::invalid_parameter(
                "like",
                s,
                "one of ml-100k, ml-1m, ml-10m, ml-20m, netflix",
            )),
        }
    }
}

/// The shape of a synthetic rating data set (see the [module docs](super) for the model).
///
/// | Name | Purpose | Range |
/// |---|---|---|
/// | `users`, `items` | size of the id space (raw ids `1..=n`) | 1 ..= 2³²−1 |
/// | `ratings` | total interactions, exact | `users × min_per_user ..= users × items`, < 2³² |
/// | `min_per_user` | interactions of the least active users | 1 ..= `items` |
/// | `user_activity_exponent` | Lomax tail α of activity: small = heavy tail | (0, 1000] |
/// | `item_popularity_exponent` | Zipf–Mandelbrot exponent `a`: 0 = uniform | [0, 10] |
/// | `item_popularity_offset` | Zipf–Mandelbrot offset `q`: flattens the head | [0, 10⁹] |
/// | `item_popularity_cutoff` | exponential cut-off `b`: thins the tail | [0, 100] |
/// | `mean` | μ of the planted model, before clipping | finite |
/// | `user_bias_std`, `item_bias_std` | spread of `b_u`, `b_i` | [0, 10] |
/// | `rank` | rank of the planted interaction `p_u·q_i` | 0 ..= 1024 |
/// | `interaction_std` | standard deviation of `p_u·q_i` | [0, 10] |
/// | `noise_std` | standard deviation of the rating noise | [0, 10] |
/// | `scale` | rounding of values | [`RatingScale`] |
/// | `timestamps` | generate timestamps in `[first_timestamp, last_timestamp]` | |
/// | `seed` | the data is a function of the parameters and this seed | any |
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SynthParams {
    /// Number of users.
    pub users: usize,
    /// Number of items.
    pub items: usize,
    /// Total number of interactions (exact).
    pub ratings: usize,
    /// Minimum interactions per user.
    pub min_per_user: usize,
    /// Tail exponent α of user activity (Lomax quantiles; large α → exponential tail).
    pub user_activity_exponent: f64,
    /// Zipf–Mandelbrot exponent `a` of item popularity: weight of rank `r` is
    /// `(r + 1 + q)^(−a)`.
    pub item_popularity_exponent: f64,
    /// Zipf–Mandelbrot offset `q` of item popularity: flattens the head (the most popular
    /// items get closer weights) without changing the tail's slope.
    pub item_popularity_offset: f64,
    /// Exponential cut-off `b` of item popularity: weights are multiplied by `exp(−b·r/n)`,
    /// which thins the tail (many rarely rated items, as in MovieLens) without touching
    /// the head.
    pub item_popularity_cutoff: f64,
    /// μ of the planted model.
    pub mean: f64,
    /// Standard deviation of the planted user biases.
    pub user_bias_std: f64,
    /// Standard deviation of the planted item biases.
    pub item_bias_std: f64,
    /// Rank of the planted factors.
    pub rank: usize,
    /// Standard deviation of the planted interaction term `p_u·q_i`.
    pub interaction_std: f64,
    /// Standard deviation of the Gaussian noise added before rounding.
    pub noise_std: f64,
    /// Rating scale the values are rounded to.
    pub scale: RatingScale,
    /// Whether to generate timestamps.
    pub timestamps: bool,
    /// Earliest timestamp (seconds since 1970).
    pub first_timestamp: i64,
    /// Latest timestamp (seconds since 1970).
    pub last_timestamp: i64,
    /// Random seed.
    pub seed: u64,
}

impl Default for SynthParams {
    /// The ML-100K preset.
    fn default() -> Self {
        Self::like(Preset::Ml100k)
    }
}

impl SynthParams {
    /// Parameters copying the shape of a MovieLens release: its exact user, item and rating
    /// counts, at least 20 ratings per user, a user-activity tail fitted to the release's
    /// most active user, an item-popularity exponent fitted to its item Gini, its rating
    /// scale and time span. The rating marginal is MovieLens-like (mean ≈ 3.5, std ≈ 1.1).
    pub fn like(preset: Preset) -> Self {
        // Planted model shared by all presets; chosen so that the rounded marginal has
        // mean ≈ 3.5 and standard deviation ≈ 1.1, as the MovieLens releases do.
        let base = SynthParams {
            users: 943,
            items: 1682,
            ratings: 100_000,
            min_per_user: 20,
            user_activity_exponent: 28.6,
            item_popularity_exponent: 0.3,
            item_popularity_offset: 0.0,
            item_popularity_cutoff: 4.1,
            mean: 3.62,
            user_bias_std: 0.55,
            item_bias_std: 0.6,
            rank: 10,
            interaction_std: 0.55,
            noise_std: 0.6,
            scale: RatingScale::OneToFive,
            timestamps: true,
            first_timestamp: 874_724_710,
            last_timestamp: 893_286_638,
            seed: 42,
        };
        match preset {
            // Most active user: 737 (ML-100K), 2,314 (1M), 7,359 (10M), 9,254 (20M); the
            // activity exponents put the synthetic maximum there.
            // Item counts of ML-100K at quantiles 0/10/25/50/75/90/100%: 1, 2, 6, 27, 80,
            // 169, 583, Gini 0.629; this preset gives about 0, 4, 8, 24, 79, 166, 599, 0.627.
            Preset::Ml100k => base,
            // ML-1M: 1, 7, 33, 123, 350, 729, 3,428, Gini 0.634; the preset gives about
            // 4, 18, 35, 109, 347, 762, 3,409, Gini 0.632.
            Preset::Ml1m => SynthParams {
                users: 6040,
                items: 3706,
                ratings: 1_000_209,
                user_activity_exponent: 7.92,
                first_timestamp: 956_703_932,
                last_timestamp: 1_046_454_590,
                ..base
            },
            // ML-10M: Gini 0.57, most rated item 34,864; the preset gives about 0.57 and
            // 34,000. (Its flatter popularity needs a weaker cut-off than ML-100K/1M.)
            Preset::Ml10m => SynthParams {
                users: 69_878,
                items: 10_681,
                ratings: 10_000_054,
                user_activity_exponent: 3.83,
                item_popularity_exponent: 0.47,
                item_popularity_cutoff: 2.0,
                scale: RatingScale::HalfStars,
                first_timestamp: 789_652_009,
                last_timestamp: 1_231_131_736,
                ..base
            },
            // ML-20M: its item Gini is not known here; the popularity puts the most rated
            // item near the release's 67,310.
            Preset::Ml20m => SynthParams {
                users: 138_493,
                items: 26_744,
                ratings: 20_000_263,
                user_activity_exponent: 3.77,
                item_popularity_exponent: 0.53,
                item_popularity_cutoff: 2.3,
                scale: RatingScale::HalfStars,
                first_timestamp: 789_652_009,
                last_timestamp: 1_427_784_002,
                ..base
            },
            // Netflix Prize: most active user 17,653 ratings, most rated movie 232,944; the
            // preset gives about 17,700 and 234,000 (expected counts). Whole stars, rated
            // 1999-11-11 to 2005-12-31. Its many users with few ratings are not copied: every
            // user gets at least 20, as in the MovieLens presets.
            Preset::Netflix => SynthParams {
                users: 480_189,
                items: 17_770,
                ratings: 100_480_507,
                user_activity_exponent: 3.95,
                item_popularity_exponent: 0.46,
                item_popularity_cutoff: 2.0,
                first_timestamp: 942_278_400,
                last_timestamp: 1_136_073_599,
                ..base
            },
        }
    }

    /// Checks every parameter, naming the first one out of range with its value and range.
    pub fn check(&self) -> Result<()> {
        let max_index = u32::MAX as usize;
        if self.users == 0 || self.users > max_index {
            return Err(DataError::invalid_parameter(
                "users",
                self.users,
                format!("1 ..= {max_index}"),
            ));
        }
        if self.items == 0 || self.items > max_index {
            return Err(DataError::invalid_parameter(
                "items",
                self.items,
                format!("1 ..= {max_index}"),
            ));
        }
        if self.min_per_user == 0 || self.min_per_user > self.items {
            return Err(DataError::invalid_parameter(
                "min_per_user",
                self.min_per_user,
                format!("1 ..= items ({})", self.items),
            ));
        }
        let lo = self.users.saturating_mul(self.min_per_user);
        let hi = self.users.saturating_mul(self.items).min(max_index);
        if self.ratings < lo || self.ratings > hi {
            return Err(DataError::invalid_parameter(
                "ratings",
                self.ratings,
                format!(
                    "{lo} ..= {hi} (users × min_per_user ..= users × items, at most {max_index})"
                ),
            ));
        }
        let a = self.user_activity_exponent;
        if !(a > 0.0 && a <= 1000.0) {
            return Err(DataError::invalid_parameter(
                "user_activity_exponent",
                a,
                "0 < α ≤ 1000",
            ));
        }
        let z = self.item_popularity_exponent;
        if !(0.0..=10.0).contains(&z) {
            return Err(DataError::invalid_parameter(
                "item_popularity_exponent",
                z,
                "0 ≤ a ≤ 10",
            ));
        }
        let q = self.item_popularity_offset;
        if !(0.0..=1e9).contains(&q) {
            return Err(DataError::invalid_parameter(
                "item_popularity_offset",
                q,
                "0 ≤ q ≤ 1e9",
            ));
        }
        let b = self.item_popularity_cutoff;
        if !(0.0..=100.0).contains(&b) {
            return Err(DataError::invalid_parameter(
                "item_popularity_cutoff",
                b,
                "0 ≤ b ≤ 100",
            ));
        }
        if !self.mean.is_finite() {
            return Err(DataError::invalid_parameter(
                "mean",
                self.mean,
                "a finite number",
            ));
        }
        for (name, v) in [
            ("user_bias_std", self.user_bias_std),
            ("item_bias_std", self.item_bias_std),
            ("interaction_std", self.interaction_std),
            ("noise_std", self.noise_std),
        ] {
            if !(0.0..=10.0).contains(&v) {
                return Err(DataError::invalid_parameter(name, v, "0 ≤ std ≤ 10"));
            }
        }
        if self.rank > 1024 {
            return Err(DataError::invalid_parameter(
                "rank",
                self.rank,
                "0 ..= 1024",
            ));
        }
        if self.timestamps && self.first_timestamp > self.last_timestamp {
            return Err(DataError::invalid_parameter(
                "first_timestamp",
                self.first_timestamp,
                format!("at most last_timestamp ({})", self.last_timestamp),
            ));
        }
        Ok(())
    }
}
