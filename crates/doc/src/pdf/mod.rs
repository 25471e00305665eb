//! PDF: rendering licences and materials, signing them with SM2 (GB/T 35275 signed data in an
//! incremental update), and verifying signed PDFs.

pub mod render;
pub mod sign;
pub mod updates;
pub mod verify;

pub use verify::verify_pdf;
