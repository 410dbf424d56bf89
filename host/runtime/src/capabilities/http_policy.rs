//! Where an install's HTTP requests may go.
//!
//! Two checks, both before any byte leaves: the URL must fall under one of
//! the install's base URLs, and every address the host name resolves to must
//! be a public one unless the install allows loopback or private ranges. The
//! address check runs inside the HTTP client's DNS resolver, so the client
//! connects only to addresses that passed it: a second DNS answer cannot
//! swap in another address (DNS rebinding). IP-literal URLs never reach a
//! resolver and are checked directly.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

use crate::grant::{HttpGrant, InstallScope, TlsOptions};

/// A request refused by the policy; the text names the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Denied(pub(crate) String);

/// Checks that `url` is under one of the grant's base URLs: same scheme,
/// host and port, and a path inside the base path.
pub(crate) fn check_url(url: &Url, grant: &HttpGrant) -> Result<(), Denied> {
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Denied("URLs with credentials are not allowed".into()));
    }
    if grant.base_urls.iter().any(|base| is_under(url, base)) {
        return Ok(());
    }
    Err(Denied(format!("{} is not under any base URL granted to this install", without_query(url))))
}

fn is_under(url: &Url, base: &Url) -> bool {
    if url.scheme() != base.scheme()
        || url.host() != base.host()
        || url.port_or_known_default() != base.port_or_known_default()
    {
        return false;
    }
    let base_path = base.path().trim_end_matches('/');
    let path = url.path();
    path == base_path || path.starts_with(&format!("{base_path}/")) || base_path.is_empty()
}

fn without_query(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

/// What an address is, as far as the policy cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AddressClass {
    Public,
    Loopback,
    /// Private, shared (CGNAT) and link-local ranges.
    Private,
    /// Cloud instance metadata endpoints: never reachable.
    Metadata,
    /// Unspecified, broadcast, multicast: never a server.
    NotAHost,
}

fn classify(ip: IpAddr) -> AddressClass {
    match ip.to_canonical() {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    const METADATA: [Ipv4Addr; 2] = [Ipv4Addr::new(169, 254, 169, 254), Ipv4Addr::new(100, 100, 100, 200)];
    let [a, b, ..] = ip.octets();
    if METADATA.contains(&ip) {
        AddressClass::Metadata
    } else if ip.is_loopback() {
        AddressClass::Loopback
    } else if ip.is_private() || ip.is_link_local() || (a == 100 && (64..128).contains(&b)) {
        AddressClass::Private
    } else if ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() || a == 0 {
        AddressClass::NotAHost
    } else {
        AddressClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    let segments = ip.segments();
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address that
    // is what the packets finally reach.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., a, b, c, d] = ip.octets();
        return classify_v4(Ipv4Addr::new(a, b, c, d));
    }
    if segments[0] == 0x2002 {
        let [_, _, a, b, c, d, ..] = ip.octets();
        return classify_v4(Ipv4Addr::new(a, b, c, d));
    }
    if ip == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254) {
        AddressClass::Metadata
    } else if ip.is_loopback() {
        AddressClass::Loopback
    } else if (segments[0] & 0xfe00) == 0xfc00 || (segments[0] & 0xffc0) == 0xfe80 {
        AddressClass::Private
    } else if ip.is_unspecified() || ip.is_multicast() {
        AddressClass::NotAHost
    } else {
        AddressClass::Public
    }
}

/// The address rules of one install.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct AddressRules {
    pub(crate) allow_loopback: bool,
    pub(crate) allow_private: bool,
}

impl AddressRules {
    pub(crate) fn of(grant: &HttpGrant) -> Self {
        Self { allow_loopback: grant.allow_loopback, allow_private: grant.allow_private }
    }

    pub(crate) fn check(&self, ip: IpAddr) -> Result<(), Denied> {
        let refused = |what: &str| Err(Denied(format!("{ip} is {what}")));
        match classify(ip) {
            AddressClass::Public => Ok(()),
            AddressClass::Loopback if self.allow_loopback => Ok(()),
            AddressClass::Loopback => refused("a loopback address and this install does not allow loopback"),
            AddressClass::Private if self.allow_private => Ok(()),
            AddressClass::Private => {
                refused("a private or link-local address and this install does not allow private addresses")
            }
            AddressClass::Metadata => refused("a cloud metadata address, which is never reachable"),
            AddressClass::NotAHost => refused("not a host address"),
        }
    }
}

/// Resolves host names and keeps only the addresses the rules allow.
struct CheckingResolver(AddressRules);

