use crate::domain::Denied;
use crate::store::StoreError;

/// What a use case can answer besides success. Every message is fit to show a user.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Auth(String),
    /// The account behind an open session was locked, removed or given another role: the
    /// front door signs the session out with this message.
    #[error("{0}")]
    SessionEnded(String),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(StoreError),
}

/// What sort of failure an [`AppError`] is, for front doors that answer each sort in their
/// own way (HTTP statuses) without knowing the store's error type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Invalid,
    Auth,
    /// The session is over (see [`AppError::SessionEnded`]).
    SessionEnded,
    Denied,
    /// A uniqueness or state conflict; the message says which.
    Conflict,
    NotFound,
    /// The database is busy: worth trying again in a moment.
    Busy,
    /// The database cannot take the request now (unreachable, disk full, write failed).
    Unavailable,
    /// Anything else: a fault on our side, to be logged and not detailed to outsiders.
    Internal,
}

impl AppError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            AppError::Invalid(_) => ErrorKind::Invalid,
            AppError::Auth(_) => ErrorKind::Auth,
            AppError::SessionEnded(_) => ErrorKind::SessionEnded,
            AppError::Denied(_) => ErrorKind::Denied,
            AppError::Store(StoreError::Conflict(_)) => ErrorKind::Conflict,
            AppError::Store(StoreError::NotFound(_)) => ErrorKind::NotFound,
            AppError::Store(StoreError::Busy) => ErrorKind::Busy,
            AppError::Store(StoreError::Unreachable(_) | StoreError::DiskFull | StoreError::WriteFailed(_)) => {
                ErrorKind::Unavailable
            }
            AppError::Store(_) => ErrorKind::Internal,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Denied(d) => AppError::Denied(d),
            other => AppError::Store(other),
        }
    }
}

macro_rules! invalid_from {
    ($($t:ty),+) => {$(
        impl From<$t> for AppError {
            fn from(e: $t) -> Self { AppError::Invalid(e.to_string()) }
        }
    )+};
}
invalid_from!(
    crate::domain::user::InvalidUser,
    crate::domain::password::Weak,
    crate::domain::settings::InvalidSetting,
    crate::domain::role::UnknownRole,
    crate::domain::support::Invalid,
    crate::domain::profile::Invalid,
    crate::domain::bookings::RuleError,
    crate::domain::bookings::approval::ApprovalError,
    crate::domain::classes::hours::HoursError
);
