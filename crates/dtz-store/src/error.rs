//! One error type for both databases: conflicts and busy states look the same whichever
//! database raised them.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such row (or none in the caller's scope: the same answer on purpose).
    #[error("not found")]
    NotFound,
    /// The row changed since the version the writer saw.
    #[error("the record changed since version {base}; it is now at version {current}")]
    Stale {
        /// The version the writer based its change on.
        base: i64,
        /// The version stored now.
        current: i64,
    },
    /// A unique constraint refused the write; the index name says which.
    #[error("already exists ({0})")]
    Duplicate(String),
    /// A reference points to a row that does not exist.
    #[error("refers to a record that does not exist")]
    MissingReference,
    /// The database is busy (SQLITE_BUSY, serialization failure, deadlock): try again.
    #[error("the database is busy; try again")]
    Busy,
    /// Encryption or key problem.
    #[error("key or encryption error: {0}")]
    Crypto(String),
    /// Configuration problem (URL, key file, durability setting).
    #[error("configuration: {0}")]
    Config(String),
    /// The audit chain does not verify.
    #[error("audit chain broken at event {seq}: {reason}")]
    ChainBroken {
        /// First bad event.
        seq: i64,
        /// What is wrong with it.
        reason: String,
    },
    /// Migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database error.
    #[error("database error: {0}")]
    Db(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        use sqlx::error::ErrorKind;
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut => StoreError::Busy,
            sqlx::Error::Database(d) => {
                let code = d.code().map(|c| c.into_owned()).unwrap_or_default();
                match d.kind() {
                    ErrorKind::UniqueViolation => {
                        StoreError::Duplicate(d.constraint().unwrap_or(d.message()).to_owned())
                    }
                    ErrorKind::ForeignKeyViolation => StoreError::MissingReference,
                    // SQLite: BUSY (5), LOCKED (6), BUSY_SNAPSHOT (517), BUSY_RECOVERY (261);
                    // PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
                    _ if matches!(code.as_str(), "5" | "6" | "261" | "517" | "40001" | "40P01" | "55P03") => {
                        StoreError::Busy
                    }
                    _ => StoreError::Db(e),
                }
            }
            _ => StoreError::Db(e),
        }
    }
}
