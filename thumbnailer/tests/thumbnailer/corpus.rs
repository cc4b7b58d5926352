use picup_thumbnailer::{photo, video};

use crate::{corpus_dir, decode};

const MAX_MEGAPIXELS: u64 = 100;

fn mean_abs_difference(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let total: u64 = a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| u64::from(x.abs_diff(*y))).sum();
    total as f64 / a.as_raw().len() as f64
}

#[test]
fn all_nine_exif_orientations_come_out_upright() {
    let Some(corpus) = corpus_dir() else { return };
    let reference =
        photo::process(&std::fs::read(corpus.join("orientation/Landscape_1.jpg")).expect("read"), MAX_MEGAPIXELS)
            .expect("process");
    let reference_thumb = decode(&reference.derivatives.thumbnail_webp);
    let reference_preview = decode(&reference.derivatives.preview_jpeg);
    assert_eq!((reference.width, reference.height), (1800, 1200));
    for n in 0..=8 {
        let made = photo::process(
            &std::fs::read(corpus.join(format!("orientation/Landscape_{n}.jpg"))).expect("read"),
            MAX_MEGAPIXELS,
        )
        .expect("process");
        assert_eq!((made.width, made.height), (1800, 1200), "Landscape_{n} display size");
        let thumb = decode(&made.derivatives.thumbnail_webp);
        assert_eq!(thumb.dimensions(), (256, 171), "Landscape_{n} thumbnail");
        let difference = mean_abs_difference(&thumb, &reference_thumb);
        assert!(difference < 8.0, "Landscape_{n} thumbnail differs from Landscape_1 by {difference:.1} per channel");
        let preview = decode(&made.derivatives.preview_jpeg);
        assert_eq!(preview.dimensions(), (1440, 960), "Landscape_{n} preview");
        assert!(mean_abs_difference(&preview, &reference_preview) < 8.0, "Landscape_{n} preview");
    }
}

#[test]
fn a_wrong_orientation_would_be_caught() {
    // The tolerance above is meaningful: a thumbnail turned the wrong way is far outside it.
    let Some(corpus) = corpus_dir() else { return };
    let upright =
        photo::process(&std::fs::read(corpus.join("orientation/Landscape_1.jpg")).expect("read"), MAX_MEGAPIXELS)
            .expect("process");
    let thumb = decode(&upright.derivatives.thumbnail_webp);
    let flipped = image::imageops::flip_horizontal(&thumb);
    assert!(mean_abs_difference(&thumb, &flipped) > 20.0);
}

#[test]
fn heic_photos_come_out_upright_with_their_display_size() {
    let Some(corpus) = corpus_dir() else { return };
    for (file, width, height) in [
        ("heic/iphone_13_pro_max.HEIC", 3024, 4032),
        ("heic/HMD_Nokia_8.3_5G.heif", 3456, 4608),
        ("heic/example.heic", 1280, 854),
        ("heic/samsung-one-ui-6.heic", 3000, 4000),
    ] {
        let made = photo::process(&std::fs::read(corpus.join(file)).expect("read"), MAX_MEGAPIXELS).expect(file);
        assert_eq!((made.width, made.height), (width, height), "{file}");
        let thumb = decode(&made.derivatives.thumbnail_webp);
        let long = thumb.width().max(thumb.height());
        assert_eq!(long, 256, "{file}");
        assert_eq!(thumb.width() < thumb.height(), width < height, "{file}: irot applied once, not twice");
        let preview = decode(&made.derivatives.preview_jpeg);
        assert_eq!(preview.width().max(preview.height()), width.max(height).min(1440), "{file}");
    }
}

