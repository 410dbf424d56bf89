//! Where each Genetec (A) and Symmetry (B) item of `shared/specs/seed-features.md` is
//! covered, or why software cannot cover it (issues 3 and 4). The test below keeps the
//! table honest: every item has one row, and every test a row names exists.
//!
//! | Item | Seed behaviour | Decision | Covered by |
//! |---|---|---|---|
//! | A1 | Genetec licence part | e2e | `seed_a1_1_an_unactivated_licence_part_fails_validation_in_plain_words` |
//! | A2 | IP allow-list | e2e: the install's HTTP grant is the outbound allow-list, by address | `seed_a1_2_only_the_granted_address_is_reached_even_by_another_name_for_it` |
//! | A3 | Ports 4590 / 443 | e2e | `seed_a1_3_a_web_sdk_url_outside_the_install_grant_is_refused` |
//! | A4 | Port check | e2e: another port than the granted one is never reached | `seed_a1_4_a_web_sdk_on_another_port_than_the_granted_one_is_never_reached` |
//! | A5 | Limited `envoy` service user | e2e: the fixture's envoy user holds only Envoy's privileges | `seed_a1_5_the_limited_envoy_user_passes_every_check_of_every_employee_method` |
//! | A6 | "Log on using the SDK" | e2e | `seed_a1_6_a_user_without_log_on_using_the_sdk_is_an_auth_error_naming_the_privilege` |
//! | A7 | "View Cardholder Properties" | e2e: simulator enforces it, validation names it | `seed_a1_7_a_user_without_view_cardholder_properties_fails_validation_and_actions_naming_it` |
//! | A8 | "View Door Properties" | e2e: simulator enforces it, validation names it | `seed_a1_8_a_user_without_view_door_properties_fails_validation_naming_it` |
//! | A9 | "Door activities" | e2e | `seed_a1_9_auto_check_in_validation_requires_the_door_activities_privilege` |
//! | A10 | Installer rights | not software: a person's own Security Center rights; the install's user is checked by A5–A9 | `seed_a1_5_the_limited_envoy_user_passes_every_check_of_every_employee_method` |
//! | A11 | Visitor sync on sign-in | e2e | `seed_a2_11_a_signed_in_visitor_becomes_a_visitor_entity` |
//! | A12 | Cardholder group per visitor type | e2e | `seed_a2_12_and_a6_35_a_visitor_type_maps_to_a_visitor_enabled_cardholder_group` |
//! | A13 | Genetec-side features | not software: Security Center's own functions once the visitor exists | — |
//! | A14 | Employee auto sign-in | e2e | `seed_a2_14_an_employee_badging_in_is_signed_in_by_the_badge_event` |
//! | A15 | Install from Envoy's app list | not software: Envoy's UI | — |
//! | A16 | Static IPs shown on the install page | not software: Envoy's page; the host-side allow-list is A2 | `seed_a1_2_only_the_granted_address_is_reached_even_by_another_name_for_it` |
//! | A17 | Web SDK URL | e2e | `seed_a3_17_the_web_sdk_url_can_be_an_address_and_port_with_the_default_base_path` |
//! | A18 | Username / password | e2e | `seed_a3_18_a_wrong_password_is_an_auth_error_that_is_never_retried` |
//! | A19 | Partitions | e2e | `seed_a4_19_visitors_and_credentials_are_created_in_the_chosen_partition` |
//! | A20 | One employee method | e2e: configuration accepts exactly one method and only its options | `seed_a5_20_exactly_one_employee_method_is_accepted_with_only_its_own_options` |
//! | A21 | Auto check-in with badge swipe | e2e | `seed_a5_21_a_badge_swipe_yields_a_sign_in_event_with_the_employee_email` |
//! | A22 | Questions off | not software: an Envoy reservation-flow setting | — |
//! | A23 | Auto sign-out on | not software: an Envoy location setting | — |
//! | A24 | Exclude employees (method 1) | e2e | `seed_a5_24_excluded_employees_badges_are_ignored` |
//! | A25 | Badge event target site | e2e | `seed_a5_25_only_badge_events_at_the_chosen_sites_count` |
//! | A26 | Check-in required for access | e2e: the badge is refused until check-in | `seed_a5_26_the_badge_of_a_check_in_required_employee_works_only_after_check_in` |
//! | A27 | Toggle user status | e2e | `seed_a5_27_and_32_toggle_user_status_enables_a_disabled_employee_and_disables_it_again` |
//! | A28 | Toggle access groups | e2e | `seed_a5_28_and_29_toggle_access_groups_moves_the_employee_into_the_groups_and_out` |
//! | A29 | Manage access groups | e2e | `seed_a5_28_and_29_toggle_access_groups_moves_the_employee_into_the_groups_and_out` |
//! | A30 | Employee access duration | e2e | `seed_a5_30_the_employee_access_duration_becomes_the_cardholder_expiry` |
//! | A31 | Exclude employees (method 2) | e2e | `seed_a5_31_excluded_employees_are_never_toggled` |
//! | A32 | Employees start disabled | e2e | `seed_a5_27_and_32_toggle_user_status_enables_a_disabled_employee_and_disables_it_again` |
//! | A33 | SCIM limits toggle user status | not modelled: neither spec says how a SCIM-managed (read-only) cardholder answers a status write, so a simulated refusal would be invented; toggle access groups, which the seed says works there, is covered | `seed_a5_28_and_29_toggle_access_groups_moves_the_employee_into_the_groups_and_out` |
//! | A34 | Revocation (vague) | e2e: sign-out disables, and access ends by itself when the duration expires | `seed_a5_34_a_check_in_required_employee_loses_access_when_the_duration_ends`, `seed_a5_26_the_badge_of_a_check_in_required_employee_works_only_after_check_in` |
//! | A35 | Visitor type → cardholder group | e2e | `seed_a2_12_and_a6_35_a_visitor_type_maps_to_a_visitor_enabled_cardholder_group` |
//! | A36 | Invited guests only | e2e through the policy planner | `seed_a6_36_with_invited_guests_only_a_walk_in_is_never_synced_and_an_invite_is` |
//! | A37 | Check out on sign-out | e2e | `seed_a6_37_sign_out_checks_the_visitor_out_and_frees_its_card` |
//! | A38 | Access duration | e2e | `seed_a6_38_the_access_duration_sets_arrival_and_departure` |
//! | A39 | Advanced access | e2e | `seed_a6_39_advanced_access_gives_an_invited_visitor_a_credential_valid_before_arrival` |
//! | A40 | QR code credentials | e2e | `seed_a6_40_and_41_qr_code_credentials_come_from_the_card_range_with_the_facility_code` |
//! | A41 | Card range + facility code | e2e | `seed_a6_41_a_card_number_already_in_security_center_is_skipped` |
//! | A42 | Range follows the card format | e2e | `seed_a6_42_a_card_range_beyond_the_wiegand_26_format_is_refused_at_set_up` |
//! | A43 | QR e-mail | host e2e: the host renders the card's QR code and e-mails it, for every vendor | `seed_a6_43_an_invited_guest_gets_a_card_from_the_pool_and_its_qr_code_by_email` |
//! | A44 | PIN code credentials | e2e | `seed_a6_44_pin_code_credentials_are_keypad_credentials_returned_once` |
//! | A45 | Save | not software (a button); its counterpart, saving a policy, validates it against the plugin first | `a_policy_needing_an_action_the_plugin_lacks_is_refused`, `a_candidate_policy_can_be_tried_before_it_is_saved` |
//! | A46 | Invites pushed at creation | e2e | `seed_a7_46_an_invite_is_created_at_once_with_its_credential_expiring_at_the_expected_arrival` |
//! | A47 | No visitor credential sent | e2e | `seed_a7_47_without_qr_credentials_the_visitor_is_created_without_a_card` |
//! | A48 | Pre-numbered cards | e2e | `seed_a7_48_a_pre_numbered_card_assigned_in_security_center_survives_revocation` |
//! | A49 | Blank cards | e2e: an operator-enrolled card works and survives revocation | `seed_a7_49_a_blank_card_captured_and_assigned_in_security_center_works_and_survives_revocation` |
//! | A50 | Card access set-up via Genetec | not software: a support referral | — |
//! | B51 | Credentials on sign-in | e2e | `b51_a_visitor_signing_in_receives_a_symmetry_card_with_access` |
//! | B52 | Expiry on sign-out | e2e | `b52_signing_out_expires_the_card_and_forces_it_inactive` |
//! | B53 | AMAG MSSQL transport | e2e | `b53_b58_a_sql_login_on_host_and_custom_port_passes_the_live_validation` |
//! | B54 | Employee access | e2e | `b54_employee_access_is_activated_at_sign_in_and_suspended_at_sign_out` |
//! | B55 | IP allow-list | e2e: the SQL grant is the allow-list; the component can only name mapped labels | `b55_the_component_reaches_only_the_database_addresses_the_install_maps`, `b55_a_database_label_the_install_did_not_map_is_refused_by_the_host_without_a_connection` |
//! | B56 | Data Connect licence | e2e: a site without Data Connect has no multiMAXImport; validation and actions say so as a config error | `b56_without_the_data_connect_licence_validation_says_so_and_nothing_is_written` |
//! | B57 | Install from Envoy's app list | not software: Envoy's UI | — |
//! | B58 | Envoy Access step | e2e | `b53_b58_a_sql_login_on_host_and_custom_port_passes_the_live_validation`, `b58_a_wrong_password_fails_validation_in_plain_words` |
//! | B59 | Target company | e2e | `b59_the_target_company_is_picked_from_the_companies_in_the_database` |
//! | B60 | Employees not disabled by default | e2e | `b60_nobody_is_mass_disabled_only_the_employees_own_primary_card_changes` |
//! | B61 | Workplace enable | e2e | `b61_turning_workplace_off_turns_every_employee_feature_off` |
//! | B62 | Workplace data field | e2e | `b62_the_workplace_data_field_matches_the_email_trimmed_and_case_insensitively` |
//! | B63 | Exclude employees | e2e | `b63_excluded_employees_are_never_touched` |
//! | B64 | Disable during sign-out | e2e | `b64_disable_during_sign_out_acts_only_when_switched_on` |
//! | B65 | Enable during sign-in | e2e | `b65_enable_during_sign_in_acts_only_when_switched_on` |
//! | B66 | Access code mapping | e2e | `b66_each_visitor_type_gets_the_access_codes_mapped_to_it_and_unmapped_types_get_nothing` |
//! | B67 | Early access | e2e | `b67_early_access_opens_the_card_before_the_scheduled_arrival` |
//! | B68 | Access duration | e2e | `b68_the_access_duration_sets_when_the_card_expires` |
//! | B69 | Invite only | e2e | `b69_invite_only_gives_credentials_to_invited_guests_and_none_to_walk_ins` |
//! | B70 | Registration required | e2e | `b70_registration_required_waits_for_a_completed_registration` |
//! | B71 | Issue PIN | e2e | `b71_issue_pin_puts_a_new_pin_on_the_visitors_card` |
//! | B72 | Contact information | e2e | `b72_contact_information_is_added_to_the_record_only_when_the_type_asks_for_it` |
//! | B73 | Card access | e2e | `b73_b74_cards_come_from_the_range_with_the_configured_format_and_facility_code_and_are_returned` |
//! | B74 | Credential delivery (vague) | e2e for what software can do: the card number comes back in the outcome, and the host's QR e-mail is vendor-neutral (A43); how Envoy tells the visitor is not stated | `b73_b74_cards_come_from_the_range_with_the_configured_format_and_facility_code_and_are_returned`, `seed_a6_43_an_invited_guest_gets_a_card_from_the_pool_and_its_qr_code_by_email` |
//! | B75 | Support channels | not software: Envoy's support | — |

