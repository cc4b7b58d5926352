//! What picup reads from an uploaded file, which nobody here chose: its real format, its
//! metadata, a Live or Motion Photo's video, and the thumbnail, preview and thumbhash made from
//! its pixels. It knows nothing of the album; in production it runs only in the thumbnailer's
//! sandboxed decode child.

pub mod heif_refs;
pub mod heif_rotation;
pub mod metadata;
pub mod motion;
pub mod photo;
pub mod raster;
pub mod video;
