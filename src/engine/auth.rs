use crate::domain::password;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// argon2id on the blocking pool, at most `n` at once: each verification takes ~19 MiB and
/// tens of milliseconds of CPU, so a burst of sign-ins must queue rather than starve the UI.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
}

impl Hasher {
    pub fn new(concurrency: usize) -> Hasher {
        Hasher { permits: Arc::new(Semaphore::new(concurrency.max(1))) }
    }

    pub async fn hash(&self, plain: String) -> String {
        self.run(move || password::hash(&plain)).await
    }

    pub async fn verify(&self, plain: String, stored: String) -> bool {
        self.run(move || password::verify(&plain, &stored)).await
    }

    pub async fn verify_dummy(&self, plain: String) {
        self.run(move || {
            password::verify_dummy(&plain);
        })
        .await
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        let _permit = self.permits.acquire().await.expect("the semaphore is never closed");
        tokio::task::spawn_blocking(f).await.expect("password hashing does not panic")
    }
}
