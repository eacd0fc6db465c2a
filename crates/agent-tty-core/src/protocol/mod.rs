//! The host socket protocol (byte-compatible with agent-tty 0.5.0): one request per
//! connection, one compact JSON line each way ([`Request`], [`Response`]), and one typed home for
//! every method's params and reply. The host deserialises the same types the client
//! serialises; a [`Method`] ties a name to its params and reply and decides how long the
//! client waits for the reply.
//!
//! One method breaks the one-request rule on purpose: `subscribe` (see
//! [`SubscribeParams`]) keeps its connection open after the reply and streams the Event
//! Log's new records down it. 0.5 clients never send it, nor `mouse` (see
//! [`MouseParams`]), whose reply may be a refusal carrying its details.
//!
//! Params are strict (`deny_unknown_fields`: an unknown key is `RPC_ERROR`), their field
//! order is the wire order, and absent optional keys are left out. The field order also
//! shapes serde's "expected one of" messages, so it stays as 0.5 lists the keys.

mod envelope;
mod ids;
mod input;
mod mouse;
mod screen;
mod session;
mod subscribe;
#[cfg(test)]
mod tests;
mod wait;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use envelope::{MAX_MESSAGE_BYTES, Outgoing, Request, Response, WireError, encode, parse_request};
pub use ids::{Seq, SessionId};
pub use input::{
    MarkParams, RUN_DEFAULT_MAX_OUTPUT, ResizeParams, ResizeReply, RunFinished, RunParams, RunReply,
    RunStarted, SendKeysParams, SendKeysReply, SeqReply, SignalParams, SignalReply, TextParams,
};
pub use mouse::{
    MAX_SCROLL, MouseAction, MouseAnswer, MouseModifier, MouseParams, MouseRefusal, MouseReply, MouseTarget,
    RefusedError,
};
pub use screen::{
    Format, NumberedLine, SinceHash, SnapshotCell, SnapshotCellRow, SnapshotParams, SnapshotResult,
};
pub use session::{DestroyParams, DestroyReply, EmptyParams, InspectReply, ShellIntegration};
pub use subscribe::{DEFAULT_IDLE_MS, DerivedKind, SUBSCRIBE, SubscribeParams, SubscribeReply};
pub use wait::{RenderWaitParams, RenderWaitReply, WaitParams, WaitReply, WaitResult};

/// The client's inactivity timeout for a quick request, in ms.
pub const DEFAULT_TIMEOUT_MS: u64 = 5000;
/// What the client adds to a wait's own timeout: the host answers at its deadline.
pub const WAIT_MARGIN_MS: u64 = 5000;
/// What the client adds to a run's timeout (and waits for a `noWait` run).
pub const RUN_MARGIN_MS: u64 = 10_000;
/// A waited run's timeout when the request gives none (or 0).
pub const RUN_DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// The inactivity timeout of a request the host may answer by replaying the Event Log
/// (a snapshot with scrollback, a resize that brings lines back: the live screen keeps
/// no history, see `host::history`): replay runs at 100+ MB of log a second, so this
/// covers logs of several GB.
pub const HISTORY_TIMEOUT_MS: u64 = 60_000;

/// One host method: its name, params and reply, and the client's transport policy.
pub trait Method {
    /// The wire name.
    const NAME: &'static str;
    /// The request's `params`.
    type Params: Serialize + DeserializeOwned;
    /// The success `result`.
    type Reply: Serialize + DeserializeOwned;

    /// The client's inactivity timeout for `params`, in ms; 0 = none.
    fn inactivity_timeout_ms(_params: &Self::Params) -> u64 {
        DEFAULT_TIMEOUT_MS
    }

    /// Whether a reply that never came leaves unknown whether the request took effect
    /// (see [`crate::client`]).
    fn effect_unknown_on_timeout(_params: &Self::Params) -> bool {
        false
    }
}

