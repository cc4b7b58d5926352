//! How Google names a Takeout's files and their JSON sidecars, quirks included.
//!
//! - The sidecar of `IMG_1234.jpg` is `IMG_1234.jpg.json`, in newer Takeouts
//!   `IMG_1234.jpg.supplemental-metadata.json`.
//! - A second file of the same name in a folder is `IMG_1234(1).jpg`, and its sidecar moves the
//!   `(1)` to the end: `IMG_1234.jpg(1).json` (`IMG_1234.jpg.supplemental-metadata(1).json`).
//! - A sidecar's name is cut to 51 characters (46 before `.json`), cutting the media name or the
//!   `.supplemental-metadata` part anywhere: `very_long_name_clipped.json`,
//!   `05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jp.json`, `IMG_1234.jpg.supplemental-metad.json`,
//!   `IMG_1234.jpg.suppl.json`, even `IMG_1234.jpg..json`; the `(1)` comes after the cut. Media
//!   names themselves are cut to 51 characters, keeping their extension.
//! - An edited copy, `IMG_1234-edited.jpg` (the word is localized: `-bearbeitet`, `-modifié`, ...),
//!   has no sidecar of its own: it shares its original's.
//!
//! Lengths are counted in characters, UTF-16 units or bytes: each is accepted, as which one Google
//! counts is not documented (names of emoji show UTF-16 units).

const SUPPLEMENTAL: &str = "supplemental-metadata";

/// The longest sidecar name, `.json` included, and the shortest a cut one can be (a cut falling
/// inside a character or a UTF-16 pair leaves it a little shorter than the longest).
const CUT_LONGEST: usize = 51;
const CUT_SHORTEST: usize = 46;

/// The "edited" suffix of edited copies in the languages it is known in. French, German and
/// Italian are confirmed by immich-go's users (docs/misc/google-takeout.md); the others are
/// the translations that page lists, plus the Korean variant `수정됨`. A false match only lends a
/// file the sidecar of the file named without the suffix.
const EDITED: &[&str] = &[
    "edited",
    "modifié",
    "bearbeitet",
    "modificato",
    "editado",
    "bewerkt",
    "muokattu",
    "edytowane",
    "redigeret",
    "upravené",
    "отредактировано",
    "відредаговано",
    "编辑",
    "編集済み",
    "편집됨",
    "수정됨",
];

/// The key a sidecar is found by: the media file name it was made for (maybe cut) and the
/// duplicate number.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub(crate) name: String,
    pub(crate) index: Option<u32>,
}

/// `(name, ext)` with the dot in `ext`; no extension when the only dot starts the name.
pub(crate) fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(dot) if dot > 0 => name.split_at(dot),
        _ => (name, ""),
    }
}

/// `("IMG_1234", 1)` from `"IMG_1234(1)"`.
fn trailing_index(stem: &str) -> Option<(&str, u32)> {
    let inner = stem.strip_suffix(')')?;
    let open = inner.rfind('(').filter(|open| *open > 0)?;
    let digits = &inner[open + 1..];
    if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((&stem[..open], digits.parse().ok()?))
}

/// The key of a media file: `IMG_1234(1).jpg` is `IMG_1234.jpg` number 1.
pub(crate) fn media_key(name: &str) -> Key {
    let (stem, ext) = split_extension(name);
    match trailing_index(stem) {
        Some((base, index)) => Key { name: format!("{base}{ext}"), index: Some(index) },
        None => Key { name: name.to_owned(), index: None },
    }
}

/// The keys a sidecar answers to, the most exact first: its name without `.json`, the duplicate
/// number and any (cut) `.supplemental-metadata`, then as written (for a cut media name that
/// happens to look like a cut `.supplemental-metadata`). `None` for a name not ending in `.json`.
pub(crate) fn sidecar_keys(name: &str) -> Option<Vec<Key>> {
    let len = name.len();
    let stem = name.get(..len.checked_sub(5)?).filter(|_| name[len - 5..].eq_ignore_ascii_case(".json"))?;
    let (stem, mut index) = match trailing_index(stem) {
        Some((base, index)) => (base, Some(index)),
        None => (stem, None),
    };
    let written = stem;
    let mut stem = match stem.rfind('.') {
        Some(dot) if dot > 0 && SUPPLEMENTAL.starts_with(&stem[dot + 1..]) => &stem[..dot],
        _ => stem,
    };
    // The number may also come before the supplemental part: `IMG.jpg(1).supplemental-metadata.json`.
    if index.is_none()
        && let Some((base, number)) = trailing_index(stem)
    {
        stem = base;
        index = Some(number);
    }
    let mut keys = vec![Key { name: stem.to_owned(), index }];
    if written != stem {
        keys.push(Key { name: written.to_owned(), index });
    }
    Some(keys)
}

fn lengths(s: &str) -> [usize; 3] {
    [s.chars().count(), s.encode_utf16().count(), s.len()]
}

/// Whether a sidecar name of `stem` + `.json` has the length of one Google cut.
fn at_sidecar_cut(stem: &str) -> bool {
    lengths(stem).iter().any(|len| (CUT_SHORTEST..=CUT_LONGEST).contains(&(len + ".json".len())))
}

