//! Password hashing (Argon2id) on a thread of its own. Each hash works in `PARAMS`' memory, which
//! the allocator keeps on the thread that used it: mimalloc gives freed memory back to the system
//! only when that thread calls on it again, and a thread waiting for the next password never does
//! (measured: the same holds for threads that end). On tokio's blocking threads a burst of
//! sign-ins left that much behind on every thread it touched (eight at once took the HTTP-only
//! api from 47 to 123 MiB, and three bursts to 200 MiB); on two hashing threads, one sign-in could
//! leave 24 MiB for good (#19, `api/bench/login-memory.sh`). Here one thread hashes every
//! password and uses its memory again: at most `HASHING_THREADS` x 12 MiB, whatever comes.

use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{ApiError, ApiResult};

/// Argon2id in 12 MiB with 3 passes: one of the settings OWASP's password storage cheat sheet
/// lists as equal in defence to the crate's default (19 MiB, 2 passes), trading memory for time.
/// The hashing thread keeps its working set, so this is what a signed-in api keeps (#19 goal
/// 4: the HTTP-only api under 50 MB). Hashes made before keep their own parameters and verify.
const PARAMS: Params = match Params::new(12 * 1024, 3, 1, None) {
    Ok(params) => params,
    Err(_) => panic!("Argon2 parameters out of range"),
};

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS)
}

/// One hash at a time: a burst of sign-ins keeps 12 MiB, not 12 MiB per thread, and never takes
/// more than one core from the album's pages (#19 goal 4: the HTTP-only api under 50 MB). Eight
/// sign-ins at once were all answered in 0.20-0.23 s, against 0.17-0.20 s on two threads
/// (`api/bench/login-memory.sh`).
const HASHING_THREADS: usize = 1;

type Job = Box<dyn FnOnce() + Send>;

pub struct Passwords {
    jobs: Sender<Job>,
}

impl Passwords {
    /// Starts the hashing thread(s); they end when this is dropped.
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
            argon2().hash_password(password.as_bytes(), &salt).map(|hash| hash.to_string())
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
            Ok::<_, anyhow::Error>(argon2().verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await?
        .map_err(ApiError::Internal)
    }

    /// Whether a stored hash was made with other parameters than today's (sign-in makes it again).
    pub fn outdated(stored: &str) -> bool {
        PasswordHash::new(stored).ok().and_then(|hash| Params::try_from(&hash).ok()).is_none_or(|params| {
            (params.m_cost(), params.t_cost(), params.p_cost()) != (PARAMS.m_cost(), PARAMS.t_cost(), PARAMS.p_cost())
        })
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

/// Argon2id hash of a random password nobody knows, used for unknown emails; made with `PARAMS`,
/// so it costs what a family member's does.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=12288,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$2RzJBju40POhjVM860uVF6MItLA6SF0/MD4TICkXI2U";

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

    #[tokio::test]
    async fn new_hashes_and_the_unknown_emails_one_cost_the_same_and_older_hashes_still_verify() {
        let passwords = Passwords::start().expect("threads");
        let hash = passwords.hash("a long family password".into()).await.expect("hash");
        let params = |phc: &str| PasswordHash::new(phc).expect("a PHC string").params.to_string();
        assert_eq!(params(&hash), "m=12288,t=3,p=1");
        assert_eq!(params(DUMMY_HASH), params(&hash), "an unknown email takes as long as a known one");
        // Made before (the crate's default parameters), for "a long family password".
        let older = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$odhF5njDiycvs62T7WEjS/HBaIJBXcquaMqi5OIwBwQ";
        assert!(passwords.verify("a long family password".into(), Some(older.into())).await.expect("verify"));
        assert!(!passwords.verify("a wrong password".into(), Some(older.into())).await.expect("verify"));
        assert!(Passwords::outdated(older) && !Passwords::outdated(&hash) && !Passwords::outdated(DUMMY_HASH));
    }
}
