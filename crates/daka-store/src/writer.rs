//! SQLite's group-commit writer: queued writes are committed in groups on one connection, each in
//! its own savepoint, so one fsync makes many acknowledged writes durable and a failing write
//! only undoes itself. The punches of every request in a group are inserted together, in one
//! multi-row statement (more past `MAX_ROWS`) instead of one per punch; if that fails, each
//! request's punches are retried alone, so one bad request still fails only itself.

use std::any::Any;

use futures_util::future::BoxFuture;
use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, Connection, Executor};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::error::{Result, StoreError};
use crate::punches::insert::{MAX_ROWS, insert_many};
use crate::punches::{Inserted, NewPunch};

type Value = Box<dyn Any + Send>;
type Run = Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<Value>> + Send>;
type Reply = Box<dyn FnOnce(Result<Value>) + Send>;

type PunchReply = Box<dyn FnOnce(Result<Vec<Inserted>>) + Send>;

enum Job {
    Run {
        run: Run,
        reply: Reply,
    },
    Punches {
        tenant: String,
        rows: Vec<NewPunch>,
        reply: PunchReply,
    },
}

impl Job {
    fn fail(self, e: StoreError) {
        match self {
            Job::Run { reply, .. } => reply(Err(e)),
            Job::Punches { reply, .. } => reply(Err(e)),
        }
    }
}

/// A write done but not yet committed: answered with `None` once committed, else the error.
type Finish = Box<dyn FnOnce(Option<StoreError>) + Send>;

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
        let job = Job::Run {
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
        self.send(job).await?;
        answer
            .await
            .map_err(|_| StoreError::Database("the writer has stopped".into()))?
    }

    /// Stores punches of one tenant (see [`insert_many`]), committed with the group.
    pub async fn submit_punches(&self, tenant: &str, rows: Vec<NewPunch>) -> Result<Vec<Inserted>> {
        let (reply_tx, answer) = oneshot::channel::<Result<Vec<Inserted>>>();
        let job = Job::Punches {
            tenant: tenant.to_string(),
            rows,
            reply: Box::new(move |r| {
                let _ = reply_tx.send(r);
            }),
        };
        self.send(job).await?;
        answer
            .await
            .map_err(|_| StoreError::Database("the writer has stopped".into()))?
    }

    async fn send(&self, job: Job) -> Result<()> {
        let guard = self.tx.lock().await;
        let Some(tx) = guard.as_ref() else {
            return Err(StoreError::Database("the store is shutting down".into()));
        };
        tx.send(job)
            .map_err(|_| StoreError::Database("the writer has stopped".into()))
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
        // A connection that cannot even begin is replaced for the next group (a ping before
        // every group would cost a round trip to SQLite's thread per commit).
        if !commit_group(&mut conn, group, begin).await
            && let Ok(fresh) = AnyConnection::connect_with(&opts).await
        {
            conn = fresh;
            for p in crate::db::SQLITE_PRAGMAS
                .iter()
                .chain(&crate::checkpoint::WRITER_PRAGMAS)
            {
                let _ = conn.execute(*p).await;
            }
        }
    }
}

/// Commits one group; false when its transaction could not even begin.
async fn commit_group(conn: &mut AnyConnection, group: Vec<Job>, begin: &str) -> bool {
    if let Err(e) = conn.execute(begin).await {
        let err = StoreError::from(e);
        for job in group {
            job.fail(err.clone());
        }
        return false;
    }
    let mut done: Vec<Finish> = Vec::with_capacity(group.len());
    let mut punches: Vec<(String, Vec<NewPunch>, PunchReply)> = Vec::new();
    for job in group {
        let (run, reply) = match job {
            Job::Run { run, reply } => (run, reply),
            Job::Punches {
                tenant,
                rows,
                reply,
            } => {
                punches.push((tenant, rows, reply));
                continue;
            }
        };
        match in_savepoint(conn, run).await {
            Ok(v) => done.push(Box::new(move |e| match e {
                None => reply(Ok(v)),
                Some(e) => reply(Err(e)),
            })),
            Err(e) => reply(Err(e)),
        }
    }
    if !punches.is_empty() {
        insert_punches(conn, punches, &mut done).await;
    }
    match conn.execute("COMMIT").await {
        Ok(_) => done.into_iter().for_each(|f| f(None)),
        Err(e) => {
            let _ = conn.execute("ROLLBACK").await;
            let err = StoreError::from(e);
            done.into_iter().for_each(|f| f(Some(err.clone())));
        }
    }
    true
}

/// Runs one write in its own savepoint, undoing only it when it fails.
async fn in_savepoint(conn: &mut AnyConnection, run: Run) -> Result<Value> {
    conn.execute("SAVEPOINT job").await?;
    match run(conn).await {
        Ok(v) => {
            let _ = conn.execute("RELEASE job").await;
            Ok(v)
        }
        Err(e) => {
            let _ = conn.execute("ROLLBACK TO job").await;
            let _ = conn.execute("RELEASE job").await;
            Err(e)
        }
    }
}

fn finish_punches(reply: PunchReply, inserted: Vec<Inserted>) -> Finish {
    Box::new(move |e| match e {
        None => reply(Ok(inserted)),
        Some(e) => reply(Err(e)),
    })
}

/// Punch rows, undone together when one fails: one statement is atomic by itself, more
/// need a savepoint.
async fn many_in_savepoint(
    conn: &mut AnyConnection,
    rows: &[(&str, &NewPunch)],
) -> Result<Vec<Inserted>> {
    if rows.len() <= MAX_ROWS {
        return insert_many(conn, rows).await;
    }
    conn.execute("SAVEPOINT punches").await?;
    match insert_many(conn, rows).await {
        Ok(v) => {
            conn.execute("RELEASE punches").await?;
            Ok(v)
        }
        Err(e) => {
            let _ = conn.execute("ROLLBACK TO punches").await;
            let _ = conn.execute("RELEASE punches").await;
            Err(e)
        }
    }
}

/// The group's punches together; when that fails, each request's punches alone.
async fn insert_punches(
    conn: &mut AnyConnection,
    jobs: Vec<(String, Vec<NewPunch>, PunchReply)>,
    done: &mut Vec<Finish>,
) {
    let all: Vec<(&str, &NewPunch)> = jobs
        .iter()
        .flat_map(|(t, rows, _)| rows.iter().map(move |p| (t.as_str(), p)))
        .collect();
    let together = many_in_savepoint(conn, &all).await;
    drop(all);
    if let Ok(mut inserted) = together {
        for (_, rows, reply) in jobs.into_iter().rev() {
            let mine = inserted.split_off(inserted.len() - rows.len());
            done.push(finish_punches(reply, mine));
        }
        return;
    }
    for (tenant, rows, reply) in jobs {
        let list: Vec<(&str, &NewPunch)> = rows.iter().map(|p| (tenant.as_str(), p)).collect();
        match many_in_savepoint(conn, &list).await {
            Ok(v) => done.push(finish_punches(reply, v)),
            Err(e) => reply(Err(e)),
        }
    }
}
