//! Faults: a process that disappears must stop the others with an error naming it.
//!
//! timely's communication threads (`timely:send-N` / `timely:recv-N`, `N` the remote
//! process) panic when a connection breaks ("timely communication error: ..."), which
//! would leave the workers waiting for data that never comes. [`install`] adds a panic
//! hook that turns such a panic (or any panic on a timely thread) into a one-line error
//! and exits the process with status 3. The hook waits [`GRACE`] before it exits and
//! names every process lost in that window, first-lost first: when process 2 dies,
//! process 1 stops too, and without the wait process 0 could see process 1's socket
//! close before process 2's and blame the wrong one. [`deadline`] is a watchdog for the
//! start: timely keeps retrying connections to a process that never comes up.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};
use std::time::Duration;

/// Exit status of a process stopped by a lost peer.
pub const LOST_PEER_STATUS: i32 = 3;

/// How long a process that lost a peer keeps listening for further losses before it
/// stops (so that a survivor stopping in turn is not mistaken for the first loss).
pub const GRACE: Duration = Duration::from_secs(1);

/// The remote process of a timely communication thread named `timely:send-N` or
/// `timely:recv-N`.
pub fn peer_of_thread(name: &str) -> Option<usize> {
    let rest = name
        .strip_prefix("timely:send-")
        .or_else(|| name.strip_prefix("timely:recv-"))?;
    rest.parse().ok()
}

/// The message for a panic on thread `thread` with `message`, when it is a communication
/// failure (`None` otherwise). `also_lost` lists the processes whose connections broke
/// after this one, in the order they broke.
pub fn loss_message(thread: &str, message: &str, also_lost: &[usize]) -> Option<String> {
    let peer = peer_of_thread(thread);
    let comm = message.contains("timely communication error");
    let later = match also_lost {
        [] => String::new(),
        ps => format!(
            " (then also to process {})",
            ps.iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    match (peer, comm) {
        (Some(p), _) => Some(format!(
            "lost connection to process {p}: {message}{later}; stopping (exit status \
             {LOST_PEER_STATUS})"
        )),
        (None, true) => Some(format!(
            "lost connection to another process: {message}; stopping (exit status \
             {LOST_PEER_STATUS})"
        )),
        (None, false) if thread.starts_with("timely") => Some(format!(
            "a timely thread ({thread}) failed: {message}; stopping (exit status \
             {LOST_PEER_STATUS})"
        )),
        _ => None,
    }
}

/// The first failure seen by the hook (thread name and message) and the peers lost after
/// it.
struct Losses {
    first: Option<(String, String)>,
    later: Vec<usize>,
}

static LOSSES: Mutex<Losses> = Mutex::new(Losses {
    first: None,
    later: Vec::new(),
});

/// Installs the panic hook (once per process; later calls do nothing).
///
/// The first communication failure waits [`GRACE`], then prints one line naming it (and
/// any process lost meanwhile) and exits; every later panic during that wait is recorded
/// and its thread parked, so nothing else prints.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current();
            let name = thread.name().unwrap_or("").to_string();
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let is_loss = loss_message(&name, &message, &[]).is_some();
            {
                let mut losses = LOSSES.lock().unwrap_or_else(|e| e.into_inner());
                if losses.first.is_some() {
                    if let Some(p) = peer_of_thread(&name) {
                        losses.later.push(p);
                    }
                    drop(losses);
                    park_forever();
                }
                if !is_loss {
                    drop(losses);
                    previous(info);
                    return;
                }
                losses.first = Some((name, message));
            }
            std::thread::sleep(GRACE);
            let losses = LOSSES.lock().unwrap_or_else(|e| e.into_inner());
            let (name, message) = losses.first.clone().expect("recorded above");
            let first = peer_of_thread(&name);
            let mut later: Vec<usize> = Vec::new();
            for &p in &losses.later {
                if Some(p) != first && !later.contains(&p) {
                    later.push(p);
                }
            }
            let line = loss_message(&name, &message, &later).expect("a loss");
            eprintln!("error: {line}");
            std::process::exit(LOST_PEER_STATUS);
        }));
    });
}

/// Blocks the calling thread for good (the process is about to exit).
fn park_forever() -> ! {
    loop {
        std::thread::park();
    }
}

/// A watchdog: exits the process with `message` unless [`Deadline::disarm`] is called
/// within `after`.
pub struct Deadline {
    done: std::sync::Arc<AtomicBool>,
}

/// Starts a [`Deadline`].
pub fn deadline(after: Duration, message: String) -> Deadline {
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let flag = std::sync::Arc::clone(&done);
    std::thread::spawn(move || {
        let step = Duration::from_millis(100);
        let mut waited = Duration::ZERO;
        while waited < after {
            if flag.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(step);
            waited += step;
        }
        if !flag.load(Ordering::SeqCst) {
            eprintln!("error: {message}");
            std::process::exit(LOST_PEER_STATUS);
        }
    });
    Deadline { done }
}

impl Deadline {
    /// Stops the watchdog.
    pub fn disarm(&self) {
        self.done.store(true, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn communication_panics_name_the_lost_process() {
        assert_eq!(peer_of_thread("timely:recv-2"), Some(2));
        assert_eq!(peer_of_thread("timely:send-10"), Some(10));
        assert_eq!(peer_of_thread("main"), None);
        let m = loss_message(
            "timely:recv-2",
            "timely communication error: reading data: socket closed",
            &[],
        )
        .unwrap();
        assert!(m.contains("lost connection to process 2:"), "{m}");
        assert!(!m.contains("then also"), "{m}");
        assert!(loss_message("main", "index out of bounds", &[]).is_none());
        assert!(
            loss_message("worker", "timely communication error: x", &[])
                .unwrap()
                .contains("lost connection")
        );
    }

    #[test]
    fn later_losses_are_named_after_the_first() {
        let m = loss_message("timely:recv-2", "socket closed", &[1, 3]).unwrap();
        let first = m.find("process 2").unwrap();
        let then = m.find("then also to process 1, 3").unwrap();
        assert!(first < then, "{m}");
    }
}
