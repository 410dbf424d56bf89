//! In-memory fakes of every host capability, for unit-testing plugin logic natively.
//!
//! On non-wasm targets the SDK's capability wrappers (`http::send`, `kv::get`, ...) dispatch to
//! the [`FakeHost`] installed on the current thread. Each `#[test]` runs on its own thread, so
//! tests never see each other's fakes.
//!
//! ```
//! use gatehouse_sdk::http::{Method, Request, Response};
//! use gatehouse_sdk::testing::FakeHost;
//!
//! let host = FakeHost::install();
//! host.set_secret("api-token", "t0k3n")
//!     .on_http(Method::Post, "https://pacs.test/api/people", |_| {
//!         Ok(Response::json(201, &serde_json::json!({"id": "p-1"})))
//!     });
//!
//! // Your connector's code, e.g. `MyConnector::run(config, call, action)`, calls the capabilities:
//! let response = Request::post("https://pacs.test/api/people").send().unwrap();
//!
//! assert_eq!(response.status, 201);
//! assert_eq!(host.http_requests().len(), 1);
//! ```
//!
//! These fakes check plugin logic, not the sandbox: to run a *built* component inside the real
//! host, use the component-level harness (crate `gatehouse-sdk-harness`, in `sdk/harness`).

pub(crate) mod clock;
pub(crate) mod http;
pub(crate) mod kv;
pub(crate) mod log;
pub mod samples;
pub(crate) mod secrets;
pub(crate) mod sql;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

pub use log::LogLine;
pub use sql::SqlCall;

/// The fake host of the current thread. Configure it, run connector code, then inspect what the
/// connector did. Dropping it uninstalls it.
pub struct FakeHost {
    state: Rc<State>,
}

#[derive(Default)]
struct State {
    http: RefCell<http::HttpFake>,
    sql: RefCell<sql::SqlFake>,
    secrets: RefCell<BTreeMap<String, String>>,
    kv: RefCell<kv::KvFake>,
    clock: Cell<i64>,
    logs: RefCell<Vec<LogLine>>,
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<State>>> = const { RefCell::new(None) };
}

impl FakeHost {
    /// Installs a fresh fake host on this thread: no routes, no secrets, empty kv, and the clock
    /// at [`FakeHost::DEFAULT_NOW`].
    pub fn install() -> FakeHost {
        let state = Rc::new(State::default());
        state.clock.set(Self::DEFAULT_NOW);
        CURRENT.with(|current| *current.borrow_mut() = Some(state.clone()));
        FakeHost { state }
    }
}

impl Drop for FakeHost {
    fn drop(&mut self) {
        CURRENT.with(|current| {
            let mut current = current.borrow_mut();
            if current.as_ref().is_some_and(|s| Rc::ptr_eq(s, &self.state)) {
                *current = None;
            }
        });
    }
}

/// The installed fake host's state; a capability call without one is a test bug.
fn current() -> Rc<State> {
    CURRENT.with(|current| current.borrow().clone()).expect(
        "a capability was called natively without a fake host: \
         call gatehouse_sdk::testing::FakeHost::install() at the start of the test",
    )
}
