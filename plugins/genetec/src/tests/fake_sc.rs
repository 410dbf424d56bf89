//! A small in-memory Security Center for the unit tests: visitors and credentials as the
//! Web SDK reads them, answering the marker search, entity reads, the writes the connector
//! sends and deletes. Just enough `q` for that; the simulator in `sims/genetec` is the
//! real model, used end to end.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use gatehouse_sdk::http::{HttpError, Method, Request, Response};
use gatehouse_sdk::testing::FakeHost;
use serde_json::{json, Value};

use super::{fail, ok, ok_write, q, url};

#[derive(Default)]
pub struct Sc {
    pub visitors: BTreeMap<String, Value>,
    pub credentials: BTreeMap<String, Value>,
    next: u32,
}

pub type Shared = Rc<RefCell<Sc>>;

impl Sc {
    /// Installs the routes on `host` and returns the shared state.
    pub fn install(host: &FakeHost) -> Shared {
        let sc: Shared = Rc::default();
        let (search, read, write, delete) = (sc.clone(), sc.clone(), sc.clone(), sc.clone());
        host.on_http(Method::Get, &url("/report/EntityConfiguration"), move |r| search.borrow().search(r))
            .on_http(Method::Get, &url("/report/CredentialConfiguration"), |_| ok(json!([])))
            .on_http(Method::Get, &url("/entity"), move |r| read.borrow().read(r))
            .on_http(Method::Post, &url("/entity"), move |r| write.borrow_mut().write(r))
            .on_http(Method::Delete, &url("/entity/*"), move |r| delete.borrow_mut().delete(r));
        sc
    }

