//! Well-known GUIDs of every Security Center system (spec §5, web-sdk-constants),
//! and the well-known entities of the default fixture.

use uuid::Uuid;

const fn system(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub const ADMIN_USER: Uuid = system(0x03);
pub const SYSTEM_CONFIGURATION: Uuid = system(0x07);
pub const ALL_CARDHOLDERS_GROUP: Uuid = system(0x08);
pub const LOCKDOWN_RULE: Uuid = system(0x09);
pub const ALL_OPEN_RULE: Uuid = system(0x0A);
pub const ROOT_PARTITION: Uuid = system(0x0B);
pub const VISITORS_GROUP: Uuid = system(0x0D);
pub const SYSTEM_PARTITION: Uuid = system(0xBB);

pub fn root_partition() -> Uuid {
    ROOT_PARTITION
}

/// Entities, users and secrets of `fixtures/default.json`, for tests and examples.
/// A unit test keeps these in step with the file.
pub mod default_fixture {
    use uuid::Uuid;

    pub const ENVOY_USER: &str = "envoy";
    pub const ENVOY_PASSWORD: &str = "Envoy-Sim-2025";
    /// Licensed for part `GSC-1SDK-ENVOY-Visitors`.
    pub const ENVOY_APP_ID: &str = "GSC1SDKENVOYVisitors+SimulatorOnly/AppId4590xQ2pR7tK9mW3zL5vN8bD0fH6j=";
    /// A user without the "Log on using the SDK" privilege.
    pub const NO_SDK_USER: &str = "reception";
    pub const NO_SDK_PASSWORD: &str = "Reception-2025";
    /// A user with the SDK privilege but not "Door activities".
    pub const NO_DOOR_ACTIVITY_USER: &str = "auditor";
    pub const NO_DOOR_ACTIVITY_PASSWORD: &str = "Auditor-2025";
    /// A user with every privilege but "View cardholder properties".
    pub const NO_CARDHOLDER_VIEW_USER: &str = "doorman";
    pub const NO_CARDHOLDER_VIEW_PASSWORD: &str = "Doorman-2025";
    /// A user with every privilege but "View door properties".
    pub const NO_DOOR_VIEW_USER: &str = "registrar";
    pub const NO_DOOR_VIEW_PASSWORD: &str = "Registrar-2025";
    pub const ADMIN_USER: &str = "admin";
    pub const ADMIN_PASSWORD: &str = "Admin-2025";
    /// Listed in the licence, but its part is not activated.
    pub const UNACTIVATED_APP_ID: &str = "GSC1SDKACMEVisitors+NotActivated/AppIdSimulatorOnly00000000000000=";
    /// Genetec's demo application id; refused because the fixture licence is not a demo.
    pub const DEMO_APP_ID: &str = "KxsD11z743Hf5Gq9mv3+5ekxzemlCiUXkTFY5ba1NOGcLCmGstt2n0zYE9NsNimv";

    pub const HQ_PARTITION: Uuid = Uuid::from_u128(0x5a000000_0000_4000_8000_000000000001);
    pub const ANNEX_PARTITION: Uuid = Uuid::from_u128(0x5a000000_0000_4000_8000_000000000002);
    pub const HQ_AREA: Uuid = Uuid::from_u128(0xa0000000_0000_4000_8000_000000000001);
    pub const ANNEX_AREA: Uuid = Uuid::from_u128(0xa0000000_0000_4000_8000_000000000002);
    pub const HQ_MAIN_ENTRANCE: Uuid = Uuid::from_u128(0xd0000000_0000_4000_8000_000000000001);
    pub const HQ_PARKING_GATE: Uuid = Uuid::from_u128(0xd0000000_0000_4000_8000_000000000002);
    pub const HQ_SERVER_ROOM: Uuid = Uuid::from_u128(0xd0000000_0000_4000_8000_000000000003);
    pub const ANNEX_FRONT_DOOR: Uuid = Uuid::from_u128(0xd0000000_0000_4000_8000_000000000004);
    pub const EMPLOYEES_GROUP: Uuid = Uuid::from_u128(0xc9000000_0000_4000_8000_000000000001);
    pub const ENGINEERING_GROUP: Uuid = Uuid::from_u128(0xc9000000_0000_4000_8000_000000000002);
    pub const CONTRACTORS_GROUP: Uuid = Uuid::from_u128(0xc9000000_0000_4000_8000_000000000003);
    pub const INTERVIEW_GROUP: Uuid = Uuid::from_u128(0xc9000000_0000_4000_8000_000000000004);
    /// Active employee Alice Martin, alice.martin@acme.example, card FC 101 / 1001.
    pub const ALICE: Uuid = Uuid::from_u128(0xc0000000_0000_4000_8000_000000000001);
    /// Active employee Bob Nguyen, bob.nguyen@acme.example, card FC 101 / 1002.
    pub const BOB: Uuid = Uuid::from_u128(0xc0000000_0000_4000_8000_000000000002);
    /// Inactive employee Carol Diaz (for "check-in required"), card FC 101 / 1003.
    pub const CAROL: Uuid = Uuid::from_u128(0xc0000000_0000_4000_8000_000000000003);
    /// Inactive employee Dan Okafor, no credential.
    pub const DAN: Uuid = Uuid::from_u128(0xc0000000_0000_4000_8000_000000000004);
    /// Active employee Erin Walsh in the Annex partition, card FC 102 / 2001.
    pub const ERIN: Uuid = Uuid::from_u128(0xc0000000_0000_4000_8000_000000000005);
    pub const ALICE_CARD: Uuid = Uuid::from_u128(0xce000000_0000_4000_8000_000000000001);
    pub const BOB_CARD: Uuid = Uuid::from_u128(0xce000000_0000_4000_8000_000000000002);
    pub const CAROL_CARD: Uuid = Uuid::from_u128(0xce000000_0000_4000_8000_000000000003);
    pub const ERIN_CARD: Uuid = Uuid::from_u128(0xce000000_0000_4000_8000_000000000004);
    /// An unassigned spare card, FC 101 / 1999.
    pub const SPARE_CARD: Uuid = Uuid::from_u128(0xce000000_0000_4000_8000_000000000005);
    pub const ENVOY_EMAIL_FIELD: Uuid = Uuid::from_u128(0xcf000000_0000_4000_8000_000000000001);
    pub const CARDHOLDER_EXTERNAL_ID_FIELD: Uuid = Uuid::from_u128(0xcf000000_0000_4000_8000_000000000002);
    pub const VISITOR_EXTERNAL_ID_FIELD: Uuid = Uuid::from_u128(0xcf000000_0000_4000_8000_000000000003);
}
