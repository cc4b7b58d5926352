//! A circuit breaker: after `threshold` calls in a row could not reach a backend, calls fail at
//! once for `cooldown` instead of each waiting out its own timeouts and retries; then one trial
//! call per cooldown decides whether it is back.
//!
//! The circuit-breaker crates on crates.io are young single-author releases; this is the part of
//! them picup needs, small enough to read in full.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    cooldown: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    consecutive_failures: u32,
    /// While set and in the future, calls are refused.
    open_until: Option<Instant>,
}

impl Breaker {
    pub fn new(threshold: u32, cooldown: Duration) -> Breaker {
        Breaker { threshold: threshold.max(1), cooldown, state: Mutex::new(State::default()) }
    }

    /// May a call go out now? `Err` carries how long until the next trial.
    ///
    /// Once the cooldown is over the first caller is let through as the trial, and the breaker
    /// stays open for everyone else for another cooldown, so a trial that never reports back (its
    /// request was dropped) cannot keep the breaker open forever nor let a crowd through.
    pub fn admit(&self) -> Result<(), Duration> {
        let mut state = self.lock();
        match state.open_until {
            Some(until) => {
                let now = Instant::now();
                if now < until {
                    return Err(until - now);
                }
                state.open_until = Some(now + self.cooldown);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Whether calls are being refused right now.
    pub fn is_open(&self) -> bool {
        self.lock().open_until.is_some_and(|until| Instant::now() < until)
    }

    /// Reports whether an admitted call reached the backend (an answer such as "not found"
    /// counts as reaching it).
    pub fn record(&self, reached: bool) {
        let mut state = self.lock();
        if reached {
            if state.open_until.is_some() {
                tracing::info!("backend answered again; circuit closed");
            }
            *state = State::default();
            return;
        }
        state.consecutive_failures = state.consecutive_failures.saturating_add(1);
        if state.consecutive_failures >= self.threshold {
            if state.open_until.is_none() {
                tracing::warn!(
                    failures = state.consecutive_failures,
                    cooldown_secs = self.cooldown.as_secs_f64(),
                    "backend unreachable; circuit opened"
                );
            }
            state.open_until = Some(Instant::now() + self.cooldown);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is two plain fields, valid whatever a panicking holder was doing.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_of_failures_in_a_row_only() {
        let breaker = Breaker::new(3, Duration::from_secs(60));
        breaker.record(false);
        breaker.record(false);
        breaker.record(true);
        breaker.record(false);
        breaker.record(false);
        assert!(breaker.admit().is_ok(), "a success in between starts the count again");
        breaker.record(false);
        let wait = breaker.admit().expect_err("three in a row open it");
        assert!(wait > Duration::from_secs(59) && wait <= Duration::from_secs(60));
        assert!(breaker.is_open());
    }

    #[test]
    fn after_the_cooldown_one_trial_goes_through_and_its_outcome_decides() {
        let breaker = Breaker::new(1, Duration::from_millis(50));
        breaker.record(false);
        assert!(breaker.admit().is_err());
        std::thread::sleep(Duration::from_millis(60));
        assert!(breaker.admit().is_ok(), "the trial");
        assert!(breaker.admit().is_err(), "only one trial at a time");
        breaker.record(false);
        assert!(breaker.admit().is_err(), "a failed trial opens it again");
        std::thread::sleep(Duration::from_millis(60));
        assert!(breaker.admit().is_ok());
        breaker.record(true);
        assert!(breaker.admit().is_ok() && breaker.admit().is_ok(), "a good trial closes it");
        assert!(!breaker.is_open());
    }

    #[test]
    fn a_trial_that_never_reports_does_not_keep_it_open() {
        let breaker = Breaker::new(1, Duration::from_millis(30));
        breaker.record(false);
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.admit().is_ok(), "a trial whose request is then dropped");
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.admit().is_ok(), "the next cooldown lets another trial through");
    }
}
