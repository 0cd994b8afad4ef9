//! [`TimelyCluster`]: the all-gather of [`Cluster`] as a timely dataflow.
//!
//! `timely::execute` starts `workers` worker threads in each process, connected over TCP
//! to the other processes (the host file's addresses). The first worker of each process is
//! its *leader*: it takes the process's message from the trainer (over a channel: the
//! trainer runs on the rayon pool, a timely worker stays on its own thread), sends one copy
//! to the leader of every process through an `Exchange` channel, stamped with the round,
//! and steps the dataflow until the probe shows the round complete everywhere. The other
//! workers take part in the dataflow with their input closed.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustrec_core::cluster::Cluster;
use serde_bytes::ByteBuf;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::InputHandle;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::Input;
use timely::dataflow::operators::generic::operator::Operator;
use timely::{CommunicationConfig, WorkerConfig};

use crate::DistError;
use crate::fault;

/// Where this process stands in the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterSpec {
    /// Addresses of every process (`host:port`), process `i` at line `i`.
    pub hosts: Vec<String>,
    /// This process.
    pub process: usize,
    /// timely worker threads in each process (at least 1).
    pub workers: usize,
}

impl ClusterSpec {
    /// Checks the flags: `processes` must match the host file, `process` be one of them.
    pub fn new(
        hosts: Vec<String>,
        processes: usize,
        process: usize,
        workers: usize,
    ) -> Result<Self, DistError> {
        if processes == 0 {
            return Err(DistError::Config(
                "--processes 0: give at least 1 process".into(),
            ));
        }
        if hosts.len() != processes {
            return Err(DistError::Config(format!(
                "--processes {processes}: the host file lists {} address(es); it needs one \
                 host:port line per process",
                hosts.len()
            )));
        }
        if process >= processes {
            return Err(DistError::Config(format!(
                "--process {process}: expected 0..{} (one of --processes {processes})",
                processes - 1
            )));
        }
        if workers == 0 || workers > 64 {
            return Err(DistError::Config(format!(
                "--workers {workers}: expected 1..=64 timely workers per process"
            )));
        }
        Ok(ClusterSpec {
            hosts,
            process,
            workers,
        })
    }
}

/// A round's message: (round, sending process, destination worker, bytes). The bytes are
/// a `ByteBuf` so that they are serialized as one block, not byte by byte.
type Message = (u64, u64, u64, ByteBuf);

/// A process of a timely cluster (see the module docs).
pub struct TimelyCluster {
    process: usize,
    processes: usize,
    requests: Mutex<Option<Sender<Vec<u8>>>>,
    replies: Mutex<Receiver<Result<Vec<Vec<u8>>, String>>>,
    guards: Mutex<Option<timely::communication::initialize::WorkerGuards<()>>>,
    bytes_sent: AtomicU64,
    rounds: AtomicU64,
    wait_nanos: AtomicU64,
}

