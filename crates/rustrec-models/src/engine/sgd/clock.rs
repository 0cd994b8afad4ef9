//! Where training is within the run, and the learning rate and momentum there.

use crate::engine::Schedule;
use crate::engine::sgd::SgdSettings;

/// The schedule's view of one epoch of a block-grid trainer: training progress `t ∈ [0, 1]`
/// of sample `k` of `n` in diagonal step `step` (of `bins`), and the learning rate and
/// momentum the schedule gives at `t`.
#[derive(Clone, Copy, Debug)]
pub struct EpochClock {
    /// The epoch (from 0).
    pub epoch: usize,
    /// Epochs in the run.
    pub epochs: usize,
    /// Diagonal steps per epoch (the grid's bins).
    pub bins: usize,
    /// The base learning rate.
    pub base_lr: f64,
    /// The learning-rate (and momentum) schedule.
    pub schedule: Schedule,
}

impl EpochClock {
    /// The clock of `epoch` of a run with the settings `sgd`, in `bins` diagonal steps per
    /// epoch (1 for a trainer without a block grid).
    pub fn new(sgd: SgdSettings, epoch: usize, bins: usize) -> Self {
        EpochClock {
            epoch,
            epochs: sgd.epochs,
            bins,
            base_lr: f64::from(sgd.lr),
            schedule: sgd.schedule,
        }
    }

    /// Progress through the run at sample `k` of `n` of step `step`:
    /// `(epoch + (step + k/n) / bins) / epochs`.
    #[inline]
    pub fn progress(&self, step: usize, k: usize, n: usize) -> f64 {
        let within = if n == 0 { 0.0 } else { k as f64 / n as f64 };
        (self.epoch as f64 + (step as f64 + within) / self.bins as f64) / self.epochs as f64
    }

    /// The learning rate at sample `k` of `n` of step `step`.
    #[inline]
    pub fn lr_at(&self, step: usize, k: usize, n: usize) -> f32 {
        self.schedule
            .lr_at(self.base_lr, self.progress(step, k, n), self.epochs) as f32
    }

    /// The schedule's momentum (one-cycle's β₁) at sample `k` of `n` of step `step`.
    #[inline]
    pub fn momentum_at(&self, step: usize, k: usize, n: usize) -> Option<f32> {
        self.schedule
            .momentum_at(self.progress(step, k, n))
            .map(|m| m as f32)
    }

    /// The learning rate at the end of the epoch (what the epoch's record shows).
    pub fn end_lr(&self) -> f64 {
        self.schedule.lr_at(
            self.base_lr,
            (self.epoch + 1) as f64 / self.epochs as f64,
            self.epochs,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_runs_from_zero_to_one_over_the_steps_of_every_epoch() {
        let clock = |epoch| EpochClock {
            epoch,
            epochs: 4,
            bins: 2,
            base_lr: 0.1,
            schedule: Schedule::Constant,
        };
        assert_eq!(clock(0).progress(0, 0, 10), 0.0);
        // Half-way through step 1 of epoch 2: (2 + (1 + 0.5) / 2) / 4.
        assert_eq!(clock(2).progress(1, 5, 10), (2.0 + 0.75) / 4.0);
        assert_eq!(clock(3).progress(1, 10, 10), 1.0);
        // An empty block counts as its start.
        assert_eq!(clock(1).progress(1, 0, 0), (1.0 + 0.5) / 4.0);
        assert_eq!(clock(1).lr_at(0, 3, 9), 0.1);
        assert_eq!(clock(1).momentum_at(0, 3, 9), None);
        assert_eq!(clock(3).end_lr(), 0.1);
    }

    #[test]
    fn the_rates_are_the_schedules_at_the_progress() {
        let schedule = Schedule::one_cycle();
        let c = EpochClock {
            epoch: 1,
            epochs: 3,
            bins: 4,
            base_lr: 0.01,
            schedule,
        };
        let t = c.progress(2, 1, 4);
        assert_eq!(c.lr_at(2, 1, 4), schedule.lr_at(0.01, t, 3) as f32);
        assert_eq!(
            c.momentum_at(2, 1, 4),
            schedule.momentum_at(t).map(|m| m as f32)
        );
        assert_eq!(c.end_lr(), schedule.lr_at(0.01, 2.0 / 3.0, 3));
    }
}
