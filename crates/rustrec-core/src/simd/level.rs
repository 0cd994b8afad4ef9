//! The instruction-set level a kernel runs at: [`Level`] holds a token, so a `Level` value
//! exists only for an instruction set this CPU has; [`Isa`] only names a level (for tests,
//! messages and capping).

use std::fmt;

use super::{Scalar, V3, V4, WithSimd};

/// An instruction-set level this CPU can run, holding its token: [`Level::detect`] gives
/// the best one, [`Level::available`] all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// Portable Rust.
    Scalar,
    /// AVX2 + FMA.
    V3(V3),
    /// AVX-512F (+ AVX2 + FMA).
    V4(V4),
}

/// The name of an instruction-set level, whether or not this CPU has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Isa {
    /// Portable Rust.
    Scalar,
    /// AVX2 + FMA.
    V3,
    /// AVX-512F (+ AVX2 + FMA).
    V4,
}

impl Isa {
    /// Every level, lowest first.
    pub const ALL: [Isa; 3] = [Isa::Scalar, Isa::V3, Isa::V4];

    /// The level, when this CPU has it.
    pub fn level(self) -> Option<Level> {
        match self {
            Isa::Scalar => Some(Level::Scalar),
            Isa::V3 => V3::try_new().map(Level::V3),
            Isa::V4 => V4::try_new().map(Level::V4),
        }
    }

    /// The instruction sets the level needs, as CPU manuals name them.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "portable Rust",
            Isa::V3 => "AVX2+FMA",
            Isa::V4 => "AVX-512F",
        }
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Level {
    /// The best level this CPU runs (V4, else V3, else portable).
    #[inline]
    pub fn detect() -> Level {
        if let Some(t) = V4::try_new() {
            return Level::V4(t);
        }
        if let Some(t) = V3::try_new() {
            return Level::V3(t);
        }
        Level::Scalar
    }

    /// Every level this CPU runs, lowest first (for tests that compare them).
    pub fn available() -> Vec<Level> {
        Isa::ALL.into_iter().filter_map(Isa::level).collect()
    }

    /// The name of this level.
    pub fn isa(self) -> Isa {
        match self {
            Level::Scalar => Isa::Scalar,
            Level::V3(_) => Isa::V3,
            Level::V4(_) => Isa::V4,
        }
    }

    /// The highest level not above `cap` that this one proves (a V4 token gives a V3 one):
    /// for kernels written for at most `cap`.
    #[inline]
    pub fn at_most(self, cap: Isa) -> Level {
        match (self, cap) {
            (Level::V4(t), Isa::V3) => Level::V3(t.v3()),
            (level, cap) if level.isa() <= cap => level,
            _ => Level::Scalar,
        }
    }

    /// The AVX2 + FMA token this level proves (at V3 and V4).
    #[inline]
    pub fn v3(self) -> Option<V3> {
        match self {
            Level::Scalar => None,
            Level::V3(t) => Some(t),
            Level::V4(t) => Some(t.v3()),
        }
    }

    /// Runs `op` at this level: with this level's token, compiled for its instruction set.
    #[inline(always)]
    pub fn dispatch<K: WithSimd>(self, op: K) -> K::Output {
        match self {
            Level::Scalar => Scalar.vectorize(op),
            Level::V3(t) => t.vectorize(op),
            Level::V4(t) => t.vectorize(op),
        }
    }
}

/// Runs `f` at every level of [`Isa::ALL`] this CPU has, and for each one it lacks prints
/// `skipped: this CPU lacks …` to standard error instead of running anything; returns the
/// levels skipped. For the cross-level tests: a level the CPU lacks is reported, never
/// silently replaced by another.
pub fn each_level(mut f: impl FnMut(Level)) -> Vec<Isa> {
    let mut skipped = Vec::new();
    for isa in Isa::ALL {
        match isa.level() {
            Some(level) => f(level),
            None => {
                eprintln!("skipped: this CPU lacks {isa}");
                skipped.push(isa);
            }
        }
    }
    skipped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_detected_level_is_the_best_available_and_levels_imply_the_lower_ones() {
        let available = Level::available();
        assert_eq!(available[0], Level::Scalar);
        assert_eq!(available.last().copied(), Some(Level::detect()));
        let isas: Vec<Isa> = available.iter().map(|l| l.isa()).collect();
        // Levels are cumulative: V4 is only reported with V3.
        assert_eq!(isas, Isa::ALL[..isas.len()].to_vec());
        for level in available {
            assert_eq!(level.at_most(Isa::V4), level);
            assert_eq!(level.at_most(Isa::Scalar), Level::Scalar);
            assert_eq!(level.at_most(Isa::V3).isa(), level.isa().min(Isa::V3));
            assert_eq!(level.v3().is_some(), level.isa() >= Isa::V3);
        }
    }

    #[test]
    fn each_level_runs_what_the_cpu_has_and_reports_the_rest() {
        let mut ran = Vec::new();
        let skipped = each_level(|level| ran.push(level.isa()));
        assert_eq!(ran.len() + skipped.len(), Isa::ALL.len());
        for isa in Isa::ALL {
            assert_eq!(ran.contains(&isa), isa.level().is_some(), "{isa}");
            assert_eq!(skipped.contains(&isa), isa.level().is_none(), "{isa}");
        }
    }
}
