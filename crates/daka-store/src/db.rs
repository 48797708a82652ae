//! Opening the database: backend from the URL, per-connection settings, migrations, and the
//! write path (SQLite: one writer connection committing queued writes in groups; PostgreSQL:
//! a transaction per write on the pool).

use std::sync::Arc;

use futures_util::future::BoxFuture;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection, Executor};

use crate::context::ContextCache;
use crate::error::{Result, StoreError};
use crate::fresh::Fresh;
use crate::keys::Keys;
use crate::punches::recent::RecentPunches;
use crate::users::CredCache;
use crate::writer::Writer;

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite settings every connection needs: durable commits (an acknowledged write survives
/// power loss), enforced foreign keys, and waiting instead of failing on a busy file.
pub(crate) const SQLITE_PRAGMAS: [&str; 3] = [
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 10000",
];

/// The store: a read pool and the write path.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    writer: Option<Arc<Writer>>,
    pub(crate) keys: Arc<Keys>,
    pub(crate) cache: Arc<ContextCache>,
    pub(crate) fresh: Arc<Fresh>,
    pub(crate) creds: Arc<CredCache>,
    pub(crate) recent: Arc<RecentPunches>,
    /// Stops background work (SQLite's checkpoints) on close.
    stop: Arc<tokio::sync::watch::Sender<bool>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

fn backend_of(url: &str) -> Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::invalid(
            "database_url",
            "must start with sqlite: or postgres://",
        ))
    }
}

async fn sqlite_setup(conn: &mut AnyConnection) -> Result<()> {
    for p in SQLITE_PRAGMAS {
        conn.execute(p).await?;
    }
    Ok(())
}

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates the database at `url`.
    pub async fn open(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { "&" } else { "?" })
            }
            _ => url.to_string(),
        };
        let opts: AnyConnectOptions = url
            .parse()
            .map_err(|e| StoreError::invalid("database_url", format!("{e}")))?;
        let opts = opts.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        for p in SQLITE_PRAGMAS {
                            conn.execute(p).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(opts.clone())
            .await?;
        let writer = match backend {
            Backend::Sqlite => {
                let mut conn = AnyConnection::connect_with(&opts).await?;
                // WAL lets readers run beside the writer; it is a property of the file.
                conn.execute("PRAGMA journal_mode = WAL").await?;
                sqlite_setup(&mut conn).await?;
                SQLITE.run(&mut conn).await?;
                for p in crate::checkpoint::WRITER_PRAGMAS {
                    conn.execute(p).await?;
                }
                Some(Arc::new(Writer::start(
                    conn,
                    opts.clone(),
                    "BEGIN IMMEDIATE",
                )))
            }
            // Each write is its own transaction on the pool. (A group-commit writer here measured
            // about the same, since a tenant's audit chain serializes its writes either way, and
            // groups mixing tenants could deadlock between instances.)
            Backend::Postgres => {
                POSTGRES.run(&pool).await?;
                None
            }
        };
        let (stop, stopped) = tokio::sync::watch::channel(false);
        if backend == Backend::Sqlite {
            tokio::spawn(crate::checkpoint::run(pool.clone(), stopped));
        }
        Ok(Self {
            stop: Arc::new(stop),
            pool,
            backend,
            writer,
            keys: Arc::new(Keys::default()),
            cache: Arc::new(ContextCache::default()),
            // See `fresh` and `punches::recent` for why these differ by backend.
            fresh: Arc::new(Fresh::new(match backend {
                Backend::Sqlite => std::time::Duration::from_secs(1),
                Backend::Postgres => std::time::Duration::ZERO,
            })),
            creds: Arc::new(CredCache::default()),
            recent: Arc::new(RecentPunches::new(backend == Backend::Sqlite)),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for reads (and, on PostgreSQL, for write transactions).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Runs `f` in a transaction and returns its value once the transaction is durably
    /// committed. If `f` fails, nothing it wrote is kept.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        let v = match &self.writer {
            Some(w) => w.submit(f).await,
            None => {
                let mut tx = self.pool.begin().await?;
                let v = f(&mut tx).await?;
                tx.commit().await?;
                Ok(v)
            }
        };
        // Cached audit sequences are re-read after any write of this process.
        self.fresh.wrote();
        v
    }

    /// SQLite's group-commit writer (None on PostgreSQL).
    pub(crate) fn writer(&self) -> Option<&Writer> {
        self.writer.as_deref()
    }

    /// Whether the database answers and every migration of this release is applied.
    pub async fn ready(&self) -> Result<bool> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE,
            Backend::Postgres => &POSTGRES,
        };
        let latest = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await?;
        Ok(applied == Some(latest))
    }

    /// Finishes queued writes and closes connections.
    pub async fn close(&self) {
        if let Some(w) = &self.writer {
            w.shutdown().await;
        }
        let _ = self.stop.send(true);
        self.pool.close().await;
    }
}
