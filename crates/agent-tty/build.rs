//! Links the `agent-tty` binary as a position-dependent executable on Linux.
//!
//! Every CLI call is a fresh process. As a position-independent executable (rustc's
//! default), the dynamic loader first applies about 16,000 relative relocations to the
//! 12 MB binary, writing to (and so copying) every page of its 300 KB `.data.rel.ro`:
//! about 230 k instructions and 70 page faults, 15 % of `agent-tty version`. A
//! position-dependent link resolves them all at link time. Measured side by side
//! (`scripts/bench-startup.sh`): `agent-tty version` 1.56 ms as PIE, 1.32 ms without;
//! packed relative relocations (`-z pack-relative-relocs`, DT_RELR) were tried and saved
//! nothing measurable with glibc 2.36's loader.
//!
//! The cost is address-space layout randomisation of the binary itself (libraries, heap
//! and stacks stay randomised). `AGENT_TTY_PIE=1` at build time keeps the default link.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=AGENT_TTY_PIE");
    let pie_wanted = std::env::var_os("AGENT_TTY_PIE").is_some_and(|v| v != "0");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    let gnu = std::env::var("CARGO_CFG_TARGET_ENV").is_ok_and(|env| env == "gnu");
    if linux && gnu && !pie_wanted {
        // The C compiler driver (rustc links through `cc`) takes the last of `-pie` and
        // `-no-pie`; the objects are position-independent either way.
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
