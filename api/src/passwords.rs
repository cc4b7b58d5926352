//! Password hashing (Argon2id with the crate's recommended parameters) on threads of its own.
//! Each hash works in 19 MiB, which the allocator keeps on the thread that used it: on tokio's
//! blocking threads a burst of sign-ins left that much behind on every thread it touched (eight at
//! once took the HTTP-only api from 47 to 123 MiB, and three bursts to 200 MiB; #19,
//! `api/bench/login-memory.sh`). Here the same few threads hash every password and use their
//! memory again: at most `HASHING_THREADS` x 19 MiB, whatever comes.

use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::{ApiError, ApiResult};

/// Two hashes at once: a family's sign-ins never queue for long, and the memory stays bounded.
const HASHING_THREADS: usize = 2;

type Job = Box<dyn FnOnce() + Send>;

pub struct Passwords {
    jobs: Sender<Job>,
}

impl Passwords {
    /// Starts the hashing threads; they end when this is dropped.
    pub fn start() -> std::io::Result<Passwords> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..HASHING_THREADS {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new().name(format!("password-hashing-{n}")).spawn(move || serve(&queue))?;
        }
        Ok(Passwords { jobs })
    }

    /// The PHC string (`$argon2id$...`) of a new salted hash.
    pub async fn hash(&self, password: String) -> ApiResult<String> {
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default().hash_password(password.as_bytes(), &salt).map(|hash| hash.to_string())
        })
        .await?
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("argon2: {e}")))
    }

    /// Whether `password` is the one hashed in `stored`; with no stored hash it still does the
    /// work, so timing does not tell whether an email is registered.
    pub async fn verify(&self, password: String, stored: Option<String>) -> ApiResult<bool> {
        self.run(move || {
            let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
            let parsed = PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
            Ok::<_, anyhow::Error>(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await?
        .map_err(ApiError::Internal)
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // Nobody waits any more when the request was dropped.
            let _ = answer.send(work());
        });
        let gone = || ApiError::Internal(anyhow::anyhow!("the password hashing threads have stopped"));
        self.jobs.send(job).map_err(|_| gone())?;
        answered.await.map_err(|_| gone())
    }
}

/// One hashing thread: the next job, until every sender is gone.
fn serve(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

/// Argon2id hash of a random password nobody knows, used for unknown emails.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3rG0Qk4qBI1VVnEbmm0Yp6q9u4wAp4fFhO0OpnK4bMc";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let passwords = Passwords::start().expect("threads");
        let hashes = futures::future::join_all((0..4).map(|_| passwords.hash("a long family password".into()))).await;
        let hash = hashes[0].as_ref().expect("hash").clone();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert_ne!(hashes[1].as_ref().expect("hash"), &hash, "salted");
        assert!(passwords.verify("a long family password".into(), Some(hash.clone())).await.expect("verify"));
        assert!(!passwords.verify("a wrong password".into(), Some(hash)).await.expect("verify"));
        assert!(!passwords.verify("anything".into(), None).await.expect("verify"));
    }
}
