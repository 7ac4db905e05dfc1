//! What the simulator asks of one simulated cloud: its registration [`SimCloud`], and the type-keyed
//! holders of each cloud's scenario section ([`Sections`]) and state ([`CloudStates`]).
//!
//! The shared files (`server.rs`, `scenario.rs`, `state.rs`, `import.rs`, `imds.rs`, `faults.rs`,
//! the handle in `sim.rs`) never name a cloud: they iterate over the table of registered clouds,
//! `CLOUDS` in `sim.rs`, and call these functions. A cloud defines them in its own folder
//! (`sim/aliyun.rs` + `sim/aliyun/`, `sim/huawei.rs` + `sim/huawei/`); adding one is
//! docs/adding-a-provider.md, "The simulator side".

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;

use super::faults::Answering;
use super::ids::Ids;
use super::import::{ImportQuirks, Origin};
use super::scenario::{FaultSpec, Scenario, TaskSpec};
use super::state::{Inner, Shared};
use super::{SimError, SimHandle, specgen};
use crate::domain::{ProviderKind, TaskRef};
use crate::openapi::{self, Document};

/// One request as the main listener read it (body whole).
#[derive(Clone, Copy)]
pub(crate) struct Request<'a> {
    pub method: &'a Method,
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
    pub body: &'a Bytes,
}

/// A cloud's answer to a request, boxed so that every cloud's handler fits one table.
pub(crate) type Answer<'a> = Pin<Box<dyn Future<Output = Response> + Send + 'a>>;

/// A task of the scenario to create at start, with what every cloud needs to create it.
pub(crate) struct StartTask<'a> {
    pub scenario: &'a Scenario,
    pub task: &'a TaskSpec,
    pub origin: Origin,
}

impl StartTask<'_> {
    /// The error of this task.
    pub(crate) fn fail(&self, message: impl Into<String>) -> SimError {
        SimError::Task { task: self.task.name.clone(), message: message.into() }
    }

    /// The spec's text and the name it is parsed under: a file, or a generated spec.
    pub(crate) fn spec_text(&self) -> Result<(String, String), SimError> {
        match (&self.task.spec, &self.task.generate) {
            (Some(name), _) => Ok((self.scenario.spec_text(name)?, name.clone())),
            (None, Some(generate)) => Ok((specgen::generate(generate), "generated".to_owned())),
            (None, None) => Err(self.fail("an import needs `spec` or `generate`")),
        }
    }

    /// The spec, parsed; a spec that does not parse is the scenario's error.
    pub(crate) fn spec(&self) -> Result<Document, SimError> {
        let (text, name) = self.spec_text()?;
        openapi::parse(&text, &name).map_err(|source| SimError::Spec { task: self.task.name.clone(), source })
    }
}

/// One simulated cloud: what the shared files ask of it, as functions of its folder (the way
/// `provider::Registration` registers a cloud's client side).
pub(crate) struct SimCloud {
    pub kind: ProviderKind,
    /// Its section of a scenario file (its `scenario.rs`).
    pub section: SectionFns,
    /// Its state, its start tasks and its import quirks (its `tasks.rs`).
    pub tasks: TaskFns,

