//! Starting and stopping: load the catalogue, bind, serve until SIGTERM/SIGINT (then stop
//! accepting, let requests in flight finish, exit), reload on SIGHUP.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::config::ServeConfig;
use crate::error::ServeError;
use crate::pool::CpuPool;
use crate::routes::router;
use crate::state::AppState;

/// A server whose models are loaded and whose socket is bound, not yet answering.
pub struct Server {
    state: Arc<AppState>,
    listener: tokio::net::TcpListener,
}

impl Server {
    /// Loads every model (and the item file) and binds `config.addr`. Must run inside a
    /// tokio runtime.
    pub async fn bind(config: ServeConfig) -> Result<Self, ServeError> {
        config.check()?;
        let pool = CpuPool::new(config.pool, config.worker_threads()).map_err(|source| {
            ServeError::Io {
                context: "cannot start the worker pool".into(),
                source,
            }
        })?;
        let load_config = config.clone();
        let catalog = tokio::task::spawn_blocking(move || Catalog::load(&load_config))
            .await
            .map_err(|e| ServeError::Config(format!("loading the models panicked: {e}")))??;
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| ServeError::Io {
                context: format!("cannot listen on {}", config.addr),
                source,
            })?;
        Ok(Server {
            state: Arc::new(AppState::new(catalog, config, pool)),
            listener,
        })
    }

    /// The address bound (with the port chosen, when port 0 was asked for).
    pub fn local_addr(&self) -> Result<SocketAddr, ServeError> {
        self.listener.local_addr().map_err(|source| ServeError::Io {
            context: "cannot read the bound address".into(),
            source,
        })
    }

    /// The shared state (catalogue, metrics).
    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// Answers requests until `shutdown` completes, then stops accepting and returns once
    /// the requests in flight are answered.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        use axum::serve::ListenerExt;
        let listener = self.listener.tap_io(|tcp| {
            // Small answers go out at once.
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, router(self.state))
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|source| ServeError::Io {
                context: "the server stopped".into(),
                source,
            })
    }

    /// Answers requests until SIGTERM or SIGINT (draining requests in flight), reloading
    /// the models on SIGHUP; `on_ready` is called with the bound address first.
    pub async fn serve_until_signal(
        self,
        on_ready: impl FnOnce(SocketAddr),
    ) -> Result<(), ServeError> {
        on_ready(self.local_addr()?);
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let sig = |kind| {
                signal(kind).map_err(|source| ServeError::Io {
                    context: "cannot handle signals".into(),
                    source,
                })
            };
            let mut hangup = sig(SignalKind::hangup())?;
            let mut terminate = sig(SignalKind::terminate())?;
            let mut interrupt = sig(SignalKind::interrupt())?;
            let state = Arc::clone(&self.state);
            tokio::spawn(async move {
                while hangup.recv().await.is_some() {
                    match state.reload().await {
                        Ok(_) => eprintln!("SIGHUP: models reloaded"),
                        Err(e) => eprintln!("SIGHUP: {}", e.message),
                    }
                }
            });
            let shutdown = async move {
                tokio::select! {
                    _ = terminate.recv() => eprintln!("SIGTERM: finishing requests in flight, then exiting"),
                    _ = interrupt.recv() => eprintln!("SIGINT: finishing requests in flight, then exiting"),
                }
            };
            self.serve(shutdown).await
        }
        #[cfg(not(unix))]
        {
            self.serve(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
        }
    }
}

/// Runs a server for `config` on a runtime of `config.io_threads` workers until SIGTERM or
/// SIGINT: what `rustrec serve` does. `on_ready` is called once the models are loaded and
/// the address is bound (the server answers `/healthz` from then on). The configuration is
/// checked before any thread starts.
pub fn run(config: ServeConfig, on_ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    config.check()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.runtime_threads())
        .thread_name("rustrec-serve-io")
        .enable_all()
        .build()
        .map_err(|source| ServeError::Io {
            context: "cannot start the async runtime".into(),
            source,
        })?;
    runtime.block_on(async move {
        Server::bind(config)
            .await?
            .serve_until_signal(on_ready)
            .await
    })
}

/// A server running on its own thread and runtime (for tests and embedding): stopped and
/// joined by [`Running::stop`] or on drop.
pub struct Running {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), ServeError>>>,
}

impl Running {
    /// Checks `config`, loads the models, binds `config.addr` (port 0: a free port) and
    /// answers on a background thread; returns once the server answers.
    pub fn start(config: ServeConfig) -> Result<Self, ServeError> {
        config.check()?;
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let threads = config.runtime_threads();
        let thread = std::thread::Builder::new()
            .name("rustrec-serve".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(threads)
                    .enable_all()
                    .build()
                    .map_err(|source| ServeError::Io {
                        context: "cannot start the async runtime".into(),
                        source,
                    })?;
                runtime.block_on(async move {
                    let server = match Server::bind(config).await {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e.to_string()));
                            return Err(e);
                        }
                    };
                    let _ = ready_tx.send(server.local_addr().map_err(|e| e.to_string()));
                    server
                        .serve(async move {
                            let _ = stop_rx.await;
                        })
                        .await
                })
            })
            .map_err(|source| ServeError::Io {
                context: "cannot start the server thread".into(),
                source,
            })?;
        match ready_rx.recv() {
            Ok(Ok(addr)) => Ok(Running {
                addr,
                stop: Some(stop_tx),
                thread: Some(thread),
            }),
            Ok(Err(msg)) => {
                let _ = thread.join();
                Err(ServeError::Config(msg))
            }
            Err(_) => Err(match thread.join() {
                Ok(Err(e)) => e,
                _ => ServeError::Config("the server thread stopped".into()),
            }),
        }
    }

    /// The address the server answers on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, finishes requests in flight, and joins the server thread.
    pub fn stop(mut self) -> Result<(), ServeError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), ServeError> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(ServeError::Config("the server thread panicked".into())),
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
