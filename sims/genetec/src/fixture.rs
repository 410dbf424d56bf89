//! Loading fixtures: the compiled-in default, or a JSON / TOML file of the same
//! [`Directory`] shape, validated before the simulator serves it.

use std::path::{Path, PathBuf};

use crate::config::FixtureSource;
use crate::model::Directory;

const DEFAULT_FIXTURE: &str = include_str!("../fixtures/default.json");

#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("cannot read fixture {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("fixture {path} cannot be parsed: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("fixture {path} is inconsistent: {message}")]
    Invalid { path: PathBuf, message: String },
}

pub fn default_directory() -> Directory {
    // The default fixture is checked by a unit test; failing here is a build defect.
    serde_json::from_str(DEFAULT_FIXTURE).expect("fixtures/default.json is a valid directory")
}

pub fn load(source: &FixtureSource) -> Result<Directory, FixtureError> {
    let (directory, path) = match source {
        FixtureSource::Default => (default_directory(), PathBuf::from("fixtures/default.json")),
        FixtureSource::Inline(directory) => ((**directory).clone(), PathBuf::from("<inline>")),
        FixtureSource::File(path) => (parse_file(path)?, path.clone()),
    };
    directory.validate().map_err(|message| FixtureError::Invalid { path, message })?;
    Ok(directory)
}

fn parse_file(path: &Path) -> Result<Directory, FixtureError> {
    let text = std::fs::read_to_string(path).map_err(|source| FixtureError::Read { path: path.into(), source })?;
    let parse_error = |message: String| FixtureError::Parse { path: path.into(), message };
    let is_toml = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    if is_toml {
        toml::from_str(&text).map_err(|e| parse_error(e.to_string()))
    } else {
        serde_json::from_str(&text).map_err(|e| parse_error(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::well_known;
    use crate::model::well_known::default_fixture as fx;

    #[test]
    fn default_fixture_is_consistent() {
        default_directory().validate().unwrap();
    }

    #[test]
    fn default_fixture_matches_the_published_constants() {
        let directory = default_directory();
        for guid in [
            fx::HQ_PARTITION,
            fx::ANNEX_PARTITION,
            fx::HQ_AREA,
            fx::ANNEX_AREA,
            fx::HQ_MAIN_ENTRANCE,
            fx::HQ_PARKING_GATE,
            fx::HQ_SERVER_ROOM,
            fx::ANNEX_FRONT_DOOR,
            fx::EMPLOYEES_GROUP,
            fx::ENGINEERING_GROUP,
            fx::CONTRACTORS_GROUP,
            fx::INTERVIEW_GROUP,
            fx::ALICE,
            fx::BOB,
            fx::CAROL,
            fx::DAN,
            fx::ERIN,
            fx::ALICE_CARD,
            fx::BOB_CARD,
            fx::CAROL_CARD,
            fx::ERIN_CARD,
            fx::SPARE_CARD,
            well_known::ROOT_PARTITION,
            well_known::SYSTEM_PARTITION,
            well_known::ALL_CARDHOLDERS_GROUP,
            well_known::VISITORS_GROUP,
        ] {
            assert!(directory.entity_type(guid).is_some(), "{guid} missing from the default fixture");
        }
        for field in [fx::ENVOY_EMAIL_FIELD, fx::CARDHOLDER_EXTERNAL_ID_FIELD, fx::VISITOR_EXTERNAL_ID_FIELD] {
            assert!(directory.custom_fields.iter().any(|f| f.guid == field));
        }
        for (user, password) in [
            (fx::ENVOY_USER, fx::ENVOY_PASSWORD),
            (fx::NO_SDK_USER, fx::NO_SDK_PASSWORD),
            (fx::NO_DOOR_ACTIVITY_USER, fx::NO_DOOR_ACTIVITY_PASSWORD),
            (fx::NO_CARDHOLDER_VIEW_USER, fx::NO_CARDHOLDER_VIEW_PASSWORD),
            (fx::NO_DOOR_VIEW_USER, fx::NO_DOOR_VIEW_PASSWORD),
            (fx::ADMIN_USER, fx::ADMIN_PASSWORD),
        ] {
            assert_eq!(directory.user(user).map(|u| u.password.as_str()), Some(password));
        }
        assert!(directory.licence.allows(fx::ENVOY_APP_ID));
        assert!(!directory.licence.allows(fx::UNACTIVATED_APP_ID));
        assert!(directory.licence.parts.iter().any(|p| p.application_id == fx::UNACTIVATED_APP_ID));
        assert!(!directory.licence.allows(fx::DEMO_APP_ID));
    }

    #[test]
    fn toml_fixtures_use_the_same_shape() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny.toml");
        std::fs::write(
            &path,
            r#"
            [[users]]
            name = "envoy"
            password = "pw"
            privileges = ["LogOnUsingSdk"]
            [[partitions]]
            guid = "00000000-0000-0000-0000-00000000000b"
            name = "Root"
            [[doors]]
            guid = "d0000000-0000-4000-8000-000000000009"
            name = "Lobby"
            "#,
        )
        .unwrap();
        let directory = load(&FixtureSource::File(path)).unwrap();
        assert_eq!(directory.doors.len(), 1);
    }

    #[test]
    fn inconsistent_fixture_is_refused_with_a_reason() {
        let mut directory = default_directory();
        directory.credentials.get_mut(&fx::BOB_CARD).unwrap().format =
            directory.credentials[&fx::ALICE_CARD].format.clone();
        let error = load(&FixtureSource::Inline(Box::new(directory))).unwrap_err();
        assert!(error.to_string().contains("same card"), "{error}");
    }
}
