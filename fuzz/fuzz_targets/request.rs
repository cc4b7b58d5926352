//! The small things a client sends that picup parses itself. Each gives a value or a clear error.
#![no_main]

use http::{HeaderMap, HeaderValue, header};
use libfuzzer_sys::fuzz_target;
use picup_api::routes::{id_cursor, pair_cursor, parse_id, uploads::parse_complete_body};

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(parts)) = parse_complete_body(data) {
        assert!(parts.windows(2).all(|pair| pair[0].0 < pair[1].0), "parts come out in order");
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_id::<i64>(text);
    let _ = id_cursor(text);
    if let Ok((first, second)) = pair_cursor(text) {
        assert_eq!(pair_cursor(&format!("{first}.{second}")).ok(), Some((first, second)));
    }
    let _ = picup_api::rate_limit::forwarded_client(text);
    if let Ok(value) = HeaderValue::from_str(text) {
        for name in [header::COOKIE, header::AUTHORIZATION] {
            let mut headers = HeaderMap::new();
            headers.insert(name, value.clone());
            let _ = picup_api::auth::session_token(&headers);
        }
    }
});
