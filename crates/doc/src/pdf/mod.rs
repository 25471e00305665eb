//! PDF: rendering licences and materials, signing them with SM2 (GB/T 35275 signed data in an
//! incremental update), long-term validation (PAdES B-LT/B-LTA: DSS and document time stamps),
//! and verifying signed PDFs.

mod facts;
pub mod ltv;
mod mdp;
pub mod raster;
pub mod render;
mod scan;
pub mod sign;
pub mod updates;
pub mod verify;

pub use verify::verify_pdf;
