//! PostgreSQL in a container (`HRMS_TEST_POSTGRES_IMAGE`, default `postgres:16`),
//! and the service's outbox, read by the support library.

use std::time::Duration;

use diesel::{Connection, PgConnection, RunQueryDsl};
use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

use super::{env_or, split_image, wait_until};

/// The public image's readiness line; the local image prints it too.
const READY_LINE: &str = "database system is ready to accept connections";

/// A running PostgreSQL container.
pub struct Postgres {
    _container: ContainerAsync<GenericImage>,
    /// Host port mapped to 5432.
    pub port: u16,
}

impl Postgres {
    /// Starts the container and waits until it accepts TCP connections.
    pub async fn start() -> Postgres {
        let image = env_or("HRMS_TEST_POSTGRES_IMAGE", "postgres:16");
        let (name, tag) = split_image(&image);
        // The public image needs a password or trust for host connections; the
        // local one ignores the variable (it is built with trust). `postgres -c`
        // arguments work with both entry points.
        let container = GenericImage::new(name, tag)
            .with_exposed_port(5432.tcp())
            .with_wait_for(WaitFor::message_on_stderr(READY_LINE))
            .with_env_var("POSTGRES_HOST_AUTH_METHOD", "trust")
            .with_label("org.hrms.tier2", "postgres")
            .with_cmd([
                "postgres",
                "-c",
                "fsync=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=300",
            ])
            .with_startup_timeout(Duration::from_secs(180))
            .start()
            .await
            .unwrap_or_else(|e| panic!("cannot start PostgreSQL from {image}: {e}"));
        let port = container
            .get_host_port_ipv4(5432)
            .await
            .expect("PostgreSQL port mapping");
        let pg = Postgres {
            _container: container,
            port,
        };
        // The public image prints the readiness line once for its init-time
        // server too (which listens on no TCP port): a real connection decides.
        let url = pg.url("postgres");
        wait_until(Duration::from_secs(60), Duration::from_millis(250), || {
            let url = url.clone();
            async move { PgConnection::establish(&url).ok().map(|_| ()) }
        })
        .await
        .unwrap_or_else(|| panic!("PostgreSQL from {image} does not accept connections"));
        pg
    }

    /// URL of database `db` as user postgres.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates database `db` and returns its URL.
    pub fn create_database(&self, db: &str) -> String {
        let mut conn = PgConnection::establish(&self.url("postgres")).expect("connect");
        diesel::sql_query(format!("CREATE DATABASE {db}"))
            .execute(&mut conn)
            .expect("create database");
        self.url(db)
    }
}

/// Every event the service committed, queued or delivered, in commit order,
/// read in one snapshot over a connection to `url`.
pub use crate::support::outbox::{read_url as outbox, OutboxRecord};