#[test]
fn every_jpeg_subsampling_and_greyscale_decodes_at_its_display_size() {
    let Some(corpus) = corpus_dir() else { return };
    for (file, width, height) in [
        ("jpeg/canon_hdr_NO.jpg", 1536, 2048),
        ("jpeg/87_OSError.jpg", 1488, 2240),
        ("jpeg/42_IndexError.jpg", 4032, 3024),
        ("jpeg/craft-beer.jpg", 6000, 4000),
        ("jpeg/handwritten-notes.jpg", 5117, 3411),
        ("jpeg/portrait-orientation-6.jpg", 840, 700),
        ("webp/denali.webp", 600, 315),
        ("png/density_plot.png", 800, 800),
    ] {
        let made = photo::process(&std::fs::read(corpus.join(file)).expect("read"), MAX_MEGAPIXELS).expect(file);
        assert_eq!((made.width, made.height), (width, height), "{file}");
        let preview = decode(&made.derivatives.preview_jpeg);
        let expected_long = width.max(height).min(1440);
        assert_eq!(preview.width().max(preview.height()), expected_long, "{file}: never upscaled");
        assert_eq!(preview.width() > preview.height(), width > height, "{file}");
    }
}

#[test]
fn camera_metadata_is_read_as_the_corpus_describes_it() {
    let Some(corpus) = corpus_dir() else { return };
    let read = |file: &str| {
        photo::process(&std::fs::read(corpus.join(file)).expect("read"), MAX_MEGAPIXELS).expect(file).metadata
    };
    let canon = read("jpeg/canon_hdr_NO.jpg");
    assert_eq!(canon.camera_make.as_deref(), Some("Canon"));
    assert!(canon.camera_model.as_deref().unwrap_or_default().contains("PowerShot SX60 HS"), "{canon:?}");
    assert!(canon.taken_at.is_some());
    let iphone = read("jpeg/iphone_hdr_NO.jpg");
    assert_eq!(iphone.camera_make.as_deref(), Some("Apple"));
    assert!(iphone.camera_model.as_deref().unwrap_or_default().contains("iPhone 6"), "{iphone:?}");
    let olympus = read("jpeg/42_IndexError.jpg");
    assert!(olympus.camera_model.as_deref().unwrap_or_default().contains("E-P3"), "{olympus:?}");
    let moto = read("jpeg/empty_gps.jpg");
    assert!(moto.camera_model.as_deref().unwrap_or_default().to_lowercase().contains("moto g"), "{moto:?}");
    assert_eq!((moto.latitude, moto.longitude), (None, None), "an empty GPS block is no location");
    let heic = read("heic/iphone_13_pro_max.HEIC");
    assert_eq!(heic.camera_make.as_deref(), Some("Apple"));
    assert!(heic.camera_model.as_deref().unwrap_or_default().contains("iPhone 13 Pro Max"), "{heic:?}");
    assert!(heic.taken_at.is_some());
    let samsung = read("heic/samsung-one-ui-6.heic");
    assert!(samsung.camera_model.as_deref().unwrap_or_default().contains("SM-S906U"), "{samsung:?}");
    let webp = read("webp/denali.webp");
    assert!(webp.camera_model.as_deref().unwrap_or_default().contains("EOS 7D"), "{webp:?}");
    let plot = read("png/density_plot.png");
    assert_eq!(plot.camera_make, None);
}

#[test]
fn the_rotated_phone_video_gives_a_portrait_poster() {
    let Some(corpus) = corpus_dir() else { return };
    let mov = video::poster(&corpus.join("video/quicktime-hvc1.mov"), MAX_MEGAPIXELS).expect("mov");
    assert_eq!((mov.width, mov.height), (720, 1280), "the -90 display matrix is applied");
    let poster = decode(&mov.derivatives.preview_jpeg);
    assert_eq!(poster.dimensions(), (720, 1280));
    assert!(mov.duration_ms.is_some_and(|ms| (1100..1300).contains(&ms)), "{:?}", mov.duration_ms);
    assert!(!mov.browser_playable, "HEVC in QuickTime needs a playable copy");
    assert!(!mov.is_h264);

    let mp4 = video::poster(&corpus.join("video/mp42-hvc1.mp4"), MAX_MEGAPIXELS).expect("mp4");
    assert_eq!((mp4.width, mp4.height), (464, 848));
    assert!(mp4.is_h264 && mp4.browser_playable, "H.264 in MP4 plays as it is");
    let mean: f64 = decode(&mp4.derivatives.preview_jpeg).as_raw().iter().map(|v| f64::from(*v)).sum::<f64>()
        / (464.0 * 848.0 * 3.0);
    assert!(mean > 18.0, "the poster is not a black frame (mean {mean:.1})");
}