use std::path::Path;

/// The table's rows: item, decision, and the test names in the last column.
fn rows() -> Vec<(String, String, Vec<String>)> {
    include_str!("seed_coverage.rs")
        .lines()
        .filter_map(|line| line.strip_prefix("//! | "))
        .filter(|row| row.starts_with('A') || row.starts_with('B'))
        .map(|row| {
            let cells: Vec<&str> = row.split(" | ").collect();
            let tests = cells.last().unwrap().split('`').skip(1).step_by(2).map(String::from).collect();
            (cells[0].to_string(), cells[2].to_string(), tests)
        })
        .collect()
}

/// The text of every end-to-end and host test file.
fn test_sources() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    [root.join("tests"), root.join("../host/service/tests")]
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect()
}

#[test]
fn every_genetec_and_symmetry_seed_item_has_one_row_and_its_tests_exist() {
    let rows = rows();
    let expected: Vec<String> = (1..=50).map(|n| format!("A{n}")).chain((51..=75).map(|n| format!("B{n}"))).collect();
    let items: Vec<String> = rows.iter().map(|(item, _, _)| item.clone()).collect();
    assert_eq!(items, expected);

    let sources = test_sources();
    for (item, decision, tests) in &rows {
        assert!(
            decision.starts_with("not ") || !tests.is_empty(),
            "{item} is decided as {decision:?} but names no test"
        );
        for test in tests {
            assert!(sources.contains(&format!("fn {test}(")), "{item} names {test}, which no test file defines");
        }
    }
}
