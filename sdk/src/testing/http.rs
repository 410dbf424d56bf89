//! A fake HTTP server: routes answered by closures, and a record of every request.

use std::rc::Rc;

use super::{current, FakeHost};
use crate::http::{HttpError, Method, Request, Response};

type Handler = Rc<dyn Fn(&Request) -> Result<Response, HttpError>>;

#[derive(Default)]
pub(crate) struct HttpFake {
    routes: Vec<Route>,
    requests: Vec<Request>,
}

struct Route {
    method: Method,
    url: String,
    handler: Handler,
}

impl Route {
    fn matches(&self, request: &Request) -> bool {
        if self.method != request.method {
            return false;
        }
        match self.url.strip_suffix('*') {
            Some(prefix) => request.url.starts_with(prefix),
            None => request.url.split('?').next() == Some(self.url.as_str()),
        }
    }
}

impl FakeHost {
    /// Answers `method url` with `handler`. `url` matches the request URL without its query
    /// string; a trailing `*` matches every URL that starts with the rest. The most recently
    /// added matching route wins, so a test can override a route it set up earlier. A request
    /// no route matches fails with `HttpError::Denied`, as an ungranted URL does in the host.
    pub fn on_http(
        &self,
        method: Method,
        url: &str,
        handler: impl Fn(&Request) -> Result<Response, HttpError> + 'static,
    ) -> &Self {
        self.state.http.borrow_mut().routes.push(Route { method, url: url.to_string(), handler: Rc::new(handler) });
        self
    }

    /// Every request sent so far, oldest first.
    pub fn http_requests(&self) -> Vec<Request> {
        self.state.http.borrow().requests.clone()
    }
}

pub(crate) fn send(request: &Request) -> Result<Response, HttpError> {
    let state = current();
    state.http.borrow_mut().requests.push(request.clone());
    // Release the borrow before calling the handler, which may inspect the fake host itself.
    let handler = state.http.borrow().routes.iter().rev().find(|r| r.matches(request)).map(|r| r.handler.clone());
    match handler {
        Some(handler) => handler(request),
        None => Err(HttpError::Denied(format!("no fake route for {:?} {}", request.method, request.url))),
    }
}
