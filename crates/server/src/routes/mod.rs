//! The API's handlers, one module per resource.

pub mod admin;
pub mod archive;
pub mod holders;
pub mod licences;
pub mod materials;
pub mod misc;
pub mod present;
pub mod seals;
pub mod tlog;
pub mod verify;
