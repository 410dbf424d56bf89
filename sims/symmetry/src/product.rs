//! What the simulator claims to be when clients ask (LOGINACK, PRELOGIN, @@VERSION,
//! SERVERPROPERTY).

// ASSUMPTION: a Symmetry site runs SQL Server 2019 (15.0) Standard Edition with the default
// collation; AMAG's supported versions span several releases, 2019 is a representative one.

pub const PROGRAM_NAME: &str = "Microsoft SQL Server";
/// Major, minor, build (big-endian) — 15.0.2000.
pub const VERSION_BYTES: [u8; 4] = [15, 0, 0x07, 0xD0];
pub const PRODUCT_VERSION: &str = "15.0.2000.5";
pub const EDITION: &str = "Standard Edition (64-bit)";
pub const COLLATION_NAME: &str = "SQL_Latin1_General_CP1_CI_AS";
pub const LANGUAGE: &str = "us_english";

pub fn version_string() -> String {
    format!(
        "Microsoft SQL Server 2019 (RTM) - {PRODUCT_VERSION} (X64) \n\tSep 24 2019 13:48:23 \n\tCopyright (C) 2019 Microsoft Corporation\n\t{EDITION} on Windows Server 2019 Standard 10.0 <X64> (Build 17763: ) (Hypervisor)\n\t(Gatehouse Symmetry simulator)\n"
    )
}
