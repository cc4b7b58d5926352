//! The scan and the plan of fixture Takeouts, unpacked and zipped, and of plain folders.

mod damage;
mod fixture;
mod folders;
mod plain;
mod quirks;
mod streaming;
