//! Finds libvpx for WebM export (see `csrc/vpx_shim.c`).

fn main() {
    println!("cargo::rustc-check-cfg=cfg(agent_tty_vpx)");
}
