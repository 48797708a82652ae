//! SQLite's group-commit writer: queued writes are committed in groups on one connection, each in
//! its own savepoint, so one fsync makes many acknowledged writes durable and a failing write
//! only undoes itself.

use std::any::Any;

use futures_util::future::BoxFuture;
use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, Connection, Executor};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::error::{Result, StoreError};

type Value = Box<dyn Any + Send>;
type Run = Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<Value>> + Send>;
type Reply = Box<dyn FnOnce(Result<Value>) + Send>;

struct Job {
    run: Run,
    reply: Reply,
}

/// Most writes committed in one transaction.
const MAX_GROUP: usize = 512;

pub struct Writer {
    tx: Mutex<Option<mpsc::UnboundedSender<Job>>>,
    done: Mutex<Option<oneshot::Receiver<()>>>,
}

impl Writer {
    /// `begin` opens a group's transaction (`BEGIN IMMEDIATE` on SQLite takes the write lock
    /// up front).
    /// `opts` reconnects when the connection is lost (e.g. a database restart).
    pub fn start(conn: AnyConnection, opts: AnyConnectOptions, begin: &'static str) -> Self {
        let (tx, rx) = mpsc::unbounded_channel::<Job>();
        let (done_tx, done_rx) = oneshot::channel();
        tokio::spawn(async move {
            run(conn, opts, rx, begin).await;
            let _ = done_tx.send(());
        });
        Self {
            tx: Mutex::new(Some(tx)),
            done: Mutex::new(Some(done_rx)),
        }
    }

    pub async fn submit<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        let (reply_tx, answer) = oneshot::channel::<Result<T>>();
        let job = Job {
            run: Box::new(move |conn| {
                Box::pin(async move { f(conn).await.map(|v| Box::new(v) as Value) })
            }),
            reply: Box::new(move |r: Result<Value>| {
                let r = r.and_then(|v| {
                    v.downcast::<T>()
                        .map(|b| *b)
                        .map_err(|_| StoreError::Database("writer: unexpected value type".into()))
                });
                let _ = reply_tx.send(r);
            }),
        };
        {
            let guard = self.tx.lock().await;
            let Some(tx) = guard.as_ref() else {
                return Err(StoreError::Database("the store is shutting down".into()));
            };
            tx.send(job)
                .map_err(|_| StoreError::Database("the writer has stopped".into()))?;
        }
        answer
            .await
            .map_err(|_| StoreError::Database("the writer has stopped".into()))?
    }

    /// Stops taking writes, then waits until every queued write is committed.
    pub async fn shutdown(&self) {
        self.tx.lock().await.take();
        if let Some(done) = self.done.lock().await.take() {
            let _ = done.await;
        }
    }
}

async fn run(
    mut conn: AnyConnection,
    opts: AnyConnectOptions,
    mut rx: mpsc::UnboundedReceiver<Job>,
    begin: &str,
) {
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => group.push(j),
                Err(_) => break,
            }
        }
        // A connection that cannot even begin is replaced before the group runs.
        if conn.ping().await.is_err()
            && let Ok(fresh) = AnyConnection::connect_with(&opts).await
        {
            conn = fresh;
            if conn.backend_name().eq_ignore_ascii_case("sqlite") {
                for p in crate::db::SQLITE_PRAGMAS {
                    let _ = conn.execute(p).await;
                }
            }
        }
        commit_group(&mut conn, group, begin).await;
    }
}

async fn commit_group(conn: &mut AnyConnection, group: Vec<Job>, begin: &str) {
    if let Err(e) = conn.execute(begin).await {
        let err = StoreError::from(e);
        for job in group {
            (job.reply)(Err(err.clone()));
        }
        return;
    }
    let mut done: Vec<(Reply, Value)> = Vec::with_capacity(group.len());
    for job in group {
        if let Err(e) = conn.execute("SAVEPOINT job").await {
            (job.reply)(Err(StoreError::from(e)));
            continue;
        }
        match (job.run)(conn).await {
            Ok(v) => {
                let _ = conn.execute("RELEASE job").await;
                done.push((job.reply, v));
            }
            Err(e) => {
                let _ = conn.execute("ROLLBACK TO job").await;
                let _ = conn.execute("RELEASE job").await;
                (job.reply)(Err(e));
            }
        }
    }
    match conn.execute("COMMIT").await {
        Ok(_) => done.into_iter().for_each(|(reply, v)| reply(Ok(v))),
        Err(e) => {
            let _ = conn.execute("ROLLBACK").await;
            let err = StoreError::from(e);
            done.into_iter()
                .for_each(|(reply, _)| reply(Err(err.clone())));
        }
    }
}
