//! One module per noun.

pub mod archive;
pub mod cert;
pub mod crl;
pub mod dev_keys;
pub mod keys;
pub mod licence;
pub mod log;
pub mod material;
pub mod present;
pub mod seal;
pub mod serve;
pub mod sm2;
pub mod trust;
pub mod ts;
pub mod verify;
pub mod witness;
