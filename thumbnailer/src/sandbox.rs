//! The walls around a decode child (`decode.rs`). The child puts them up itself, first thing,
//! before it reads a byte of the upload and before it starts a thread, so no `pre_exec` (and no
//! `unsafe` of ours) is needed: every call below is a safe wrapper of a well-kept crate. It sets
//! its limits, then starts afresh (`exec`) under them, then walls itself off and decodes.
//!
//! - **Limits** (rustix `setrlimit`): private memory (`RLIMIT_DATA`, which counts the heap and
//!   every private writable mapping), CPU seconds, the size of any file written, open files, and
//!   no core dumps. A niced priority (`setpriority`) so the album stays responsive.
//! - **Dies with its parent** (`PR_SET_PDEATHSIG`): a killed thumbnailer leaves no decoder behind.
//! - **Landlock** (the `landlock` crate): reads only of the system's libraries and settings and of
//!   its input; writes only into its output folder; no TCP bind or connect; no signals to, and no
//!   abstract sockets of, processes outside. So the database file, the embedded store, the
//!   configuration's secret files and other processes' `/proc` are out of reach.
//! - **seccomp** (the `seccompiler` crate, from Firecracker): a deny list of what a decoder never
//!   needs: sockets of any family, ptrace and other processes' memory, namespaces and mounts, BPF,
//!   perf, kernel modules and keyrings, io_uring; and `execve` unless the task is to run ffmpeg.
//!
//! The environment is emptied by the parent, so the child holds no secret to leak.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use landlock::{
    ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus,
    Scope, path_beneath_rules,
};
use rustix::process::{Resource, Rlimit, Signal};
use seccompiler::{BpfProgram, SeccompAction, SeccompFilter};

/// What one decode child may use.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Heap and private mappings, in bytes.
    pub memory_bytes: u64,
    /// CPU time; the kernel stops the child past it (SIGXCPU, then SIGKILL a second later).
    pub cpu_seconds: u64,
    /// Largest file the child may write.
    pub max_file_bytes: u64,
}

/// Folders every dynamically linked program needs to read (libraries, `ld.so.cache`, time zones)
/// and, for ffmpeg, to run.
const SYSTEM_READ: &[&str] = &["/usr", "/lib", "/lib64", "/bin", "/etc/ld.so.cache", "/etc/localtime"];
/// How many CPUs there are (FFmpeg sizes its threads by it).
const CPU_INFO: &[&str] = &["/sys/devices/system/cpu"];
const NICENESS: i32 = 10;
const MAX_OPEN_FILES: u64 = 256;

/// What was put up, for the log: Landlock depends on the kernel.
#[derive(Debug)]
pub struct Confinement {
    pub landlock: &'static str,
}

/// The process-wide part: limits, priority, and death with the parent. The limits hold for every
/// mapping made from now on, so the decoder must start afresh after this (`exec`): memory its
/// allocator reserved before would escape them.
pub fn limit_resources(limits: &Limits) -> anyhow::Result<()> {
    // "Parent" is the thread that started the child: the thumbnailer starts children from its
    // runtime's worker threads, which live as long as the process.
    rustix::process::set_parent_process_death_signal(Some(Signal::KILL)).context("death signal")?;
    set_limit(Resource::Data, limits.memory_bytes)?;
    // The soft limit sends SIGXCPU; the hard one, a second later, SIGKILL.
    set_limits(Resource::Cpu, limits.cpu_seconds, limits.cpu_seconds + 1)?;
    set_limit(Resource::Fsize, limits.max_file_bytes)?;
    set_limit(Resource::Nofile, MAX_OPEN_FILES)?;
    set_limit(Resource::Core, 0)?;
    rustix::process::setpriority_process(None, NICENESS).context("nice")?;
    Ok(())
}

/// The calling thread's part, for good: what it may open, run and reach. Call it before any
/// other thread starts: walls hold for the caller and what it starts from then on.
pub fn wall_off(readable: &[&Path], writable: &[&Path], may_exec: bool) -> anyhow::Result<Confinement> {
    let landlock = restrict_files_and_network(readable, writable)?;
    deny_syscalls(may_exec)?;
    Ok(Confinement { landlock })
}

fn set_limit(resource: Resource, value: u64) -> anyhow::Result<()> {
    set_limits(resource, value, value)
}

fn set_limits(resource: Resource, soft: u64, hard: u64) -> anyhow::Result<()> {
    rustix::process::setrlimit(resource, Rlimit { current: Some(soft), maximum: Some(hard) })
        .with_context(|| format!("setrlimit {resource:?}"))
}

fn restrict_files_and_network(readable: &[&Path], writable: &[&Path]) -> anyhow::Result<&'static str> {
    // The newest ABI this crate knows; on an older kernel Landlock enforces what it can
    // (best effort), and on a kernel without it the other walls still stand.
    let abi = ABI::V6;
    let read_and_run = AccessFs::from_read(abi);
    let system: Vec<PathBuf> = SYSTEM_READ.iter().chain(CPU_INFO).map(PathBuf::from).collect();
    let status = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(abi))?
        .handle_access(AccessNet::BindTcp | AccessNet::ConnectTcp)?
        .scope(Scope::AbstractUnixSocket | Scope::Signal)?
        .create()?
        .add_rules(path_beneath_rules(&system, read_and_run))?
        .add_rules(path_beneath_rules(readable, AccessFs::from_read(abi)))?
        .add_rules(path_beneath_rules(writable, AccessFs::from_all(abi)))?
        .add_rules(path_beneath_rules(["/dev/null"], AccessFs::ReadFile | AccessFs::WriteFile))?
        .restrict_self()
        .context("landlock")?;
    Ok(match status.ruleset {
        RulesetStatus::FullyEnforced => "fully enforced",
        RulesetStatus::PartiallyEnforced => "partially enforced (older kernel)",
        RulesetStatus::NotEnforced => "not available in this kernel",
    })
}

