//! Finds libvpx for WebM export (the `webm` feature, on by default). When pkg-config
//! finds `vpx` and the C compiler builds `csrc/vpx_shim.c` against its headers, the crate
//! is compiled with `cfg(agent_tty_vpx)`. When it cannot, the build fails and says what
//! to install, or how to build without WebM: a binary must not quietly lack a format.
//! Without the feature (`--no-default-features`), or with `AGENT_TTY_NO_VPX=1`, the
//! crate is built without WebM on purpose and `AGENT_TTY_VPX_MISSING` carries the
//! reason, which `record export`, `version` and `doctor` report.
//!
//! `libvpx.a` is linked statically when present (the binary stays self-contained);
//! `AGENT_TTY_VPX_DYNAMIC=1` links `libvpx.so` instead.

use std::path::PathBuf;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(agent_tty_vpx)");
    println!("cargo::rerun-if-changed=csrc/vpx_shim.c");
    println!("cargo::rerun-if-env-changed=AGENT_TTY_NO_VPX");
    println!("cargo::rerun-if-env-changed=AGENT_TTY_VPX_DYNAMIC");
    println!("cargo::rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo::rerun-if-env-changed=PKG_CONFIG_LIBDIR");
    // Installing or removing libvpx-dev changes one of these: probe again then.
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let pkgconfig_dirs = [
        format!("/usr/lib/{arch}-linux-gnu/pkgconfig"),
        "/usr/lib/pkgconfig".to_string(),
        "/usr/lib64/pkgconfig".to_string(),
        "/usr/share/pkgconfig".to_string(),
        "/usr/local/lib/pkgconfig".to_string(),
    ];
    for dir in pkgconfig_dirs.iter().filter(|d| std::path::Path::new(d).is_dir()) {
        println!("cargo::rerun-if-changed={dir}");
    }
    let opted_out = if std::env::var_os("CARGO_FEATURE_WEBM").is_none() {
        Some("agent-tty was built without its `webm` feature")
    } else if std::env::var_os("AGENT_TTY_NO_VPX").is_some_and(|v| !v.is_empty() && v != "0") {
        Some("the build was made with AGENT_TTY_NO_VPX set")
    } else {
        None
    };
    if let Some(reason) = opted_out {
        println!("cargo::warning=WebM export left out: {reason}");
        println!("cargo::rustc-env=AGENT_TTY_VPX_MISSING={reason}");
        return;
    }
    match probe() {
        Ok(()) => {
            println!("cargo::rustc-cfg=agent_tty_vpx");
            println!("cargo::rustc-env=AGENT_TTY_VPX_MISSING=");
        }
        Err(reason) => {
            println!(
                "cargo::error=WebM export needs libvpx, but {reason}. Install it \
                 (Debian: apt-get install libvpx-dev pkg-config) or build without WebM: \
                 cargo build --no-default-features (or AGENT_TTY_NO_VPX=1)."
            );
        }
    }
}

fn probe() -> Result<(), String> {
    let library =
        pkg_config::Config::new().atleast_version("1.8").cargo_metadata(false).probe("vpx").map_err(|e| {
            let text = e.to_string();
            let first = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("no details");
            format!("libvpx (pkg-config package `vpx`, at least 1.8) was not found ({first})")
        })?;
    cc::Build::new()
        .file("csrc/vpx_shim.c")
        .includes(&library.include_paths)
        .warnings(true)
        .cargo_warnings(false)
        .try_compile("agent_tty_vpx_shim")
        .map_err(|e| format!("the C compiler could not build the libvpx shim ({e})"))?;
    let dynamic = std::env::var_os("AGENT_TTY_VPX_DYNAMIC").is_some_and(|v| !v.is_empty() && v != "0");
    // Only the directories of the libvpx whose headers the shim was built against.
    // Debian's vpx.pc names /usr/lib although the library is in the multiarch directory.
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let libdir = pkg_config::get_variable("vpx", "libdir").ok().map(PathBuf::from);
    let mut dirs = library.link_paths.clone();
    dirs.extend(libdir.clone());
    if libdir.as_deref() == Some(std::path::Path::new("/usr/lib")) {
        dirs.push(PathBuf::from(format!("/usr/lib/{arch}-linux-gnu")));
    }
    let archive = dirs.iter().map(|dir| dir.join("libvpx.a")).find(|p| p.is_file());
    if let Some(archive) = &archive {
        println!("cargo::rerun-if-changed={}", archive.display());
    }
    for dir in &library.link_paths {
        println!("cargo::rustc-link-search=native={}", dir.display());
    }
    match archive {
        Some(archive) if !dynamic => {
            let dir = archive.parent().map(PathBuf::from).unwrap_or_default();
            println!("cargo::rustc-link-search=native={}", dir.display());
            println!("cargo::rustc-link-lib=static=vpx");
            println!("cargo::rustc-link-lib=dylib=m");
            println!("cargo::rustc-link-lib=dylib=pthread");
        }
        _ => println!("cargo::rustc-link-lib=dylib=vpx"),
    }
    Ok(())
}
