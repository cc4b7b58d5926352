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

/// An id of one kind of row. Each kind is its own type, so an album's id given where a photo's
/// is wanted does not compile. In JSON and URLs they are strings (JavaScript numbers lose
/// precision above 2^53); in the database, integers.
macro_rules! typed_ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, sqlx::Type)]
        #[sqlx(transparent)]
        pub struct $name(i64);

        impl $name {
            pub const fn new(raw: i64) -> Self {
                $name(raw)
            }

            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl From<i64> for $name {
            fn from(raw: i64) -> Self {
                $name(raw)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.parse().map($name)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(IdVisitor).map($name)
            }
        }
    )*};
}

typed_ids! {
    /// A person's account.
    UserId;
    /// An album.
    AlbumId;
    /// A photo or video. An upload's reservation has the id its media will have.
    MediaId;
    /// A comment on a photo.
    CommentId;
    /// One of a person's passkeys.
    PasskeyId;
    /// A one-time sign-in link the admin made.
    SignInLinkId;
    /// A link that opens an album without an account.
    ShareLinkId;
}

/// Reads an id written as a string (how picup sends them) or as a number (what a client may
/// send).
struct IdVisitor;

impl serde::de::Visitor<'_> for IdVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an id: digits in a string")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<i64, E> {
        text.parse().map_err(E::custom)
    }

    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<i64, E> {
        Ok(value)
    }

    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<i64, E> {
        i64::try_from(value).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_ids_travel_as_strings_and_read_numbers_too() {
        let id = AlbumId::new(7_000_000_000_000_000_001);
        assert_eq!(serde_json::to_string(&id).ok().as_deref(), Some("\"7000000000000000001\""));
        assert_eq!(serde_json::from_str::<AlbumId>("\"7000000000000000001\"").ok(), Some(id));
        assert_eq!(serde_json::from_str::<AlbumId>("12").ok(), Some(AlbumId::new(12)));
        assert!(serde_json::from_str::<AlbumId>("\"12a\"").is_err());
        assert_eq!("42".parse::<MediaId>().ok(), Some(MediaId::new(42)));
    }

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
