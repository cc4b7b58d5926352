//! A SHA-256 as picup passes it around: 64 hexadecimal characters in its API and database, and
//! base64 in S3's `x-amz-checksum-sha256` header, where the store checks the bytes against it.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha256([u8; 32]);

impl Sha256 {
    /// 64 hexadecimal characters, either case, surrounding spaces ignored.
    pub fn parse_hex(text: &str) -> Option<Self> {
        let mut digest = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut digest).ok()?;
        Some(Self(digest))
    }

    pub fn of(bytes: &[u8]) -> Self {
        use sha2::Digest;
        Self(sha2::Sha256::digest(bytes).into())
    }

    pub fn bytes(self) -> [u8; 32] {
        self.0
    }

    /// Lower-case hex, as the API and the database keep it.
    pub fn to_hex(self) -> String {
        hex::encode(self.0)
    }

    /// The form of S3's `x-amz-checksum-sha256` header.
    pub fn to_base64(self) -> String {
        BASE64.encode(self.0)
    }

    pub fn from_base64(text: &str) -> Option<Self> {
        BASE64.decode(text).ok()?.try_into().ok().map(Self)
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::Sha256;

    #[test]
    fn a_sha256_is_64_hex_characters() {
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(Sha256::parse_hex(empty), Some(Sha256::of(b"")));
        assert_eq!(Sha256::parse_hex(&format!(" {} ", empty.to_uppercase())).map(Sha256::to_hex), Some(empty.into()));
        for wrong in ["", "abc", &empty[1..], &format!("{empty}00"), &empty.replace('e', "g")] {
            assert_eq!(Sha256::parse_hex(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn s3_gets_the_same_digest_in_base64() {
        let digest = Sha256::of(b"hello world");
        // `printf 'hello world' | openssl dgst -sha256 -binary | base64`
        assert_eq!(digest.to_base64(), "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=");
        assert_eq!(Sha256::from_base64(&digest.to_base64()), Some(digest));
        assert_eq!(Sha256::from_base64("aGVsbG8="), None, "too short for a SHA-256");
    }
}