/// The inactivity timeout of a request the host answers at `timeout_ms`: that plus
/// `margin`; none when the request waits forever (absent or 0).
pub fn after_wait(timeout_ms: Option<u64>, margin: u64) -> u64 {
    timeout_ms.filter(|&ms| ms > 0).map_or(0, |ms| ms + margin)
}

/// The unit types naming each method, for [`crate::client::call_typed`].
pub mod method {
    use super::*;

    macro_rules! methods {
        ($($ty:ident = $name:literal ($params:ty) -> $reply:ty;)*) => {$(
            #[doc = concat!("The `", $name, "` method.")]
            #[derive(Debug, Clone, Copy)]
            pub struct $ty;
            impl Method for $ty {
                const NAME: &'static str = $name;
                type Params = $params;
                type Reply = $reply;
                fn inactivity_timeout_ms(params: &Self::Params) -> u64 {
                    timeout_of(params)
                }
                fn effect_unknown_on_timeout(params: &Self::Params) -> bool {
                    effect_unknown(params)
                }
            }
        )*};
    }

    methods! {
        Inspect = "inspect" (EmptyParams) -> InspectReply;
        Type = "type" (TextParams) -> SeqReply;
        Paste = "paste" (TextParams) -> SeqReply;
        Mark = "mark" (MarkParams) -> SeqReply;
        SendKeys = "sendKeys" (SendKeysParams) -> SendKeysReply;
        Resize = "resize" (ResizeParams) -> ResizeReply;
        Signal = "signal" (SignalParams) -> SignalReply;
        Run = "run" (RunParams) -> RunReply;
        Snapshot = "snapshot" (SnapshotParams) -> SnapshotResult;
        WaitForRender = "waitForRender" (RenderWaitParams) -> RenderWaitReply;
        Wait = "wait" (WaitParams) -> WaitReply;
        Destroy = "destroy" (DestroyParams) -> DestroyReply;
        Mouse = "mouse" (MouseParams) -> MouseAnswer;
    }

    /// The transport policy, per params type: quick requests get the default; waits
    /// their own timeout plus a margin (none when they wait forever); a waited run its
    /// timeout plus the run margin.
    trait Policy {
        fn timeout_ms(&self) -> u64 {
            DEFAULT_TIMEOUT_MS
        }
        fn effect_unknown(&self) -> bool {
            false
        }
    }

    fn timeout_of<P: Policy>(params: &P) -> u64 {
        params.timeout_ms()
    }

    fn effect_unknown<P: Policy>(params: &P) -> bool {
        params.effect_unknown()
    }

    impl Policy for EmptyParams {}
    impl Policy for TextParams {}
    impl Policy for MarkParams {}
    impl Policy for SendKeysParams {}
    impl Policy for ResizeParams {
        fn timeout_ms(&self) -> u64 {
            HISTORY_TIMEOUT_MS
        }
    }
    impl Policy for SignalParams {}
    impl Policy for SnapshotParams {
        fn timeout_ms(&self) -> u64 {
            if self.include_scrollback == Some(true) { HISTORY_TIMEOUT_MS } else { DEFAULT_TIMEOUT_MS }
        }
    }
    impl Policy for DestroyParams {}
    impl Policy for MouseParams {}

    impl Policy for RunParams {
        fn timeout_ms(&self) -> u64 {
            if self.no_wait {
                RUN_MARGIN_MS
            } else {
                self.timeout_ms.filter(|&ms| ms > 0).unwrap_or(RUN_DEFAULT_TIMEOUT_MS) + RUN_MARGIN_MS
            }
        }
        /// A waited run is typed at once and answered only when it has finished.
        fn effect_unknown(&self) -> bool {
            !self.no_wait
        }
    }

    impl Policy for RenderWaitParams {
        fn timeout_ms(&self) -> u64 {
            after_wait(self.timeout_ms, WAIT_MARGIN_MS)
        }
    }

    impl Policy for WaitParams {
        fn timeout_ms(&self) -> u64 {
            after_wait(self.timeout_ms, WAIT_MARGIN_MS)
        }
    }
}
