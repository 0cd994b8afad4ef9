//! Several simulated processes (threads meeting in an in-memory all-gather) train ALS,
//! iALS and MF to the very bits one process computes, and a checkpointed fit that stopped
//! resumes to the uninterrupted model and history.

use std::ops::ControlFlow;
use std::sync::Arc;

use rustrec_core::cluster::{Checkpointing, ClusterHandle};
use rustrec_core::{Fit, FitContext};
use rustrec_data::Interactions;

use super::exchange::tests::ThreadCluster;
use crate::als::{AlsParams, Solver};
use crate::mf::{Layout, MfParams};

/// 60 users × 45 items, about a third of the pairs rated 1–5.
fn data() -> Interactions {
    let rows: Vec<(u32, u32, f32)> = (0..60u32)
        .flat_map(|u| {
            (0..45u32)
                .filter(move |i| (u * 7 + i * 3) % 3 == 0 || (u + i) % 11 == 0)
                .map(move |i| (u, i, ((u * i) % 5 + 1) as f32))
        })
        .collect();
    Interactions::from_index_triplets(60, 45, &rows).unwrap()
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Fits with `fit` on `n` simulated processes; returns each process's result.
fn on_processes<T: Send>(n: usize, fit: impl Fn(&mut FitContext<'_>) -> T + Sync) -> Vec<T> {
    let clusters = ThreadCluster::new(n);
    std::thread::scope(|s| {
        let handles: Vec<_> = clusters
            .into_iter()
            .map(|c| {
                let fit = &fit;
                s.spawn(move || {
                    let mut ctx = FitContext::with_threads(11, 1).unwrap();
                    let handle: ClusterHandle = Arc::new(c);
                    ctx.cluster = Some(handle);
                    fit(&mut ctx)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// (user rows, item rows, per-epoch loss) as bits.
type AlsBits = (Vec<u32>, Vec<u32>, Vec<u64>);

fn als_fit(params: &AlsParams, ctx: &mut FitContext<'_>) -> AlsBits {
    let m = params.check().unwrap().fit(&data(), ctx).unwrap();
    let losses = ctx.history.iter().map(|r| r.train_loss.to_bits()).collect();
    (
        bits(m.user_rows.as_slice()),
        bits(m.item_rows.as_slice()),
        losses,
    )
}

#[test]
fn als_and_ials_on_three_processes_equal_one_process_bit_for_bit() {
    let explicit = AlsParams::default()
        .factors(6)
        .iterations(3)
        .reg(0.1)
        .biases(true)
        .solver(Solver::Cholesky);
    let implicit = AlsParams::default()
        .factors(6)
        .iterations(3)
        .implicit(true)
        .solver(Solver::Cg { steps: 3 });
    for params in [explicit, implicit] {
        let mut ctx = FitContext::with_threads(11, 2).unwrap();
        let one = als_fit(&params, &mut ctx);
        assert_eq!(one.2.len(), 3);
        for got in on_processes(3, |ctx| als_fit(&params, ctx)) {
            assert!(got == one, "{params:?}: a process differs from one process");
        }
    }
}

#[test]
fn mf_on_three_processes_equals_one_process_bit_for_bit() {
    // Both layouts: `auto` picks `rows` for larger data, so clusters train with either.
    for layout in [Layout::Shuffled, Layout::Rows] {
        let params = MfParams::default()
            .factors(5)
            .epochs(3)
            .bins(4)
            .layout(layout)
            .check()
            .unwrap();
        let fit = |ctx: &mut FitContext<'_>| {
            let m = params.fit(&data(), ctx).unwrap();
            let losses: Vec<u64> = ctx.history.iter().map(|r| r.train_loss.to_bits()).collect();
            (
                bits(m.user_factors.as_slice()),
                bits(m.item_factors.as_slice()),
                bits(&m.user_bias),
                losses,
            )
        };
        let one = fit(&mut FitContext::with_threads(11, 2).unwrap());
        for got in on_processes(3, fit) {
            assert!(got == one, "{layout:?}: a process differs from one process");
        }
    }
}

#[test]
fn a_stopped_checkpointed_fit_resumes_to_the_uninterrupted_model() {
    let dir = tempfile::tempdir().unwrap();
    let params = AlsParams::default()
        .factors(4)
        .iterations(6)
        .implicit(true)
        .solver(Solver::Cg { steps: 2 });
    let ck = Checkpointing {
        dir: dir.path().to_path_buf(),
        every: 2,
        resume: false,
        key: "test".into(),
    };
    let full = als_fit(&params, &mut FitContext::with_threads(11, 1).unwrap());
    // Stopped after epoch 3: the checkpoint holds epoch 2.
    let mut ctx = FitContext::with_threads(11, 1).unwrap();
    ctx.checkpoint = Some(ck.clone());
    ctx.callbacks.push(Box::new(|r| {
        if r.epoch == 3 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }));
    let stopped = als_fit(&params, &mut ctx);
    assert_ne!(stopped, full);
    let saved = super::checkpoint::read(&ck).unwrap().unwrap();
    assert_eq!(saved.epochs_done, 2);
    let mut ctx = FitContext::with_threads(11, 1).unwrap();
    ctx.checkpoint = Some(Checkpointing { resume: true, ..ck });
    let resumed = als_fit(&params, &mut ctx);
    assert!(
        resumed == full,
        "the resumed fit differs from the uninterrupted one"
    );
    let epochs: Vec<usize> = ctx.history.iter().map(|r| r.epoch).collect();
    assert_eq!(epochs, vec![1, 2, 3, 4, 5, 6]);
}