    // --- HTTP ---
    /// Whether a request is for one of its credential services (STS, metadata, IAM). Asked of
    /// every cloud before any is asked `serves_api`, so that a credential service sharing a
    /// path with an API (Alibaba STS at `/`) is found.
    pub serves_credentials: fn(&Request<'_>) -> bool,
    pub handle_credentials: fn(&Shared, &Request<'_>) -> Response,
    /// Whether a path is its gateway API's.
    pub serves_api: fn(&str) -> bool,
    pub handle_api: for<'a> fn(&'a Shared, Request<'a>) -> Answer<'a>,
    /// Where its API is served, for the banner (`Alibaba CloudAPI at /`).
    pub served_at: &'static str,

    // --- faults, in its words and shapes ---
    pub fault_answers: FaultAnswers,

    // --- the handle and the banner of `oaswatch sim` ---
    pub client_and_banner: ClientAndBanner,
}

/// A cloud's `[<name>]` section of a scenario file (each cloud's `scenario.rs`).
pub(crate) struct SectionFns {
    /// Parses the section (`None`: absent, all defaults); [`parse_section`] for a serde type.
    pub parse: fn(Option<toml::Value>) -> ParsedSection,
    /// Checks a `[[tasks]]` entry for this cloud against its section.
    pub validate_task: fn(&Scenario, &TaskSpec) -> Result<(), String>,
    /// Every group of the scenario, `(id, name)`, for the labels of start tasks.
    pub group_names: fn(&Scenario) -> Vec<(String, String)>,
}

/// A cloud's state and the tasks it creates (each cloud's `tasks.rs`).
pub(crate) struct TaskFns {
    /// Its state at start (groups, instances) as the scenario declares it.
    pub initial_state: fn(&Scenario, Ids) -> Box<dyn CloudState>,
    /// Creates one of the scenario's start tasks; its reference.
    pub create_start_task: fn(&Shared, &mut Inner, &StartTask<'_>) -> Result<TaskRef, SimError>,
    /// What its gateway does on import beyond the shared rules.
    pub import_quirks: ImportQuirks,
}

/// What the handle tells a client about a cloud, and the lines of `oaswatch sim`'s banner about
/// it (each cloud's `handle.rs`).
pub(crate) struct ClientAndBanner {
    /// The variables that give `oaswatch` the scenario's first long-term key.
    pub client_key_env: fn(&SimHandle) -> Vec<(&'static str, String)>,
    /// The banner's lines for its keys and tokens (fake by construction; printing them is the
    /// point of `oaswatch sim`).
    pub banner_keys: fn(&SimHandle, &mut dyn io::Write) -> io::Result<()>,
    /// The variables that point the credential chains at its credential services.
    pub credential_endpoint_env: &'static [&'static str],
    /// The banner's lines saying what its credential services accept (`url`: the simulator's).
    pub banner_credentials: fn(&str, &mut dyn io::Write) -> io::Result<()>,
    /// The banner's lines listing where `oaswatch import --to` can send a spec.
    pub banner_targets: fn(&SimHandle, &mut dyn io::Write) -> io::Result<()>,
}

/// A cloud's answers to the faults that answer with an error (`sim/faults.rs` builds each): its
/// error answer, and the status, code and text it gives each fault.
pub(crate) struct FaultAnswers {
    pub error: ErrorAnswer,
    /// `throttle`.
    pub throttled: Throttled,
    /// `server_error`: the status, code and message for the fault (which may set the status and
    /// the code).
    pub server_error: fn(&FaultSpec) -> (StatusCode, &str, &'static str),
    /// `hostile_error`: the status and code of an error whose message is the hostile text.
    pub hostile_error: (StatusCode, &'static str),
    /// The field of its poll answer a `deep_json` fault nests.
    pub deep_json_field: &'static str,
}

/// A cloud's error answer: status, code, message, and headers beyond the request id.
pub(crate) type ErrorAnswer = fn(StatusCode, &str, &str, &Answering<'_>, &[(&str, String)]) -> Response;

/// A cloud's answer to `throttle`.
pub(crate) struct Throttled {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: &'static str,
    /// The header that says when to try again, from the fault (`time_left_ms`, `retry_after_secs`).
    pub retry_header: fn(&FaultSpec) -> (&'static str, String),
}

/// A cloud's section, parsed, or why not.
pub(crate) type ParsedSection = Result<Box<dyn Section>, String>;

/// A cloud's scenario section, whatever its type.
pub trait Section: Any + Send + Sync + fmt::Debug {
    fn clone_box(&self) -> Box<dyn Section>;
}

impl<T: Any + Send + Sync + fmt::Debug + Clone> Section for T {
    fn clone_box(&self) -> Box<dyn Section> {
        Box::new(self.clone())
    }
}

/// Parses a section of type `T` (all defaults when absent): what [`SectionFns::parse`]
/// does for a serde type.
pub(crate) fn parse_section<T>(section: Option<toml::Value>) -> ParsedSection
where
    T: Section + Default + serde::de::DeserializeOwned,
{
    let parsed: T = match section {
        Some(value) => value.try_into().map_err(|err: toml::de::Error| err.message().to_owned())?,
        None => T::default(),
    };
    Ok(Box::new(parsed))
}

/// The sections of every registered cloud, one per cloud, found by type.
pub struct Sections(Vec<Box<dyn Section>>);

impl Sections {
    pub(crate) fn get<T: Section>(&self) -> Option<&T> {
        self.0.iter().find_map(|section| (section.as_ref() as &dyn Any).downcast_ref())
    }
}

impl Clone for Sections {
    fn clone(&self) -> Self {
        Sections(self.0.iter().map(|section| section.as_ref().clone_box()).collect())
    }
}

impl fmt::Debug for Sections {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

/// The registered clouds' sections, taken from the keys of a scenario file that are not its own
/// fields (`#[serde(flatten)]`); a key that is no cloud's name is refused, as
/// `deny_unknown_fields` would.
impl<'de> serde::Deserialize<'de> for Sections {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Sections;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the clouds' sections")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Sections, A::Error> {
                use serde::de::Error as _;
                let mut given: Vec<(ProviderKind, toml::Value)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let Some(cloud) = super::CLOUDS.iter().find(|c| c.kind.as_str() == key) else {
                        let names: Vec<String> = super::CLOUDS.iter().map(|c| format!("`{}`", c.kind)).collect();
                        return Err(A::Error::custom(format!(
                            "unknown field `{key}`, expected a scenario field or a cloud's section ({})",
                            names.join(", ")
                        )));
                    };
                    given.push((cloud.kind, map.next_value()?));
                }
                let mut sections = Vec::new();
                for cloud in super::CLOUDS {
                    let value = given.iter().position(|(kind, _)| *kind == cloud.kind).map(|at| given.remove(at).1);
                    let section = (cloud.section.parse)(value)
                        .map_err(|err| A::Error::custom(format!("[{}]: {err}", cloud.kind)))?;
                    sections.push(section);
                }
                Ok(Sections(sections))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// A cloud's part of the simulator's state, whatever its type.
pub(crate) trait CloudState: Any + Send + fmt::Debug {}

impl<T: Any + Send + fmt::Debug> CloudState for T {}

/// The state of every registered cloud, found by type.
#[derive(Debug, Default)]
pub(crate) struct CloudStates(pub(crate) Vec<Box<dyn CloudState>>);

impl CloudStates {
    pub(crate) fn get<T: CloudState>(&self) -> Option<&T> {
        self.0.iter().find_map(|state| (state.as_ref() as &dyn Any).downcast_ref())
    }

    /// A cloud's state; created empty when absent (a state built without a scenario, in tests).
    pub(crate) fn get_mut<T: CloudState + Default>(&mut self) -> &mut T {
        let found = self.0.iter().position(|state| (state.as_ref() as &dyn Any).is::<T>());
        let at = found.unwrap_or_else(|| {
            self.0.push(Box::new(T::default()));
            self.0.len() - 1
        });
        let state: &mut dyn Any = self.0[at].as_mut();
        match state.downcast_mut() {
            Some(state) => state,
            None => unreachable!("the state at {at} is a {}", std::any::type_name::<T>()),
        }
    }
}
