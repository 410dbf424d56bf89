//! The install configuration: what the operator enters in the set-up form (its JSON
//! Schema is `config.schema.json`; keep the two in step), and the checked [`Settings`]
//! the rest of the connector reads.
//!
//! [`Config`] is what serde can check; [`Config::checked`] checks the rest (the URL,
//! the card range against its format, the employee method) and returns [`Settings`],
//! whose types leave no invalid combination to test for later.

use serde::Deserialize;

use crate::card_format::CardFormat;
use crate::guid::Guid;

pub const SCHEMA: &str = include_str!("config.schema.json");

/// The secret holding the Security Center user's password.
pub const PASSWORD_SECRET: &str = "password";

/// The Web SDK role's default base path (spec §1).
const DEFAULT_BASE_PATH: &str = "WebSdk";
/// Clients seen against real servers wait 10–15 s (spec §9).
const DEFAULT_TIMEOUT_MS: u32 = 15_000;
const DEFAULT_PIN_LENGTH: usize = 6;
/// The Web SDK refuses PINs longer than 16 digits (spec §5.3 [C]); below 4 a PIN is a
/// guess away.
const PIN_LENGTHS: std::ops::RangeInclusive<usize> = 4..=16;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `https://host:4590/WebSdk`, `host:4590`, or an IP and port.
    pub web_sdk_url: String,
    /// Used when `web_sdk_url` has no path.
    #[serde(default)]
    pub base_path: Option<String>,
    pub username: String,
    pub application_id: String,
    /// Partition new visitors, cardholders and credentials are created into.
    #[serde(default)]
    pub partition: Option<Guid>,
    /// Custom field holding Gatehouse's external id; the Description when absent.
    #[serde(default)]
    pub external_id_field: Option<String>,
    #[serde(default)]
    pub cards: Option<CardConfig>,
    #[serde(default)]
    pub pin_length: Option<usize>,
    #[serde(default)]
    pub employees: Option<EmployeeConfig>,
    #[serde(default)]
    pub request_timeout_ms: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardConfig {
    #[serde(default)]
    pub format: CardFormat,
    #[serde(default)]
    pub facility_code: u32,
    pub min: u64,
    pub max: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MethodName {
    AutoCheckin,
    CheckinRequired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestrictedAccessName {
    #[default]
    ToggleStatus,
    ToggleGroups,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmployeeConfig {
    pub method: MethodName,
    #[serde(default)]
    pub restricted_access: Option<RestrictedAccessName>,
    #[serde(default)]
    pub access_groups: Vec<Guid>,
    #[serde(default)]
    pub excluded: Vec<String>,
    #[serde(default)]
    pub sites: Vec<Guid>,
    #[serde(default)]
    pub doors: Vec<Guid>,
    #[serde(default)]
    pub create_missing: bool,
}

/// How to reach the Web SDK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Scheme, authority and base path, without a trailing slash.
    pub base_url: String,
    pub username: String,
    pub application_id: String,
    pub timeout_ms: u32,
}

/// Where the PACS record carries Gatehouse's external id, so a record created just
/// before a crash is found again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdStore {
    /// `Description = "gatehouse:{external id}"`.
    Description,
    /// A custom field of this name, defined for both Cardholder and Visitor.
    CustomField(String),
}

/// The card numbers this install may issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardRange {
    pub format: CardFormat,
    pub facility_code: u32,
    pub min: u64,
    pub max: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmployeeMethod {
    /// Employees are not managed: events yield nothing, activate/deactivate refuse.
    None,
    /// Badge swipes sign employees in; these doors are watched (empty = all doors).
    AutoCheckIn { sites: Vec<Guid>, doors: Vec<Guid> },
    /// Employees get access only while signed in.
    CheckInRequired(RestrictedAccess),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestrictedAccess {
    /// Activate the cardholder on sign-in, deactivate on sign-out.
    ToggleStatus,
    /// Add to these groups on sign-in, remove on sign-out (never empty).
    ToggleGroups(Vec<Guid>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employees {
    pub method: EmployeeMethod,
    /// Lower-cased emails of employees Gatehouse never touches.
    pub excluded: Vec<String>,
    pub create_missing: bool,
}

impl Employees {
    pub fn is_excluded(&self, email: Option<&str>) -> bool {
        email.is_some_and(|email| self.excluded.iter().any(|e| e.eq_ignore_ascii_case(email.trim())))
    }
}

/// The checked configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub connection: Connection,
    pub partition: Option<Guid>,
    pub id_store: IdStore,
    pub cards: Option<CardRange>,
    pub pin_length: usize,
    pub employees: Employees,
}

impl Config {
    /// Checks what the schema cannot express; the message names the field to fix.
    pub fn checked(self) -> Result<Settings, String> {
        let username = self.username.trim().to_string();
        if username.is_empty() || username.contains(';') || username.contains(':') {
            return Err("username must be a Security Center user name, without ';' or ':'".into());
        }
        let application_id = self.application_id.trim().to_string();
        if application_id.is_empty() {
            return Err("application_id is required: the <ApplicationID> of the integration's SDK certificate".into());
        }
        let timeout_ms = self.request_timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        if !(1_000..=120_000).contains(&timeout_ms) {
            return Err(format!("request_timeout_ms {timeout_ms} is outside 1000–120000"));
        }
        let base_url = base_url(&self.web_sdk_url, self.base_path.as_deref())?;
        let id_store = match self.external_id_field.as_deref().map(str::trim) {
            None | Some("") => IdStore::Description,
            Some(name) => IdStore::CustomField(name.to_string()),
        };
        let cards = self.cards.map(card_range).transpose()?;
        let pin_length = self.pin_length.unwrap_or(DEFAULT_PIN_LENGTH);
        if !PIN_LENGTHS.contains(&pin_length) {
            return Err(format!("pin_length {pin_length} is outside {}–{}", PIN_LENGTHS.start(), PIN_LENGTHS.end()));
        }
        let employees = self.employees.map(employees).transpose()?.unwrap_or(Employees {
            method: EmployeeMethod::None,
            excluded: Vec::new(),
            create_missing: false,
        });
        Ok(Settings {
            connection: Connection { base_url, username, application_id, timeout_ms },
            partition: self.partition,
            id_store,
            cards,
            pin_length,
            employees,
        })
    }
}

/// `https://host:4590/WebSdk` from whatever the operator typed (seed A3: "IP and
/// port, or URL").
///
/// ASSUMPTION: without a scheme the role speaks HTTPS, since "Use SSL connection" is on
/// for a new role (spec §1, defect 5032013); an operator whose role has SSL off writes
/// `http://`.
fn base_url(url: &str, base_path: Option<&str>) -> Result<String, String> {
    let url = url.trim();
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ("https".to_string(), url),
    };
    if scheme != "http" && scheme != "https" {
        return Err(format!("web_sdk_url must start with http:// or https://, not {scheme}://"));
    }
    if rest.contains(['?', '#']) {
        return Err("web_sdk_url cannot have a query or a fragment".into());
    }
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return Err(format!("web_sdk_url {url:?} has no usable host (write it as https://host:4590/WebSdk)"));
    }
    let path = path.trim_matches('/');
    let path = if path.is_empty() { base_path.unwrap_or(DEFAULT_BASE_PATH).trim().trim_matches('/') } else { path };
    if path.is_empty() {
        return Err("the base path is empty; the role's default is WebSdk".into());
    }
    Ok(format!("{scheme}://{authority}/{path}"))
}

fn card_range(cards: CardConfig) -> Result<CardRange, String> {
    cards.format.check_range(cards.facility_code, cards.min, cards.max).map_err(|e| format!("cards: {e}"))?;
    Ok(CardRange { format: cards.format, facility_code: cards.facility_code, min: cards.min, max: cards.max })
}

/// The one employee method the admin picked (seed A5, item 20), with only its own
/// options: an option of the other method means the form was misread, so it is refused
/// rather than silently ignored.
fn employees(config: EmployeeConfig) -> Result<Employees, String> {
    let auto_checkin_options = !config.sites.is_empty() || !config.doors.is_empty();
    let checkin_required_options = config.restricted_access.is_some() || !config.access_groups.is_empty();
    match config.method {
        MethodName::AutoCheckin if checkin_required_options => {
            return Err("employees: restricted_access and access_groups belong to checkin-required, not auto-checkin; pick one method".into());
        }
        MethodName::CheckinRequired if auto_checkin_options => {
            return Err(
                "employees: sites and doors belong to the auto-checkin method, not checkin-required; pick one method"
                    .into(),
            );
        }
        _ => {}
    }
    let method = match (config.method, config.restricted_access.unwrap_or_default()) {
        (MethodName::AutoCheckin, _) => EmployeeMethod::AutoCheckIn { sites: config.sites, doors: config.doors },
        (MethodName::CheckinRequired, RestrictedAccessName::ToggleStatus) => {
            EmployeeMethod::CheckInRequired(RestrictedAccess::ToggleStatus)
        }
        (MethodName::CheckinRequired, RestrictedAccessName::ToggleGroups) if config.access_groups.is_empty() => {
            return Err("employees.access_groups must name at least one group for toggle-groups".into());
        }
        (MethodName::CheckinRequired, RestrictedAccessName::ToggleGroups) => {
            EmployeeMethod::CheckInRequired(RestrictedAccess::ToggleGroups(config.access_groups))
        }
    };
    let excluded = config.excluded.iter().map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty()).collect();
    Ok(Employees { method, excluded, create_missing: config.create_missing })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn settings(extra: serde_json::Value) -> Result<Settings, String> {
        let mut config = json!({"web_sdk_url": "10.0.0.5:4590", "username": "envoy", "application_id": "app"});
        config.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        serde_json::from_value::<Config>(config).unwrap().checked()
    }

    #[test]
    fn an_ip_and_port_becomes_an_https_url_with_the_default_base_path() {
        assert_eq!(settings(json!({})).unwrap().connection.base_url, "https://10.0.0.5:4590/WebSdk");
    }

    #[test]
    fn a_full_url_keeps_its_scheme_and_path() {
        let s = settings(json!({"web_sdk_url": "http://sc.acme.example:4590/Sdk/"})).unwrap();
        assert_eq!(s.connection.base_url, "http://sc.acme.example:4590/Sdk");
        let s = settings(json!({"web_sdk_url": "http://sc:4590", "base_path": "/Custom/"})).unwrap();
        assert_eq!(s.connection.base_url, "http://sc:4590/Custom");
    }

    #[test]
    fn bad_urls_and_user_names_are_refused_with_the_field_named() {
        assert!(settings(json!({"web_sdk_url": "ftp://sc"})).unwrap_err().contains("web_sdk_url"));
        assert!(settings(json!({"web_sdk_url": "https://sc/WebSdk?x=1"})).unwrap_err().contains("web_sdk_url"));
        assert!(settings(json!({"username": "envoy;app"})).unwrap_err().contains("username"));
        assert!(settings(json!({"application_id": " "})).unwrap_err().contains("application_id"));
    }

    #[test]
    fn the_card_range_is_checked_against_the_default_wiegand_26_format() {
        let ok = settings(json!({"cards": {"facility_code": 101, "min": 5000, "max": 5999}})).unwrap();
        assert_eq!(ok.cards.unwrap().format, CardFormat::WiegandStandard26);
        assert!(settings(json!({"cards": {"facility_code": 300, "min": 1, "max": 2}}))
            .unwrap_err()
            .contains("facility code"));
        assert!(settings(json!({"cards": {"facility_code": 1, "min": 1, "max": 70000}}))
            .unwrap_err()
            .contains("65535"));
    }

    #[test]
    fn toggle_groups_needs_groups_and_exclusions_are_case_insensitive() {
        let toggle = json!({"employees": {"method": "checkin-required", "restricted_access": "toggle-groups"}});
        assert!(settings(toggle).unwrap_err().contains("access_groups"));
        let s = settings(json!({"employees": {"method": "auto-checkin", "excluded": ["CEO@Acme.example"]}})).unwrap();
        assert!(s.employees.is_excluded(Some("ceo@acme.EXAMPLE")));
        assert!(!s.employees.is_excluded(None));
    }

    #[test]
    fn exactly_one_employee_method_is_configured_with_only_its_own_options() {
        let mixed = json!({"employees": {"method": "auto-checkin", "restricted_access": "toggle-status"}});
        assert!(settings(mixed).unwrap_err().contains("pick one method"));
        let mixed =
            json!({"employees": {"method": "checkin-required", "doors": ["d0000000-0000-4000-8000-000000000001"]}});
        assert!(settings(mixed).unwrap_err().contains("pick one method"));
    }

    #[test]
    fn pin_length_stays_within_what_the_web_sdk_accepts() {
        assert_eq!(settings(json!({})).unwrap().pin_length, 6);
        assert!(settings(json!({"pin_length": 17})).unwrap_err().contains("pin_length"));
    }

    #[test]
    fn the_external_id_lives_in_the_description_unless_a_custom_field_is_named() {
        assert_eq!(settings(json!({})).unwrap().id_store, IdStore::Description);
        let s = settings(json!({"external_id_field": "External Id"})).unwrap();
        assert_eq!(s.id_store, IdStore::CustomField("External Id".into()));
    }

    #[test]
    fn the_schema_is_valid_json_and_names_every_top_level_field() {
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
        let properties = schema["properties"].as_object().unwrap();
        for field in [
            "web_sdk_url",
            "base_path",
            "username",
            "application_id",
            "partition",
            "external_id_field",
            "cards",
            "pin_length",
            "employees",
            "request_timeout_ms",
        ] {
            assert!(properties.contains_key(field), "{field} missing from config.schema.json");
        }
    }
}
