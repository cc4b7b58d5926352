//! The approximate place of an address ("South Korea", "Seoul, South Korea"), from a database
//! in MaxMind's format that the operator provides: MaxMind's GeoLite2, or DB-IP's free Lite
//! databases (as they come, or as ip-location-db repackages them). Without one, no place.

use std::net::IpAddr;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

pub struct Places {
    reader: maxminddb::Reader<Vec<u8>>,
    /// The credit the database's licence asks for, shown beside places.
    pub credit: Option<String>,
}

/// A place as the web album shows it: the country as an ISO 3166 code (the browser names it in
/// the reader's language), and the city when the database has one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Place {
    pub country: String,
    pub city: Option<String>,
}

/// The fields of both layouts: MaxMind's (`country.iso_code`, `city.names.en`) and
/// ip-location-db's (`country_code`, `city`).
#[derive(Deserialize)]
struct Record {
    country: Option<Country>,
    city: Option<CityField>,
    country_code: Option<String>,
}

#[derive(Deserialize)]
struct Country {
    iso_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum CityField {
    Named { names: std::collections::BTreeMap<String, String> },
    Plain(String),
}

impl Places {
    pub fn open(path: &Path, credit: Option<String>) -> anyhow::Result<Places> {
        let reader = maxminddb::Reader::open_readfile(path)
            .with_context(|| format!("PICUP_GEOIP_DB: cannot read {} as a MaxMind database", path.display()))?;
        Ok(Places { reader, credit })
    }

    /// None for addresses the database does not place (this machine, a home network).
    pub fn of(&self, ip: IpAddr) -> Option<Place> {
        let record: Record = self.reader.lookup(ip).ok()?.decode().ok()??;
        let country = record.country.and_then(|country| country.iso_code).or(record.country_code)?;
        let city = record.city.and_then(|city| match city {
            CityField::Named { names } => names.get("en").cloned(),
            CityField::Plain(name) => Some(name),
        });
        Some(Place { country, city: city.filter(|name| !name.is_empty()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DB-IP's Lite country database as ip-location-db packs it (testdata/SOURCES.md).
    fn dbip_country() -> Places {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/geoip/dbip-country-lite-ipv4.mmdb");
        Places::open(&path, None).expect("the test database opens")
    }

    #[test]
    fn a_public_address_has_its_country_and_this_machine_has_no_place() {
        let places = dbip_country();
        let place = |ip: &str| places.of(ip.parse().expect("ip"));
        // KT's resolver in Seoul, and Google's in the United States.
        assert_eq!(place("168.126.63.1"), Some(Place { country: "KR".into(), city: None }));
        assert_eq!(place("8.8.8.8").map(|p| p.country), Some("US".into()));
        for nowhere in ["127.0.0.1", "192.168.0.10", "10.1.2.3", "::1"] {
            assert_eq!(place(nowhere), None, "{nowhere}");
        }
    }

    #[test]
    fn a_file_that_is_not_a_place_database_is_refused_at_start() {
        let not_a_database = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let err = Places::open(&not_a_database, None).err().expect("refused");
        assert!(err.to_string().contains("PICUP_GEOIP_DB"), "{err}");
    }
}
