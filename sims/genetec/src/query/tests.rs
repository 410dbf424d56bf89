//! Parser specifications, one behaviour of the `q=` language per test.

use super::*;
use uuid::Uuid;

const GUID: &str = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

fn guid() -> Uuid {
    Uuid::parse_str(GUID).unwrap()
}

fn kinds(q: &str) -> Vec<OpKind> {
    parse_ops(q).unwrap().into_iter().map(|op| op.kind).collect()
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

#[test]
fn bare_name_is_a_projection_and_dots_make_a_path() {
    assert_eq!(
        kinds("Name,Cardholder.Guid"),
        vec![OpKind::Project(vec!["Name".into()]), OpKind::Project(vec!["Cardholder".into(), "Guid".into()])]
    );
}

#[test]
fn setter_value_runs_to_the_next_top_level_comma_and_keeps_at_signs_and_dashes() {
    assert_eq!(
        kinds("EmailAddress=MyEmail@Email.com,Arrival=2025-06-15T08:00:00Z"),
        vec![
            OpKind::Set(vec!["EmailAddress".into()], text("MyEmail@Email.com")),
            OpKind::Set(vec!["Arrival".into()], text("2025-06-15T08:00:00Z")),
        ]
    );
}

#[test]
fn escaped_comma_stays_inside_the_value() {
    assert_eq!(
        kinds(r"Description=Hi\, this is a message"),
        vec![OpKind::Set(vec!["Description".into()], text("Hi, this is a message"))]
    );
}

#[test]
fn escaped_comma_inside_method_arguments_does_not_split_them() {
    let ops = kinds(&format!(r"SendMessage({GUID}, Hi\, this is a message)"));
    let OpKind::Call { method, args, .. } = &ops[0] else { panic!("not a call: {ops:?}") };
    assert_eq!(method, "SendMessage");
    assert_eq!(args, &vec![text(GUID), text("Hi, this is a message")]);
}

#[test]
fn method_on_a_sub_object_names_its_receiver() {
    assert_eq!(
        kinds("Status.Activate(2025-06-15T08:00:00Z,2025-06-15T18:00:00Z)"),
        vec![OpKind::Call {
            receiver: vec!["Status".into()],
            method: "Activate".into(),
            args: vec![text("2025-06-15T08:00:00Z"), text("2025-06-15T18:00:00Z")],
        }]
    );
}

#[test]
fn method_without_arguments_has_an_empty_argument_list() {
    assert_eq!(kinds("Checkout()"), vec![OpKind::Call { receiver: vec![], method: "Checkout".into(), args: vec![] }]);
}

#[test]
fn at_chains_add_several_items() {
    assert_eq!(
        kinds("EntityTypes@User@UserGroup"),
        vec![OpKind::Add(vec!["EntityTypes".into()], vec![text("User"), text("UserGroup")])]
    );
}

#[test]
fn braced_and_parenthesised_collection_items_are_unwrapped() {
    assert_eq!(
        kinds(&format!("Groups@{{{GUID}}},Members@({GUID})")),
        vec![
            OpKind::Add(vec!["Groups".into()], vec![Value::Braced(GUID.into())]),
            OpKind::Add(vec!["Members".into()], vec![text(GUID)]),
        ]
    );
}

#[test]
fn dash_removes_an_item_even_when_the_item_is_a_dashed_guid() {
    assert_eq!(kinds(&format!("Groups-{GUID}")), vec![OpKind::Remove(vec!["Groups".into()], text(GUID))]);
    assert_eq!(kinds(&format!("Members-({GUID})")), vec![OpKind::Remove(vec!["Members".into()], text(GUID))]);
}

#[test]
fn star_clears_a_collection() {
    assert_eq!(kinds("*Groups"), vec![OpKind::Clear(vec!["Groups".into()])]);
}

#[test]
fn collection_item_may_be_a_call_with_commas() {
    let ops = kinds("UniqueIds@WiegandStandardCredentialFormat(101,12345)");
    let OpKind::Add(_, items) = &ops[0] else { panic!() };
    assert_eq!(items[0].as_call("wiegandstandardcredentialformat"), Some(&[text("101"), text("12345")][..]));
}

#[test]
fn setter_value_may_be_a_call_expression() {
    let ops = kinds("Format=WiegandStandardCredentialFormat(101,12345)");
    let OpKind::Set(_, value) = &ops[0] else { panic!() };
    assert_eq!(value.as_call("WiegandStandardCredentialFormat").map(<[Value]>::len), Some(2));
    assert_eq!(value.to_text(), "WiegandStandardCredentialFormat(101,12345)");
}

#[test]
fn raw_undecoded_wiegand_xml_is_one_text_value() {
    let xml = "<UndecodedWiegand><BitLength>26</BitLength><FormatType>00000000-0000-0000-0000-000000000200</FormatType><Raw>0000000000000000000000000032F272</Raw></UndecodedWiegand>";
    assert_eq!(kinds(&format!("Format={xml}")), vec![OpKind::Set(vec!["Format".into()], text(xml))]);
}

#[test]
fn entity_segments_group_the_tokens_that_follow_them() {
    let query = parse_entity_query("entity=NewEntity(Door),Name=D1,entity=NewEntity(Door),Name=D2").unwrap();
    assert_eq!(query.segments.len(), 2);
    assert_eq!(query.segments[1].target, Target::New { entity_type: "Door".into(), subtype: None });
    assert_eq!(query.segments[1].ops[0].kind, OpKind::Set(vec!["Name".into()], text("D2")));
    assert!(query.writes());
}

#[test]
fn new_entity_takes_an_optional_subtype() {
    let query = parse_entity_query("entity=NewEntity(AccessRule,Permanent),Guid").unwrap();
    assert_eq!(
        query.segments[0].target,
        Target::New { entity_type: "AccessRule".into(), subtype: Some("Permanent".into()) }
    );
}

#[test]
fn entity_keyword_is_case_insensitive() {
    let query = parse_entity_query(&format!("ENTITY={GUID},name")).unwrap();
    assert_eq!(query.segments[0].target, Target::Existing(EntityRef::Guid(guid())));
    assert!(!query.writes());
}

#[test]
fn guid_is_accepted_dashed_bare_and_braced() {
    let bare = GUID.replace('-', "");
    for form in [GUID.to_string(), bare.clone(), format!("{{{GUID}}}"), format!("{{{bare}}}"), GUID.to_uppercase()] {
        let query = parse_entity_query(&format!("entity={form},Name")).unwrap();
        assert_eq!(query.segments[0].target, Target::Existing(EntityRef::Guid(guid())), "form {form}");
    }
}

#[test]
fn malformed_guid_is_rejected() {
    assert!(parse_entity_query("entity=3f2504e0-4f89-11d3,Name").is_err());
    assert_eq!(parse_guid("urn:uuid:3f2504e0-4f89-11d3-9a0c-0305e82c3301"), None);
}

#[test]
fn logical_id_reference_allows_spaces() {
    let query = parse_entity_query("entity=LogicalId(Door, 1),Name").unwrap();
    assert_eq!(query.segments[0].target, Target::Existing(EntityRef::LogicalId { entity_type: "Door".into(), id: 1 }));
}

#[test]
fn logical_id_out_of_range_is_rejected() {
    assert!(parse_entity_query("entity=LogicalId(Door,10000000),Name").is_err());
}

#[test]
fn tokens_before_the_first_entity_are_rejected() {
    assert!(parse_entity_query("Name,entity=NewEntity(Door)").is_err());
}

#[test]
fn unbalanced_brackets_are_rejected() {
    assert!(parse_ops("Status.Activate(2025-01-01").is_err());
    assert!(parse_ops("Name=a)").is_err());
}

#[test]
fn empty_items_and_surrounding_spaces_are_ignored() {
    assert_eq!(
        kinds(" Name , ,Guid,"),
        vec![OpKind::Project(vec!["Name".into()]), OpKind::Project(vec!["Guid".into()])]
    );
}

#[test]
fn value_keeps_inner_spaces_and_parentheses_as_written() {
    assert_eq!(kinds("Name=John Smith (Jr)"), vec![OpKind::Set(vec!["Name".into()], text("John Smith (Jr)"))]);
    let ops = kinds("Name=Smith(Jr, Sr)");
    let OpKind::Set(_, value) = &ops[0] else { panic!() };
    assert_eq!(value.to_text(), "Smith(Jr, Sr)");
}

#[test]
fn custom_field_names_may_contain_spaces() {
    assert_eq!(kinds("Envoy Email"), vec![OpKind::Project(vec!["Envoy Email".into()])]);
}

#[test]
fn q_parameter_is_url_decoded_with_plus_as_space() {
    let raw = "q=entity%3DNewEntity(Cardholder)%2CName%3DJane+Doe%2CMobilePhoneNumber%3D%2B1555";
    assert_eq!(
        query_parameter(Some(raw), "q").unwrap(),
        "entity=NewEntity(Cardholder),Name=Jane Doe,MobilePhoneNumber=+1555"
    );
}

#[test]
fn op_source_quotes_the_client_text() {
    let ops = parse_ops("EntityTypes@Door, Page=1").unwrap();
    assert_eq!(ops[1].source, "Page=1");
}

#[test]
fn dates_accept_z_offsets_short_offsets_and_no_zone() {
    let expected = "2025-06-15T08:00:00Z";
    for form in [
        "2025-06-15T08:00:00Z",
        "2025-06-15T08:00:00",
        "2025-06-15T05:00:00-3:00",
        "2025-06-15T10:00:00 02:00",
        "2025-06-15T08:00:00.000Z",
    ] {
        let parsed = parse_date_time(form).unwrap_or_else(|| panic!("{form}"));
        assert_eq!(parsed.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), expected, "{form}");
    }
    assert_eq!(parse_date_time("June 15"), None);
}

#[test]
fn time_spans_accept_days_or_hours() {
    assert_eq!(parse_time_span("6.00:00:00"), Some(chrono::TimeDelta::days(6)));
    assert_eq!(parse_time_span("1:30:00"), Some(chrono::TimeDelta::minutes(90)));
    assert_eq!(parse_time_span("1:75:00"), None);
}