    fn guid(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}-0000-4000-8000-{:012}", self.next)
    }

    /// A live visitor with this Description, active, in no group.
    pub fn visitor(&mut self, description: &str) -> String {
        let guid = self.guid("f0000000");
        let object = json!({"Guid": guid, "Name": "Ada Lovelace", "FirstName": "Ada", "LastName": "Lovelace",
            "Description": description, "Status": {"State": "Active"}, "Groups": []});
        self.visitors.insert(guid.clone(), object);
        guid
    }

    /// A Wiegand 26 card of facility 101 assigned to `owner`.
    pub fn card(&mut self, number: u64, owner: Option<&str>) -> String {
        let guid = self.guid("ce000000");
        let object = json!({"Guid": guid, "Name": format!("101-{number}"), "CardholderGuid": owner,
            "Format": {"CardId": number.to_string(), "UniqueId": format!("WiegandStandardCredentialFormat(101,{number})")},
            "Status": {"State": "Active"}});
        self.credentials.insert(guid.clone(), object);
        guid
    }

    pub fn state(&self, visitor: &str) -> String {
        self.visitors[visitor]["Status"]["State"].as_str().unwrap().to_string()
    }

    pub fn held_by(&self, owner: &str) -> Vec<String> {
        self.credentials
            .values()
            .filter(|c| c["CardholderGuid"] == owner)
            .map(|c| c["Guid"].as_str().unwrap().to_string())
            .collect()
    }

    fn search(&self, request: &Request) -> Result<Response, HttpError> {
        let q = q(request);
        let wanted = tokens(&q).into_iter().find_map(|t| t.strip_prefix("Description=").map(unescape));
        let rows: Vec<Value> = self
            .visitors
            .values()
            .filter(|v| wanted.as_ref().is_none_or(|w| v["Description"].as_str().unwrap_or("").starts_with(w.as_str())))
            .map(|v| json!({"Guid": v["Guid"]}))
            .collect();
        ok(Value::Array(rows))
    }

    fn object(&self, guid: &str) -> Option<Value> {
        if let Some(visitor) = self.visitors.get(guid) {
            let mut visitor = visitor.clone();
            let held: Vec<&Value> =
                self.credentials.values().filter(|c| c["CardholderGuid"] == guid).map(|c| &c["Guid"]).collect();
            visitor["Credentials"] = json!(held);
            return Some(visitor);
        }
        self.credentials.get(guid).cloned()
    }

    fn read(&self, request: &Request) -> Result<Response, HttpError> {
        let mut objects = Vec::new();
        for segment in segments(&q(request)) {
            match self.object(&segment[0]["entity=".len()..]) {
                Some(object) => objects.push(object),
                None => return fail("UnableToRetrieveEntity", "no such entity"),
            }
        }
        match objects.len() {
            1 => ok(objects.remove(0)),
            _ => ok(Value::Array(objects)),
        }
    }

    fn write(&mut self, request: &Request) -> Result<Response, HttpError> {
        let mut created = None;
        for segment in segments(&q(request)) {
            let target = &segment[0]["entity=".len()..];
            let guid = match target {
                "NewEntity(Visitor)" => {
                    let guid = self.guid("f0000000");
                    self.visitors
                        .insert(guid.clone(), json!({"Guid": guid, "Status": {"State": "Active"}, "Groups": []}));
                    guid
                }
                "NewEntity(Credential)" => {
                    let guid = self.guid("ce000000");
                    self.credentials.insert(guid.clone(), json!({"Guid": guid, "Status": {"State": "Active"}}));
                    guid
                }
                guid if self.object(guid).is_some() => guid.to_string(),
                _ => return fail("UnableToRetrieveEntity", "no such entity"),
            };
            for token in &segment[1..] {
                if let Err(response) = self.apply(&guid, token) {
                    return response;
                }
            }
            created.get_or_insert(guid);
        }
        match (created, q(request).ends_with(",Guid")) {
            (Some(guid), true) => ok(json!({"Guid": guid})),
            _ => ok_write(),
        }
    }

    fn apply(&mut self, guid: &str, token: &str) -> Result<(), Result<Response, HttpError>> {
        if token == "Checkout()" {
            self.visitors.remove(guid);
            self.unassign_all(guid);
            return Ok(());
        }
        if let Some(credential) = token.strip_prefix("Credentials-") {
            if let Some(c) = self.credentials.get_mut(credential).filter(|c| c["CardholderGuid"] == guid) {
                c["CardholderGuid"] = Value::Null;
            }
            return Ok(());
        }
        let entity = match self.visitors.get_mut(guid) {
            Some(visitor) => visitor,
            None => self.credentials.get_mut(guid).expect("an entity"),
        };
        match token {
            "Guid" => {}
            "Status.Deactivate()" => entity["Status"]["State"] = json!("Inactive"),
            "Status.Activate()" => {
                entity["Status"]["State"] = json!("Active");
                entity["CheckinDate"] = json!("2025-01-01T00:00:00Z");
            }
            _ if token.starts_with("Status.Activate(") => {
                let window = token.trim_start_matches("Status.Activate(").trim_end_matches(')');
                let (from, to) = window.split_once(',').expect("a window");
                entity["Status"] = json!({"State": "Active", "ActivationDate": from, "ExpirationDate": to});
            }
            _ if token.starts_with("Groups@") || token.starts_with("Groups-") => {
                let group = json!(&token["Groups@".len()..]);
                let groups = entity["Groups"].as_array_mut().expect("groups");
                match token.as_bytes()[6] {
                    b'@' if groups.contains(&group) => return Err(fail("InvalidOperation", "already a member")),
                    b'@' => groups.push(group),
                    _ => groups.retain(|g| *g != group),
                }
            }
            _ if token.starts_with("Format=WiegandStandardCredentialFormat(101,") => {
                let number: u64 = token.trim_end_matches(')').rsplit(',').next().unwrap().parse().unwrap();
                let unique = format!("WiegandStandardCredentialFormat(101,{number})");
                entity["Format"] = json!({"CardId": number.to_string(), "UniqueId": unique});
                if self.credentials.values().filter(|c| c["Format"]["UniqueId"] == unique.as_str()).count() > 1 {
                    self.credentials.remove(guid);
                    return Err(fail("EntityAlreadyExists", "taken"));
                }
            }
            _ => {
                let (property, value) = token.split_once('=').unwrap_or_else(|| panic!("unexpected token {token}"));
                entity[property] = json!(unescape(value));
            }
        }
        Ok(())
    }

    fn unassign_all(&mut self, owner: &str) {
        for credential in self.credentials.values_mut().filter(|c| c["CardholderGuid"] == owner) {
            credential["CardholderGuid"] = Value::Null;
        }
    }

    fn delete(&mut self, request: &Request) -> Result<Response, HttpError> {
        let guid = request.url.rsplit('/').next().unwrap().to_string();
        let existed = self.visitors.remove(&guid).is_some() || self.credentials.remove(&guid).is_some();
        self.unassign_all(&guid);
        if existed {
            ok_write()
        } else {
            fail("UnableToRetrieveEntity", "gone")
        }
    }
}

/// The top-level tokens of a `q`: commas inside parentheses or escaped do not split.
fn tokens(q: &str) -> Vec<String> {
    let (mut tokens, mut current, mut depth, mut escaped) = (Vec::new(), String::new(), 0, false);
    for c in q.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                tokens.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    tokens.push(current);
    tokens
}

/// The tokens grouped by `entity=` segment.
fn segments(q: &str) -> Vec<Vec<String>> {
    let mut segments: Vec<Vec<String>> = Vec::new();
    for token in tokens(q) {
        match segments.last_mut() {
            Some(segment) if !token.starts_with("entity=") => segment.push(token),
            _ => segments.push(vec![token]),
        }
    }
    segments
}

fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' { chars.next().unwrap_or('\\') } else { c });
    }
    out
}
