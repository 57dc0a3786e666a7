//! Fresh databases for tests: a SQLite file in a temporary folder, or a new database in
//! the throwaway PostgreSQL cluster that the test command starts
//! (`PORTVAGT_TEST_POSTGRES_URL`).

use crate::{DataKey, Store};
use sqlx::any::install_default_drivers;
use uuid::Uuid;

pub const POSTGRES_ENV: &str = "PORTVAGT_TEST_POSTGRES_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

/// A fresh, empty database; the SQLite folder is removed when this is dropped.
pub struct TestDb {
    pub url: String,
    pub backend: TestBackend,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// Creates the database. A PostgreSQL test without the cluster fails with a message
    /// saying how to get one: it never passes silently.
    pub async fn new(backend: TestBackend) -> TestDb {
        match backend {
            TestBackend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let url = format!("sqlite://{}", dir.path().join("portvagt.db").display());
                TestDb { url, backend, _dir: Some(dir) }
            }
            TestBackend::Postgres => {
                let admin = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
                    panic!("{POSTGRES_ENV} is not set: run the test command `./scripts/test` (it starts a throwaway PostgreSQL 15 cluster), or point it at a PostgreSQL server you may create databases on")
                });
                install_default_drivers();
                let name = format!("pv_{}", Uuid::new_v4().simple());
                let pool =
                    sqlx::AnyPool::connect(&admin).await.unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {POSTGRES_ENV}: {e}"));
                sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&pool).await.expect("create test database");
                pool.close().await;
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                TestDb { url: format!("{base}/{name}"), backend, _dir: None }
            }
        }
    }

    /// A store on this database with a fixed test key, not yet migrated.
    pub async fn store(&self) -> Store {
        Store::connect(&self.url, DataKey::from_master([42u8; 32])).await.expect("connect to test database")
    }
}

/// Declares one async test per backend: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! backend_tests {
    ($($(#[$meta:meta])* async fn $name:ident($b:ident: TestBackend) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                async fn run($b: $crate::testing::TestBackend) $body
                $(#[$meta])*
                #[tokio::test]
                async fn sqlite() { run($crate::testing::TestBackend::Sqlite).await }
                $(#[$meta])*
                #[tokio::test]
                async fn postgres() { run($crate::testing::TestBackend::Postgres).await }
            }
        )*
    };
}