/// Whether a media name has the length of one Google cut (51, or a little less when a character
/// did not fit).
fn at_media_cut(name: &str) -> bool {
    lengths(name).iter().any(|len| (CUT_LONGEST - 4..=CUT_LONGEST).contains(len))
}

/// The names a sidecar of the media name `name` may have been cut to, without `.json`: the
/// prefixes of `name.supplemental-metadata` and of `name` whose length fits the cut.
pub(crate) fn cut_forms(name: &str) -> Vec<String> {
    let mut forms = Vec::new();
    for full in [format!("{name}.{SUPPLEMENTAL}"), name.to_owned()] {
        for (at, _) in full.char_indices().skip(1) {
            let prefix = &full[..at];
            if at_sidecar_cut(prefix) && !forms.iter().any(|f: &String| f == prefix) {
                forms.push(prefix.to_owned());
            }
        }
    }
    forms
}

/// The original of an edited copy: `IMG_1234.jpg` for `IMG_1234-edited.jpg` or
/// `IMG_1234-bearbeitet.jpg`, and for a name cut inside its suffix (`…-bearbei.jpg`).
pub(crate) fn edited_original(name: &str) -> Option<String> {
    let (stem, ext) = split_extension(name);
    let dash = stem.rfind('-')?;
    let word = stem[dash + 1..].to_lowercase();
    if word.is_empty() || dash == 0 {
        return None;
    }
    let whole = EDITED.contains(&word.as_str());
    let cut = at_media_cut(name) && EDITED.iter().any(|edited| edited.starts_with(&word));
    (whole || cut).then(|| format!("{}{ext}", &stem[..dash]))
}