impl TimelyCluster {
    /// Connects to the other processes (waiting for them up to `connect_timeout`; a
    /// process that never comes up stops this one with an error naming the wait) and
    /// starts the timely workers.
    pub fn start(
        spec: &ClusterSpec,
        connect_timeout: Duration,
    ) -> Result<Arc<TimelyCluster>, DistError> {
        fault::install();
        let processes = spec.hosts.len();
        let workers = spec.workers;
        let me = spec.process;
        let (req_tx, req_rx) = channel::<Vec<u8>>();
        let (rep_tx, rep_rx) = channel::<Result<Vec<Vec<u8>>, String>>();
        let leader_ends = Arc::new(Mutex::new(Some((req_rx, rep_tx))));
        let config = timely::Config {
            communication: CommunicationConfig::Cluster {
                threads: workers,
                process: me,
                addresses: spec.hosts.clone(),
                report: false,
                zerocopy: false,
            },
            worker: WorkerConfig::default(),
        };
        let watchdog = fault::deadline(
            connect_timeout,
            format!(
                "process {me}: could not connect to every process of the host file within \
                 {}s (is every process started, with the same host file?)",
                connect_timeout.as_secs()
            ),
        );
        let guards = crate::quiet_stdout::to_stderr_while(|| {
            timely::execute(config, move |worker| {
                let index = worker.index();
                let leader = index % workers == 0;
                let mut input = InputHandle::<u64, CapacityContainerBuilder<Vec<Message>>>::new();
                let received: Rc<RefCell<Vec<Message>>> = Rc::new(RefCell::new(Vec::new()));
                let sink = Rc::clone(&received);
                worker.dataflow::<u64, _, _>(|scope| {
                    scope.input_from(&mut input).sink(
                        Exchange::new(|m: &Message| m.2),
                        "Gather",
                        move |(input, _frontier)| {
                            input.for_each(|_cap, data| {
                                sink.borrow_mut().append(data);
                            });
                        },
                    );
                });
                if !leader {
                    drop(input);
                    while worker.step_or_park(None) {}
                    return;
                }
                let Some((requests, replies)) = leader_ends.lock().expect("not poisoned").take()
                else {
                    return;
                };
                let mut round = 0u64;
                while let Ok(mine) = requests.recv() {
                    for q in 0..processes {
                        let bytes = ByteBuf::from(mine.clone());
                        input.send((round, me as u64, (q * workers) as u64, bytes));
                    }
                    round += 1;
                    input.advance_to(round);
                    // Done when this leader holds a part of `round - 1` from every process.
                    let have = |r: &RefCell<Vec<Message>>| {
                        r.borrow().iter().filter(|m| m.0 == round - 1).count()
                    };
                    while have(&received) < processes {
                        worker.step_or_park(Some(Duration::from_millis(50)));
                    }
                    let mut parts: Vec<Option<Vec<u8>>> = vec![None; processes];
                    let mut rest = Vec::new();
                    for m in received.borrow_mut().drain(..) {
                        if m.0 == round - 1 {
                            parts[m.1 as usize] = Some(m.3.into_vec());
                        } else {
                            rest.push(m);
                        }
                    }
                    *received.borrow_mut() = rest;
                    let all: Option<Vec<Vec<u8>>> = parts.into_iter().collect();
                    let reply = all.ok_or_else(|| {
                        format!(
                            "round {}: a process sent twice and another not at all",
                            round - 1
                        )
                    });
                    if replies.send(reply).is_err() {
                        break;
                    }
                }
                drop(input);
                while worker.step_or_park(Some(Duration::from_millis(50))) {}
            })
        })
        .map_err(DistError::Start)?;
        watchdog.disarm();
        Ok(Arc::new(TimelyCluster {
            process: me,
            processes,
            requests: Mutex::new(Some(req_tx)),
            replies: Mutex::new(rep_rx),
            guards: Mutex::new(Some(guards)),
            bytes_sent: AtomicU64::new(0),
            rounds: AtomicU64::new(0),
            wait_nanos: AtomicU64::new(0),
        }))
    }

    /// Bytes this process has sent to the other processes so far (payloads, without
    /// timely's headers).
    pub fn bytes_sent(&self) -> u64 {
        self.bytes_sent.load(Ordering::SeqCst)
    }

    /// Seconds spent in all-gathers so far: sending, receiving, and waiting for the
    /// slowest process (the exchange's whole cost to this process).
    pub fn exchange_seconds(&self) -> f64 {
        self.wait_nanos.load(Ordering::SeqCst) as f64 * 1e-9
    }

    /// All-gathers done so far.
    pub fn rounds(&self) -> u64 {
        self.rounds.load(Ordering::SeqCst)
    }

    /// Closes this process's input and waits until every process has closed its own (the
    /// dataflow is complete everywhere), then stops the workers.
    pub fn finish(&self) -> Result<(), DistError> {
        self.requests.lock().expect("not poisoned").take();
        if let Some(guards) = self.guards.lock().expect("not poisoned").take() {
            for r in guards.join() {
                r.map_err(DistError::Start)?;
            }
        }
        Ok(())
    }
}

impl Cluster for TimelyCluster {
    fn process(&self) -> usize {
        self.process
    }

    fn processes(&self) -> usize {
        self.processes
    }

    fn all_gather(&self, mine: Vec<u8>) -> Result<Vec<Vec<u8>>, String> {
        let len = mine.len() as u64;
        let started = std::time::Instant::now();
        {
            let requests = self.requests.lock().expect("not poisoned");
            let tx = requests
                .as_ref()
                .ok_or("the cluster was already finished")?;
            tx.send(mine)
                .map_err(|_| "the timely worker of this process has stopped".to_string())?;
        }
        let reply = self
            .replies
            .lock()
            .expect("not poisoned")
            .recv()
            .map_err(|_| "the timely worker of this process has stopped".to_string())??;
        self.bytes_sent
            .fetch_add(len * (self.processes as u64 - 1), Ordering::SeqCst);
        self.rounds.fetch_add(1, Ordering::SeqCst);
        self.wait_nanos
            .fetch_add(started.elapsed().as_nanos() as u64, Ordering::SeqCst);
        Ok(reply)
    }
}