impl Resolve for CheckingResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let rules = self.0;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut first_denial = None;
            let allowed: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(|addr| match rules.check(addr.ip()) {
                    Ok(()) => true,
                    Err(denied) => {
                        first_denial.get_or_insert(denied);
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                let denied = first_denial.unwrap_or_else(|| Denied(format!("{host} has no address")));
                return Err(Box::new(Denied(format!("{host} resolves to {denied}"))) as _);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// One HTTP client per install: its resolver applies the install's address
/// rules and its TLS settings apply the install's trust choices.
#[derive(Default)]
pub(crate) struct HttpClients {
    clients: Mutex<HashMap<InstallScope, (AddressRules, TlsOptions, reqwest::Client)>>,
}

impl HttpClients {
    /// The install's client, rebuilt when its grant changed.
    pub(crate) fn client_for(&self, scope: &InstallScope, grant: &HttpGrant) -> Result<reqwest::Client, String> {
        let rules = AddressRules::of(grant);
        let mut clients = self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((cached_rules, cached_tls, client)) = clients.get(scope) {
            if *cached_rules == rules && *cached_tls == grant.tls {
                return Ok(client.clone());
            }
        }
        let client = build_client(rules, &grant.tls)?;
        clients.insert(scope.clone(), (rules, grant.tls.clone(), client.clone()));
        Ok(client)
    }
}

fn build_client(rules: AddressRules, tls: &TlsOptions) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        // A redirect is the connector's decision, so it can never lead
        // outside the base URLs unnoticed.
        .redirect(reqwest::redirect::Policy::none())
        // A proxy would connect on our behalf to addresses we never checked.
        .no_proxy()
        .dns_resolver(Arc::new(CheckingResolver(rules)));
    if let Some(pem) = &tls.custom_ca_pem {
        let certificates = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|error| format!("the install's custom CA is not valid PEM: {error}"))?;
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    if tls.accept_self_signed {
        builder = builder.danger_accept_invalid_certs(true);
    }
    builder.build().map_err(|error| format!("building the HTTP client: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(bases: &[&str]) -> HttpGrant {
        HttpGrant { base_urls: bases.iter().map(|b| Url::parse(b).unwrap()).collect(), ..Default::default() }
    }

    fn allowed(url: &str, bases: &[&str]) -> bool {
        check_url(&Url::parse(url).unwrap(), &grant(bases)).is_ok()
    }

    #[test]
    fn urls_under_a_base_path_are_allowed_at_segment_boundaries_only() {
        let base = ["https://pacs.example.com/WebSdk"];
        assert!(allowed("https://pacs.example.com/WebSdk", &base));
        assert!(allowed("https://pacs.example.com/WebSdk/entity?q=1", &base));
        assert!(!allowed("https://pacs.example.com/WebSdkEvil", &base));
        assert!(!allowed("https://pacs.example.com/other", &base));
    }

    #[test]
    fn scheme_host_and_port_must_match_the_base() {
        let base = ["https://pacs.example.com:4590/"];
        assert!(allowed("https://pacs.example.com:4590/x", &base));
        assert!(!allowed("https://pacs.example.com:4591/x", &base));
        assert!(!allowed("http://pacs.example.com:4590/x", &base));
        assert!(!allowed("https://pacs.example.com.evil.net:4590/x", &base));
        assert!(!allowed("https://user:pw@pacs.example.com:4590/x", &base));
    }

    #[test]
    fn loopback_private_and_metadata_addresses_are_classified() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(classify(ip("127.0.0.1")), AddressClass::Loopback);
        assert_eq!(classify(ip("::1")), AddressClass::Loopback);
        assert_eq!(classify(ip("::ffff:127.0.0.1")), AddressClass::Loopback);
        assert_eq!(classify(ip("169.254.169.254")), AddressClass::Metadata);
        assert_eq!(classify(ip("fd00:ec2::254")), AddressClass::Metadata);
        assert_eq!(classify(ip("169.254.1.1")), AddressClass::Private);
        assert_eq!(classify(ip("10.1.2.3")), AddressClass::Private);
        assert_eq!(classify(ip("100.64.0.1")), AddressClass::Private);
        assert_eq!(classify(ip("fe80::1")), AddressClass::Private);
        assert_eq!(classify(ip("64:ff9b::7f00:1")), AddressClass::Loopback);
        assert_eq!(classify(ip("0.0.0.0")), AddressClass::NotAHost);
        assert_eq!(classify(ip("93.184.216.34")), AddressClass::Public);
    }

    #[test]
    fn metadata_stays_denied_even_when_private_ranges_are_allowed() {
        let rules = AddressRules { allow_loopback: true, allow_private: true };
        assert!(rules.check("169.254.169.254".parse().unwrap()).is_err());
        assert!(rules.check("10.0.0.1".parse().unwrap()).is_ok());
    }
}