/// Whether a JSON's name looks like a media file's sidecar (rather than an album's
/// `metadata.json` or Takeout's own files).
pub(crate) fn looks_like_sidecar(name: &str) -> bool {
    let Some(keys) = sidecar_keys(name) else { return false };
    keys.iter().any(|key| {
        let (_, ext) = split_extension(&key.name);
        crate::media::is_media_extension(ext.trim_start_matches('.'))
    }) || keys.len() > 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, index: Option<u32>) -> Key {
        Key { name: name.to_owned(), index }
    }

    /// Whether the sidecar `json` is found for the media file `media` by the lookups the planner
    /// makes: exact key, then cut forms.
    fn finds(json: &str, media: &str) -> bool {
        let keys = sidecar_keys(json).expect("a .json name");
        let wanted = media_key(media);
        if keys.contains(&wanted) {
            return true;
        }
        cut_forms(&wanted.name).into_iter().any(|form| keys.contains(&key(&form, wanted.index)))
    }

    #[test]
    fn media_keys_take_the_duplicate_number_off() {
        assert_eq!(media_key("IMG_1234(1).jpg"), key("IMG_1234.jpg", Some(1)));
        assert_eq!(media_key("IMG_1234.jpg"), key("IMG_1234.jpg", None));
        assert_eq!(media_key("Backyard_m(494).jpg"), key("Backyard_m.jpg", Some(494)));
        assert_eq!(media_key("(1)"), key("(1)", None), "a name that is only a number in brackets");
        assert_eq!(media_key("holiday (a).jpg"), key("holiday (a).jpg", None));
    }

    #[test]
    fn sidecar_keys_read_every_form() {
        assert_eq!(sidecar_keys("IMG_1234.jpg.json").expect("a .json name"), vec![key("IMG_1234.jpg", None)]);
        assert_eq!(sidecar_keys("IMG_1234.JPG(1).json").expect("a .json name"), vec![key("IMG_1234.JPG", Some(1))]);
        assert_eq!(
            sidecar_keys("IMG_1234.jpg.supplemental-metadata.json").expect("a .json name")[0],
            key("IMG_1234.jpg", None)
        );
        assert_eq!(
            sidecar_keys("IMG_1234.jpg.supplemental-metadata(2).json").expect("a .json name")[0],
            key("IMG_1234.jpg", Some(2))
        );
        assert_eq!(
            sidecar_keys("IMG_1234.jpg(2).supplemental-metadata.json").expect("a .json name")[0],
            key("IMG_1234.jpg", Some(2))
        );
        assert_eq!(sidecar_keys("IMG_1234.jpg.suppl.json").expect("a .json name")[0], key("IMG_1234.jpg", None));
        assert_eq!(sidecar_keys("IMG_1234.jpg.s.json").expect("a .json name")[0], key("IMG_1234.jpg", None));
        assert_eq!(sidecar_keys("IMG_1234.jpg..json").expect("a .json name")[0], key("IMG_1234.jpg", None));
        assert_eq!(sidecar_keys("IMG_1234.jpg.JSON").expect("a .json name")[0], key("IMG_1234.jpg", None));
        assert!(sidecar_keys("IMG_1234.jpg").is_none());
        assert!(sidecar_keys(".json").expect("a .json name")[0].name.is_empty());
    }

    /// The pairs immich-go collected from real Takeouts (adapters/googlePhotos/matcher_test.go),
    /// and the supplemental-metadata forms.
    #[test]
    fn sidecars_are_found_as_google_names_them() {
        let found = [
            ("PXL_20211013_220651983.jpg.json", "PXL_20211013_220651983.jpg"),
            ("DSC_0100.JPG.json", "DSC_0100.JPG"),
            ("DSC_0101.JPG(1).json", "DSC_0101(1).JPG"),
            ("IMG_2710.HEIC(1).json", "IMG_2710(1).HEIC"),
            ("PXL_20231118_035751175.MP.jpg.json", "PXL_20231118_035751175.MP.jpg"),
            ("PXL_20210102_221126856.MP~2.jpg.json", "PXL_20210102_221126856.MP~2.jpg"),
            (
                "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGIN.json",
                "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINA.jpg",
            ),
            ("05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jp.json", "05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jpg"),
            (
                "😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋.json",
                "😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋😛.jpg",
            ),
            (
                "Backyard_ceremony_wedding_photography_xxxxxxx_(494).json",
                "Backyard_ceremony_wedding_photography_xxxxxxx_m(494).jpg",
            ),
            (
                "original_1d4caa6f-16c6-4c3d-901b-9387de10e528_.json",
                "original_1d4caa6f-16c6-4c3d-901b-9387de10e528_P.jpg",
            ),
            (
                "13039_327707840323_537645323_9470255_27214_n.j(1).json",
                "13039_327707840323_537645323_9470255_27214_n(1).jpg",
            ),
            ("IMG_20200920_131207.jpg.supplemental-metadata.json", "IMG_20200920_131207.jpg"),
            ("IMG_20200920_131207.jpg.supplemental-metadata(1).json", "IMG_20200920_131207(1).jpg"),
            ("PXL_20240101_120000000.NIGHT.jpg.supplemental-.json", "PXL_20240101_120000000.NIGHT.jpg"),
            ("PXL_20240101_120000000.NIGHT.PORTRAIT.jpg.supp.json", "PXL_20240101_120000000.NIGHT.PORTRAIT.jpg"),
            ("A_rather_long_file_name_from_a_messenger.jpg..json", "A_rather_long_file_name_from_a_messenger.jpg"),
        ];
        for (json, media) in found {
            assert!(finds(json, media), "{json} is the sidecar of {media}");
        }
        let not_found = [
            ("PXL_20211013_220651983.jpg.json", "PXL_20211013_220651958.jpg"),
            ("DSC_0102.JPG(2).json", "DSC_0102(1).JPG"),
            ("DSC_0103.JPG(1).json", "DSC_0103.JPG"),
            ("DSC_0104.JPG.json", "DSC_0104(1).JPG"),
            (
                "Backyard_ceremony_wedding_photography_xxxxxxx_(494).json",
                "Backyard_ceremony_wedding_photography_xxxxxxx_m(185).jpg",
            ),
            ("IMG_12.jpg.json", "IMG_123.jpg"),
            ("IMG.json", "IMG_1234.jpg"),
        ];
        for (json, media) in not_found {
            assert!(!finds(json, media), "{json} is not the sidecar of {media}");
        }
    }

    #[test]
    fn edited_copies_name_their_original() {
        assert_eq!(edited_original("IMG_1234-edited.jpg").as_deref(), Some("IMG_1234.jpg"));
        assert_eq!(edited_original("IMG_1234-EDITED.JPG").as_deref(), Some("IMG_1234.JPG"));
        assert_eq!(
            edited_original("PXL_20220405_090123740.PORTRAIT-modifié.jpg").as_deref(),
            Some("PXL_20220405_090123740.PORTRAIT.jpg")
        );
        assert_eq!(edited_original("Urlaub-bearbeitet.heic").as_deref(), Some("Urlaub.heic"));
        assert_eq!(edited_original("IMG_0001-editado.jpg").as_deref(), Some("IMG_0001.jpg"));
        assert_eq!(edited_original("IMG_0001-編集済み.jpg").as_deref(), Some("IMG_0001.jpg"));
        assert_eq!(edited_original("IMG_0001-수정됨.jpg").as_deref(), Some("IMG_0001.jpg"));
        // Cut inside the suffix, at 51 characters.
        assert_eq!(
            edited_original("PXL_20220405_090123740.NIGHT_PORTRAIT_01-bearbe.jpg").as_deref(),
            Some("PXL_20220405_090123740.NIGHT_PORTRAIT_01.jpg")
        );
        assert_eq!(edited_original("IMG-e.jpg"), None, "short names are not cut");
        assert_eq!(edited_original("2019-05-04.jpg"), None);
        assert_eq!(edited_original("-edited.jpg"), None);
    }

    #[test]
    fn sidecar_looking_names() {
        assert!(looks_like_sidecar("IMG_1234.jpg.json"));
        assert!(looks_like_sidecar("IMG_1234.jpg(1).json"));
        assert!(looks_like_sidecar("anything.supplemental-metadata.json"));
        assert!(!looks_like_sidecar("metadata.json"));
        assert!(!looks_like_sidecar("print-subscriptions.json"));
    }
}
