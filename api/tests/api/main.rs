//! The api's integration tests, through HTTP against a real server. Run on SQLite and the
//! embedded S3 by default; `.ci/run` runs them again on PostgreSQL and Redis.

mod access;
mod accounts;
mod activity;
mod albums;
mod authorization;
mod chaos;
mod faults;
mod files;
mod helpers;
mod import;
mod invites;
mod live;
mod media;
mod memories;
mod memories_daily;
mod metrics;
mod oidc;
mod processes;
mod processing;
mod quota;
mod robustness;
mod rotate;
mod sessions;
mod share_links;
mod sign_in;
mod simple_mode;
mod storage_faults;
mod timeline;
mod uploads;
mod web;
