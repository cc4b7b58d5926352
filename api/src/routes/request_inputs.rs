//! The small things a client sends that picup parses itself (cursors, ids, the complete body,
//! session and proxy headers), each with any input: a value or a clear error, never a panic,
//! and what is parsed says what was sent. These parsers are pure Rust over a string; a
//! property test reaches them as well as the fuzzer's `request` target (which needs the whole
//! api built instrumented), and runs with every `cargo test`.

use http::{HeaderMap, HeaderValue, header};
use proptest::prelude::*;
use serde_json::json;

use super::uploads::parse_complete_body;
use super::{id_cursor, pair_cursor, parse_id};
use crate::auth::session_token;
use crate::rate_limit::forwarded_client;

fn config() -> ProptestConfig {
    ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() }
}

/// Text as clients may send it: JSON-ish punctuation, digits, dots, cookies and odd characters.
fn client_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9.\\-+ ]{0,40}",
        "[\\[\\]{}\",:a-z_0-9 ]{0,80}",
        "[a-zA-Z0-9=;, _.:\\-\\[\\]]{0,60}",
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_is_an_answer_never_a_panic(text in client_text(), bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        for body in [text.as_bytes(), bytes.as_slice()] {
            if let Ok(Some(parts)) = parse_complete_body(body) {
                prop_assert!(parts.windows(2).all(|pair| pair[0].0 < pair[1].0), "parts come out in order");
            }
        }
        let _ = parse_id::<i64>(&text);
        let _ = id_cursor(&text);
        if let Ok((first, second)) = pair_cursor(&text) {
            prop_assert_eq!(pair_cursor(&format!("{first}.{second}")).ok(), Some((first, second)));
        }
        let _ = forwarded_client(&text);
        if let Ok(value) = HeaderValue::from_str(&text) {
            for name in [header::COOKIE, header::AUTHORIZATION] {
                let mut headers = HeaderMap::new();
                headers.insert(name, value.clone());
                let _ = session_token(&headers);
            }
        }
    }

    #[test]
    fn the_parts_a_client_lists_in_order_are_the_parts_read(numbers in proptest::collection::btree_set(1..=10_000i32, 1..20), etag in "[ -~]{0,40}") {
        let parts: Vec<_> = numbers.iter().map(|n| json!({ "part_number": n, "etag": etag })).collect();
        let body = serde_json::to_vec(&json!({ "parts": parts })).expect("json");
        let read = parse_complete_body(&body).expect("valid parts").expect("parts");
        prop_assert_eq!(read, numbers.iter().map(|n| (*n, etag.clone())).collect::<Vec<_>>());
    }

    #[test]
    fn parts_out_of_order_or_out_of_range_are_refused(first in -5..=10_005i32, second in -5..=10_005i32) {
        let body = serde_json::to_vec(&json!({ "parts": [
            { "part_number": first, "etag": "a" }, { "part_number": second, "etag": "b" }
        ] })).expect("json");
        let valid = (1..=10_000).contains(&first) && (1..=10_000).contains(&second) && first < second;
        prop_assert_eq!(parse_complete_body(&body).is_ok(), valid);
    }

    #[test]
    fn the_cursors_and_ids_given_out_are_read_back(first in any::<i64>(), second in any::<i64>()) {
        prop_assert_eq!(id_cursor(&first.to_string()).ok(), Some(first));
        prop_assert_eq!(parse_id::<i64>(&first.to_string()).ok(), Some(first));
        prop_assert_eq!(pair_cursor(&format!("{first}.{second}")).ok(), Some((first, second)));
    }

    #[test]
    fn the_forwarded_client_is_the_last_hop(earlier in proptest::collection::vec(any::<std::net::IpAddr>(), 0..4), last in any::<std::net::IpAddr>()) {
        let mut hops: Vec<String> = earlier.iter().map(ToString::to_string).collect();
        hops.push(last.to_string());
        prop_assert_eq!(forwarded_client(&hops.join(", ")), Some(last));
    }

    #[test]
    fn a_session_token_is_read_from_a_bearer_header_or_the_cookie(token in "[A-Za-z0-9_\\-]{1,64}") {
        let mut bearer = HeaderMap::new();
        bearer.insert(header::AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {token}")).expect("header"));
        prop_assert_eq!(session_token(&bearer), Some((token.clone(), false)));
        let mut cookie = HeaderMap::new();
        let value = format!("theme=dark; {}={token}; lang=ko", crate::auth::SESSION_COOKIE);
        cookie.insert(header::COOKIE, HeaderValue::from_str(&value).expect("header"));
        prop_assert_eq!(session_token(&cookie), Some((token, true)));
    }
}

/// The fuzzer's own seeds for its `request` target, read here too.
#[test]
fn the_fuzzers_request_seeds_give_answers() {
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/request");
    let mut read = 0;
    for entry in std::fs::read_dir(&seeds).expect("fuzz/seeds/request") {
        let bytes = std::fs::read(entry.expect("seed").path()).expect("seed");
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_complete_body(&bytes);
        let _ = pair_cursor(&text);
        let _ = forwarded_client(&text);
        read += 1;
    }
    assert!(read >= 5, "the seeds are there ({read})");
    let parts = std::fs::read(seeds.join("complete-parts")).expect("seed");
    assert_eq!(parse_complete_body(&parts).expect("valid").map(|parts| parts.len()), Some(2));
}
