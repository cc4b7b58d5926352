//! `picup-worker`: runs the scheduled jobs in a loop, or `picup-worker run <job>` once (for a
//! Kubernetes CronJob).

use std::process::ExitCode;

use picup_common::config::Config;
use picup_common::services::Services;
use picup_worker::jobs::Job;
use tokio_util::sync::CancellationToken;

/// mimalloc instead of the system allocator: per-thread heaps without glibc's arena locks, and
/// freed memory goes back to the system (api profile and RSS in #8).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("picup-worker: {err}");
            return ExitCode::from(2);
        }
    };
    let schedules = picup_worker::Schedules::from_env();
    picup_common::telemetry::init(config.log_json);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let job = match args.as_slice() {
        [] => None,
        [run, name] if run == "run" => match Job::from_name(name) {
            Some(job) => Some(job),
            None => {
                let names: Vec<_> = Job::ALL.iter().map(|j| j.name()).collect();
                eprintln!("picup-worker: unknown job {name:?}; jobs: {}", names.join(", "));
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("usage: picup-worker [run <job>]");
            return ExitCode::from(2);
        }
    };
    let shutdown = CancellationToken::new();
    let services = match Services::connect(config, shutdown.clone()).await {
        Ok((services, _)) => services,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "cannot start");
            return ExitCode::FAILURE;
        }
    };
    match job {
        Some(job) => {
            let ran = job.run(&services).await;
            picup_worker::push_metrics(&services, job).await;
            match ran {
                Ok(_) => ExitCode::SUCCESS,
                Err(err) => {
                    tracing::error!(job = job.name(), error = format!("{err:#}"), "job failed");
                    ExitCode::FAILURE
                }
            }
        }
        None => {
            if let Some(addr) = services.config.metrics_addr
                && let Err(err) = picup_common::metrics::serve(services.metrics.clone(), addr, shutdown.clone()).await
            {
                tracing::error!(error = format!("{err:#}"), "cannot start");
                return ExitCode::FAILURE;
            }
            let loop_shutdown = shutdown.clone();
            tokio::spawn(async move {
                picup_common::shutdown_signal().await;
                loop_shutdown.cancel();
            });
            match picup_worker::run_scheduled(services, schedules, shutdown).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    tracing::error!(error = format!("{err:#}"), "scheduler failed");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
