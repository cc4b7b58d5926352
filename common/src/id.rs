//! 64-bit time-ordered ids (snowflake-style): 41 bits of milliseconds since 2024-01-01, 10 bits of
//! node, 12 bits of sequence. They sort by creation time and travel in JSON as strings.

use std::sync::Mutex;

use rand::Rng;

const EPOCH_MS: i64 = 1_704_067_200_000;
const NODE_BITS: u32 = 10;
const SEQUENCE_BITS: u32 = 12;
const MAX_SEQUENCE: i64 = (1 << SEQUENCE_BITS) - 1;

#[derive(Debug)]
pub struct IdGenerator {
    node: i64,
    state: Mutex<(i64, i64)>,
}

impl IdGenerator {
    /// A random node number: two processes sharing a database collide only if they draw the same
    /// node and the same millisecond and sequence.
    pub fn new() -> Self {
        Self::with_node(rand::thread_rng().gen_range(0..(1 << NODE_BITS)))
    }

    pub fn with_node(node: i64) -> Self {
        IdGenerator { node: node & ((1 << NODE_BITS) - 1), state: Mutex::new((0, 0)) }
    }

    pub fn next_id(&self) -> i64 {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (last_ms, sequence) = *state;
        let mut now = crate::now_ms().max(last_ms);
        let next_sequence = if now == last_ms { sequence + 1 } else { 0 };
        let next_sequence = if next_sequence > MAX_SEQUENCE {
            // 4096 ids in one millisecond: borrow the next millisecond rather than wait.
            now += 1;
            0
        } else {
            next_sequence
        };
        *state = (now, next_sequence);
        ((now - EPOCH_MS) << (NODE_BITS + SEQUENCE_BITS)) | (self.node << SEQUENCE_BITS) | next_sequence
    }
}

impl Default for IdGenerator {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_increasing() {
        let ids = IdGenerator::with_node(7);
        let generated: Vec<i64> = (0..20_000).map(|_| ids.next_id()).collect();
        assert!(generated.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(generated[0] > 0);
    }

    #[test]
    fn ids_from_later_milliseconds_sort_after() {
        let ids = IdGenerator::with_node(1023);
        let first = ids.next_id();
        std::thread::sleep(std::time::Duration::from_millis(3));
        let other = IdGenerator::with_node(0);
        assert!(other.next_id() > first);
    }
}