/// System calls a decoder has no business making; each fails with EPERM.
fn denied_syscalls(may_exec: bool) -> Vec<i64> {
    let mut denied = vec![
        libc::SYS_socket,
        libc::SYS_socketpair,
        libc::SYS_connect,
        libc::SYS_bind,
        libc::SYS_listen,
        libc::SYS_accept,
        libc::SYS_accept4,
        libc::SYS_ptrace,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        libc::SYS_mount,
        libc::SYS_umount2,
        libc::SYS_pivot_root,
        libc::SYS_chroot,
        libc::SYS_setns,
        libc::SYS_unshare,
        libc::SYS_kexec_load,
        libc::SYS_kexec_file_load,
        libc::SYS_bpf,
        libc::SYS_perf_event_open,
        libc::SYS_init_module,
        libc::SYS_finit_module,
        libc::SYS_delete_module,
        libc::SYS_keyctl,
        libc::SYS_add_key,
        libc::SYS_request_key,
        libc::SYS_userfaultfd,
        libc::SYS_io_uring_setup,
        libc::SYS_open_by_handle_at,
        libc::SYS_reboot,
        libc::SYS_swapon,
        libc::SYS_swapoff,
    ];
    if !may_exec {
        denied.extend([libc::SYS_execve, libc::SYS_execveat]);
    }
    denied
}

fn deny_syscalls(may_exec: bool) -> anyhow::Result<()> {
    let rules: BTreeMap<i64, Vec<seccompiler::SeccompRule>> =
        denied_syscalls(may_exec).into_iter().map(|call| (call, Vec::new())).collect();
    let arch = std::env::consts::ARCH.try_into().context("seccomp: unknown architecture")?;
    let filter = SeccompFilter::new(rules, SeccompAction::Allow, SeccompAction::Errno(libc::EPERM as u32), arch)?;
    let program: BpfProgram = filter.try_into()?;
    seccompiler::apply_filter(&program).context("seccomp")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walls hold: each check runs in a thread of its own, since walls are for good. (The
    /// resource limits are process-wide; the decoder's integration tests check them in a real
    /// child.)
    fn confined<T: Send + 'static>(
        readable: Vec<PathBuf>,
        writable: Vec<PathBuf>,
        probe: impl FnOnce() -> T + Send + 'static,
    ) -> T {
        std::thread::spawn(move || {
            let readable: Vec<&Path> = readable.iter().map(PathBuf::as_path).collect();
            let writable: Vec<&Path> = writable.iter().map(PathBuf::as_path).collect();
            let confinement = wall_off(&readable, &writable, false).expect("walled off");
            assert_eq!(confinement.landlock, "fully enforced", "these machines' kernels offer Landlock");
            probe()
        })
        .join()
        .expect("the probe thread ran")
    }

    #[test]
    fn a_confined_decoder_reads_its_input_writes_its_output_and_nothing_else() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (input, output, elsewhere) = (dir.path().join("in"), dir.path().join("out"), dir.path().join("secret"));
        std::fs::create_dir_all(&output).expect("output dir");
        std::fs::write(&input, b"upload").expect("input");
        std::fs::write(&elsewhere, b"the album's database").expect("secret");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a listener");
        let address = listener.local_addr().expect("address");

        let (read_input, wrote_output, read_secret, wrote_beside, connected, ran) =
            confined(vec![input.clone()], vec![output.clone()], move || {
                (
                    std::fs::read(&input).ok(),
                    std::fs::write(output.join("thumbnail.webp"), b"made").is_ok(),
                    std::fs::read(&elsewhere).is_ok(),
                    std::fs::write(elsewhere.with_file_name("dropped"), b"x").is_ok(),
                    std::net::TcpStream::connect(address).is_ok(),
                    std::process::Command::new("/bin/true").status().is_ok(),
                )
            });
        assert_eq!(read_input.as_deref(), Some(&b"upload"[..]), "its input is readable");
        assert!(wrote_output, "its output folder is writable");
        assert!(!read_secret, "a file beside it is not readable");
        assert!(!wrote_beside, "nothing outside the output folder is writable");
        assert!(!connected, "no network");
        assert!(!ran, "no other program");
    }

    #[test]
    fn other_processes_and_the_parents_files_are_out_of_reach() {
        let parent_environment = format!("/proc/{}/environ", std::os::unix::process::parent_id());
        let (environment, passwd) = confined(Vec::new(), Vec::new(), move || {
            (std::fs::read(&parent_environment).is_ok(), std::fs::read("/etc/passwd").is_ok())
        });
        assert!(!environment, "another process's environment (secrets) is not readable");
        assert!(!passwd, "only the system files a program needs to start are readable");
    }
}
