use crate::domain::Denied;
use crate::store::StoreError;

/// What a use case can answer besides success. Every message is fit to show a user.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Auth(String),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(StoreError),
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
    crate::domain::bookings::RuleError,
    crate::domain::bookings::approval::ApprovalError,
    crate::domain::classes::hours::HoursError
);
