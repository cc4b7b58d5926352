//! YCbCr to RGB for HEIC photos. libheif 1.15 converts every pixel of a 12 MP photo to RGB in
//! scalar code, a third of the whole job; picup asks it for the YCbCr planes instead, shrinks
//! each plane to the preview's size first (SIMD), and converts only those pixels. Resizing and
//! the conversion are both linear, so the order does not change the result beyond rounding.

/// The colour matrix and range of an image (ITU-T H.273), as its `nclx` profile gives them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Matrix {
    /// Luma weights of red and blue.
    kr: f32,
    kb: f32,
    full_range: bool,
}

impl Matrix {
    pub const BT601_FULL: Matrix = Matrix { kr: 0.299, kb: 0.114, full_range: true };

    /// `coefficients` is H.273's `matrix_coefficients`: 1 is BT.709, 9 and 10 BT.2020; anything
    /// else that is YCbCr is treated as BT.601, which is also libheif's default without a profile.
    /// None for 0 (the planes hold G, B, R, not YCbCr).
    pub fn from_h273(coefficients: u32, full_range: bool) -> Option<Matrix> {
        let (kr, kb) = match coefficients {
            0 => return None,
            1 => (0.2126, 0.0722),
            9 | 10 => (0.2627, 0.0593),
            _ => (0.299, 0.114),
        };
        Some(Matrix { kr, kb, full_range })
    }
}

/// Fixed-point fraction bits.
const SHIFT: i32 = 16;

/// Interleaved RGB from three planes of the same size.
pub fn to_rgb(y: &[u8], cb: &[u8], cr: &[u8], matrix: Matrix) -> Vec<u8> {
    let kg = 1.0 - matrix.kr - matrix.kb;
    let (luma_scale, chroma_scale, luma_offset) =
        if matrix.full_range { (1.0, 1.0, 0) } else { (255.0 / 219.0, 255.0 / 224.0, 16) };
    let fixed = |v: f32| (v * (1 << SHIFT) as f32).round() as i32;
    let y_factor = fixed(luma_scale);
    let r_cr = fixed(2.0 * (1.0 - matrix.kr) * chroma_scale);
    let g_cb = fixed(2.0 * matrix.kb * (1.0 - matrix.kb) / kg * chroma_scale);
    let g_cr = fixed(2.0 * matrix.kr * (1.0 - matrix.kr) / kg * chroma_scale);
    let b_cb = fixed(2.0 * (1.0 - matrix.kb) * chroma_scale);
    let round = 1 << (SHIFT - 1);
    let clamp = |v: i32| ((v + round) >> SHIFT).clamp(0, 255) as u8;

    let mut rgb = Vec::with_capacity(y.len() * 3);
    for ((&luma, &blue), &red) in y.iter().zip(cb).zip(cr) {
        let luma = (i32::from(luma) - luma_offset) * y_factor;
        let (blue, red) = (i32::from(blue) - 128, i32::from(red) - 128);
        rgb.extend_from_slice(&[
            clamp(luma + r_cr * red),
            clamp(luma - g_cb * blue - g_cr * red),
            clamp(luma + b_cb * blue),
        ]);
    }
    rgb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greys_stay_grey_and_primaries_come_back() {
        let rgb = to_rgb(&[0, 128, 255], &[128; 3], &[128; 3], Matrix::BT601_FULL);
        assert_eq!(rgb, vec![0, 0, 0, 128, 128, 128, 255, 255, 255]);
        // Pure red in BT.601 full range: Y 76, Cb 85, Cr 255.
        let red = to_rgb(&[76], &[85], &[255], Matrix::BT601_FULL);
        assert!(red[0] >= 253 && red[1] <= 2 && red[2] <= 2, "{red:?}");
        // Limited range: 16 is black and 235 white.
        let limited = Matrix::from_h273(6, false).expect("YCbCr");
        assert_eq!(to_rgb(&[16, 235], &[128; 2], &[128; 2], limited), vec![0, 0, 0, 255, 255, 255]);
        assert!(Matrix::from_h273(0, true).is_none(), "GBR planes are not YCbCr");
    }
}
