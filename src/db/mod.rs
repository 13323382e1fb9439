//! Database access for both backends: one [`DbConnection`] enum over PostgreSQL and
//! SQLite, an r2d2 pool, embedded migrations (one folder per backend) and the write
//! transaction helper every module uses.

pub mod schema;

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use secrecy::ExposeSecret;

use crate::config::{DatabaseSettings, DatabaseTarget};

/// A connection to whichever backend the settings chose.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL.
    Pg(PgConnection),
    /// Embedded SQLite.
    Sqlite(SqliteConnection),
}

/// The backend type of [`DbConnection`], for boxed queries.
pub type DbBackend = <DbConnection as Connection>::Backend;

/// Which backend a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// PostgreSQL.
    Postgres,
    /// SQLite.
    Sqlite,
}

impl BackendKind {
    /// Name used in logs and readiness.
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Postgres => "postgres",
            BackendKind::Sqlite => "sqlite",
        }
    }
}

/// Opens connections for the pool and sets SQLite's per-connection pragmas.
#[derive(Debug)]
pub struct Manager {
    target: DatabaseTarget,
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.target {
            DatabaseTarget::Postgres(url) => PgConnection::establish(url.expose_secret())
                .map(DbConnection::Pg)
                .map_err(r2d2::Error::ConnectionError),
            DatabaseTarget::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut conn =
                    SqliteConnection::establish(&path).map_err(r2d2::Error::ConnectionError)?;
                // busy_timeout lets concurrent writers queue instead of failing;
                // NORMAL is durable in WAL mode except for the last commits on power loss.
                conn.batch_execute(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        // A connection returned with an open or broken transaction must not be reused.
        <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// The connection pool and the backend it talks to.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    backend: BackendKind,
}

/// A connection checked out of the pool.
pub type PooledConn = r2d2::PooledConnection<Manager>;

impl Db {
    /// Builds the pool; for SQLite creates the file's folder and turns on WAL.
    pub fn connect(settings: &DatabaseSettings) -> anyhow::Result<Self> {
        let target = settings.target()?;
        let backend = match &target {
            DatabaseTarget::Postgres(_) => BackendKind::Postgres,
            DatabaseTarget::Sqlite(path) => {
                prepare_sqlite_file(path)?;
                BackendKind::Sqlite
            }
        };
        let pool = r2d2::Pool::builder()
            .max_size(settings.pool_size)
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(settings.connect_timeout_secs.max(1)))
            .build_unchecked(Manager { target });
        Ok(Self { pool, backend })
    }

    /// The backend in use.
    pub fn backend(&self) -> BackendKind {
        self.backend
    }

    /// Checks out a connection (blocking: call from a sync actor or `spawn_blocking`).
    pub fn get(&self) -> anyhow::Result<PooledConn> {
        self.pool.get().context("no database connection available")
    }

    /// Whether the database answers a trivial query (blocking).
    pub fn ping(&self) -> anyhow::Result<()> {
        let mut conn = self.get()?;
        conn.batch_execute("SELECT 1")
            .context("database did not answer")
    }

    /// Runs pending migrations, on PostgreSQL under an advisory lock so replicas
    /// starting together do not race (blocking).
    pub fn migrate(&self) -> anyhow::Result<Vec<String>> {
        let mut conn = self.get()?;
        run_migrations(&mut conn)
    }
}

fn prepare_sqlite_file(path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)
            .with_context(|| format!("cannot create the SQLite folder {}", dir.display()))?;
        warn_if_wider(dir, 0o700);
    }
    create_private_file(path)
        .with_context(|| format!("cannot create the SQLite file {}", path.display()))?;
    let mut conn = SqliteConnection::establish(&path.to_string_lossy())
        .with_context(|| format!("cannot open the SQLite file {}", path.display()))?;
    // WAL is a property of the file: set once, readers then never block the writer.
    conn.batch_execute("PRAGMA journal_mode = WAL;")
        .context("cannot switch SQLite to WAL mode")?;
    // SQLite creates -wal and -shm with the database file's mode. Files an
    // earlier, laxer run left behind are the operator's to fix: say so.
    for file in sidecars(path)
        .iter()
        .chain(std::iter::once(&path.to_path_buf()))
    {
        warn_if_wider(file, 0o600);
    }
    Ok(())
}

/// The database's `-wal` and `-shm` files.
fn sidecars(path: &Path) -> [std::path::PathBuf; 2] {
    let with = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        std::path::PathBuf::from(name)
    };
    [with("-wal"), with("-shm")]
}

