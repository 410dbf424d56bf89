//! A minimal Web SDK client for the protocol tests: Basic auth as `user;appId`,
//! `Accept: text/json`, `Content-Length: 0` on POST, and the envelope unpacked.
#![allow(dead_code)]

use std::time::Duration;

use gatehouse_sim_genetec::well_known::default_fixture as fx;
use gatehouse_sim_genetec::{GenetecSim, RunningSim, SimConfig};
use reqwest::header::{HeaderMap, ACCEPT, CONTENT_LENGTH};
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub async fn start() -> RunningSim {
    start_with(SimConfig::default()).await
}

pub async fn start_with(config: SimConfig) -> RunningSim {
    let config = SimConfig { keepalive_interval: Duration::from_millis(100), ..config };
    GenetecSim::start(config).await.expect("simulator starts")
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

pub struct Sdk {
    pub http: reqwest::Client,
    pub base: String,
    pub username: String,
    pub password: String,
    pub accept: Option<&'static str>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(self.text.trim_start_matches('\u{feff}'))
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn rsp_status(&self) -> String {
        self.json()["Rsp"]["Status"].as_str().unwrap_or_default().to_string()
    }

    /// Asserts HTTP 200 + `Status: Ok` and returns `Rsp.Result` (Null when absent).
    pub fn ok(&self) -> Value {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text);
        assert_eq!(self.rsp_status(), "Ok", "{}", self.text);
        self.json()["Rsp"]["Result"].clone()
    }

    /// Asserts HTTP 200 + `Status: Fail` and returns (SdkErrorCode, Message).
    pub fn fail(&self) -> (String, String) {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text);
        assert_eq!(self.rsp_status(), "Fail", "{}", self.text);
        let result = &self.json()["Rsp"]["Result"];
        (result["SdkErrorCode"].as_str().unwrap().to_string(), result["Message"].as_str().unwrap().to_string())
    }
}

impl Sdk {
    pub fn envoy(sim: &RunningSim) -> Sdk {
        Sdk::as_user(sim, fx::ENVOY_USER, fx::ENVOY_APP_ID, fx::ENVOY_PASSWORD)
    }

    pub fn as_user(sim: &RunningSim, user: &str, application_id: &str, password: &str) -> Sdk {
        Sdk {
            http: http(),
            base: sim.base_url(),
            username: format!("{user};{application_id}"),
            password: password.to_string(),
            accept: Some("text/json"),
        }
    }

    pub async fn send(&self, method: Method, path: &str, q: Option<&str>) -> Reply {
        let mut request = self.http.request(method.clone(), format!("{}/{}", self.base, path.trim_start_matches('/')));
        request = request.basic_auth(&self.username, Some(&self.password));
        if let Some(accept) = self.accept {
            request = request.header(ACCEPT, accept);
        }
        if let Some(q) = q {
            request = request.query(&[("q", q)]);
        }
        if method == Method::POST || method == Method::PUT {
            request = request.header(CONTENT_LENGTH, "0");
        }
        let response = request.send().await.expect("request reaches the simulator");
        Reply { status: response.status(), headers: response.headers().clone(), text: response.text().await.unwrap() }
    }

    pub async fn get(&self, path: &str, q: Option<&str>) -> Reply {
        self.send(Method::GET, path, q).await
    }

    pub async fn post(&self, path: &str, q: Option<&str>) -> Reply {
        self.send(Method::POST, path, q).await
    }

    /// `GET entity?q=…`.
    pub async fn read(&self, q: &str) -> Reply {
        self.get("entity", Some(q)).await
    }

    /// `POST entity?q=…`.
    pub async fn write(&self, q: &str) -> Reply {
        self.post("entity", Some(q)).await
    }

    pub async fn report(&self, report: &str, q: &str) -> Reply {
        self.get(&format!("report/{report}"), Some(q)).await
    }

    /// Creates an entity from `q` (which must end with `,Guid`) and returns its GUID.
    pub async fn create(&self, q: &str) -> uuid::Uuid {
        let result = self.write(q).await.ok();
        result["Guid"].as_str().expect("Result.Guid").parse().unwrap()
    }
}

/// GUIDs of the `{"Guid":…}` rows of a report result.
pub fn row_guids(result: &Value) -> Vec<String> {
    result.as_array().expect("rows").iter().map(|r| r["Guid"].as_str().unwrap().to_string()).collect()
}