/// Creates the folder (and missing parents) readable by the owner only.
#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Creates the file 0600 if it does not exist yet (an existing one is kept as is).
#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn create_private_file(_: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Logs a warning when `path` exists with permissions beyond `allowed`
/// (existing files are left as the operator set them); returns whether it did.
#[cfg(unix)]
fn warn_if_wider(path: &Path, allowed: u32) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    let mode = meta.permissions().mode() & 0o777;
    if mode & !allowed == 0 {
        return false;
    }
    tracing::warn!(
        path = %path.display(),
        mode = format!("{mode:o}"),
        expected = format!("{allowed:o}"),
        "database file or folder is open to other local users: chmod it to the expected mode"
    );
    true
}

#[cfg(not(unix))]
fn warn_if_wider(_: &Path, _: u32) -> bool {
    false
}

/// Migrations for PostgreSQL.
pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
/// Migrations for SQLite.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Arbitrary constant naming our migration advisory lock.
const MIGRATION_LOCK_ID: i64 = 0x6872_6d73; // "hrms"

fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConnection::Pg(pg) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_ID})"))
                .execute(pg)
                .context("cannot take the migration lock")?;
            let result = pg
                .run_pending_migrations(PG_MIGRATIONS)
                .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>());
            let unlocked =
                diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_ID})"))
                    .execute(pg);
            let applied = result.map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
            unlocked.context("cannot release the migration lock")?;
            applied
        }
        DbConnection::Sqlite(sqlite) => sqlite
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(ToString::to_string).collect())
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?,
    };
    Ok(applied)
}

/// Runs `f` in one write transaction. On SQLite the transaction starts with
/// `BEGIN IMMEDIATE`, so a transaction that reads before it writes queues behind
/// other writers (busy_timeout) instead of failing on the lock upgrade.
pub fn write_tx<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Pg(_) => conn.transaction(f),
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(value) => {
                    <DbConnection as Connection>::TransactionManager::commit_transaction(conn)?;
                    Ok(value)
                }
                Err(err) => {
                    <DbConnection as Connection>::TransactionManager::rollback_transaction(conn)?;
                    Err(err)
                }
            }
        }
    }
}

/// Current time as Unix microseconds, the unit of the outbox's time columns.
pub fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    #[test]
    fn sqlite_migrations_undo_exactly_and_apply_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        prepare_sqlite_file(&path).unwrap();
        let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        conn.run_pending_migrations(SQLITE_MIGRATIONS).unwrap();
        conn.revert_all_migrations(SQLITE_MIGRATIONS).unwrap();
        let tables: i64 = diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%diesel%' AND name NOT LIKE 'sqlite_%'",
        )
        .get_result(&mut conn)
        .unwrap();
        assert_eq!(tables, 0, "down.sql must drop everything up.sql created");
        conn.run_pending_migrations(SQLITE_MIGRATIONS).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn the_sqlite_folder_is_created_0700_and_its_files_0600_and_wider_ones_are_flagged() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let path = data.join("hrms.db");
        let mut settings = Settings::load_from(Path::new("/nonexistent"), "test", &[])
            .unwrap()
            .database;
        settings.sqlite_path = path.clone();
        let db = Db::connect(&settings).unwrap();
        db.migrate().unwrap();
        let conn = db.get().unwrap(); // keeps -wal and -shm open
        assert_eq!(mode(&data), 0o700);
        let [wal, shm] = sidecars(&path);
        for file in [&path, &wal, &shm] {
            assert_eq!(mode(file), 0o600, "{}", file.display());
        }
        assert!(!warn_if_wider(&path, 0o600) && !warn_if_wider(&data, 0o700));
        drop(conn);
        // A file an older run left readable by others is warned about.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(warn_if_wider(&path, 0o600));
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(warn_if_wider(&data, 0o700));
    }

    #[test]
    fn a_fresh_sqlite_file_is_created_in_wal_mode_with_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::load_from(Path::new("/nonexistent"), "test", &[])
            .unwrap()
            .database;
        settings.sqlite_path = dir.path().join("sub/dir/hrms.db");
        let db = Db::connect(&settings).unwrap();
        db.migrate().unwrap();
        let mut conn = db.get().unwrap();
        let DbConnection::Sqlite(inner) = &mut *conn else {
            panic!("expected SQLite")
        };
        let mode: String = diesel::dsl::sql::<diesel::sql_types::Text>("PRAGMA journal_mode")
            .get_result(inner)
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i32 = diesel::dsl::sql::<diesel::sql_types::Integer>("PRAGMA foreign_keys")
            .get_result(inner)
            .unwrap();
        assert_eq!(fk, 1);
    }
}
