//! Huawei `async-export`: a group's APIs written as a real Swagger 2.0 or OpenAPI 3.0 document,
//! JSON (tab-indented, like the official example's `Comment`) or YAML.

use std::time::SystemTime;

use serde_json::json;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::openapi::{self, Format, Operation, Response, Schema, TargetVersion, WriteSpec};
use crate::sim::state::{Group, PlanResult};

/// The body of an export request, validated.
#[derive(Clone, Debug)]
pub(crate) struct ExportRequest {
    pub env_name: String,
    /// `spec`, `proxy`, `all` or `dev`.
    pub define: String,
    /// `json`, `yaml` or `yml`, as asked.
    pub file_type: String,
    pub target: TargetVersion,
    pub version: String,
    /// Only these API ids, when given.
    pub apis: Option<Vec<String>>,
}

impl ExportRequest {
    pub(crate) fn format(&self) -> Format {
        if self.file_type == "json" { Format::Json } else { Format::Yaml }
    }
}

/// `2023-07-11-19:54:22`, Huawei's default export version (the current time).
pub(crate) fn default_version(at: SystemTime) -> String {
    let fmt = format_description!("[year]-[month]-[day]-[hour]:[minute]:[second]");
    OffsetDateTime::from(at).format(fmt).unwrap_or_default()
}

/// A scenario API with no imported definition becomes a minimal operation.
fn stub(method: &str, path: &str, name: &str, description: &str) -> Operation {
    Operation {
        method: method.to_owned(),
        path: path.to_owned(),
        operation_id: Some(name.to_owned()),
        summary: None,
        description: (!description.is_empty()).then(|| description.to_owned()),
        tags: Vec::new(),
        deprecated: false,
        parameters: Vec::new(),
        request_body: None,
        responses: vec![Response {
            status: "default".into(),
            description: "response example".into(),
            content: Vec::new(),
        }],
        refs: std::collections::BTreeSet::new(),
        pointer: String::new(),
    }
}

/// Writes the document and names the file the way Huawei does (`test8-RELEASE-all-2023-07-11-19:54:22`).
pub(crate) fn export(group: &Group, region: &str, req: &ExportRequest) -> Result<PlanResult, String> {
    let stubs: Vec<Operation> = group
        .apis
        .iter()
        .filter(|api| req.apis.as_ref().is_none_or(|ids| ids.contains(&api.id)))
        .map(|api| match &api.operation {
            Some(op) => op.clone(),
            None => stub(&api.method, &api.path, &api.name, &api.description),
        })
        .collect();
    let schemas: Vec<Schema> = group
        .models
        .iter()
        .map(|m| Schema { name: m.name.clone(), value: m.schema.clone().unwrap_or_else(|| json!({"type": "object"})) })
        .collect();
    let host = format!("{}.apic.{region}.huaweicloudapis.com", group.id);
    let spec = WriteSpec {
        title: &group.name,
        version: &req.version,
        description: None,
        host: Some(&host),
        base_path: "",
        servers: None,
        schemes: None,
        operations: stubs.iter().collect(),
        schemas: schemas.iter().collect(),
    };
    let written = openapi::write(&spec, req.target, req.format())?;
    let comment = match req.format() {
        // Re-rendered with tabs: the official example's Comment is tab-indented JSON.
        Format::Json => {
            let value: serde_json::Value = serde_json::from_str(&written.text).map_err(|e| e.to_string())?;
            openapi::render(&value, Format::Json, "\t")?
        }
        Format::Yaml => written.text,
    };
    Ok(PlanResult::Export {
        file_name: format!("{}-{}-{}-{}", group.name, req.env_name, req.define, req.version),
        file_type: format!(".{}", req.file_type),
        comment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::state::GroupApi;
    use std::time::{Duration, UNIX_EPOCH};

    fn group() -> Group {
        let mut group = Group::new("9100ae30705947cc9543d37cd7fb388c".into(), "test8".into(), String::new());
        group.apis.push(GroupApi {
            id: "ee93ce6815f04896b301452982b92222".into(),
            name: "API_zjev".into(),
            method: "GET".into(),
            path: "/test1".into(),
            description: String::new(),
            operation: None,
        });
        group
    }

    fn request(target: TargetVersion, file_type: &str) -> ExportRequest {
        ExportRequest {
            env_name: "RELEASE".into(),
            define: "all".into(),
            file_type: file_type.into(),
            target,
            version: default_version(UNIX_EPOCH + Duration::from_secs(1_689_105_262)),
            apis: None,
        }
    }

    #[test]
    fn exports_parse_back_as_the_version_asked_for() {
        let PlanResult::Export { file_name, file_type, comment } =
            export(&group(), "cn-north-4", &request(TargetVersion::Swagger2, "json")).unwrap()
        else {
            panic!("not an export")
        };
        assert_eq!(file_name, "test8-RELEASE-all-2023-07-11-19:54:22");
        assert_eq!(file_type, ".json");
        assert!(comment.starts_with("{\n\t\"swagger\": \"2.0\""), "{comment}");
        let doc = openapi::parse(&comment, "comment").unwrap();
        assert_eq!(doc.version, openapi::SpecVersion::Swagger2);
        assert_eq!(doc.operations[0].operation_id.as_deref(), Some("API_zjev"));

        let PlanResult::Export { comment, file_type, .. } =
            export(&group(), "cn-north-4", &request(TargetVersion::OpenApi30, "yaml")).unwrap()
        else {
            panic!("not an export")
        };
        assert_eq!(file_type, ".yaml");
        let doc = openapi::parse(&comment, "comment").unwrap();
        assert_eq!(doc.version, openapi::SpecVersion::OpenApi30);
        assert_eq!(doc.format, Format::Yaml);
    }

    #[test]
    fn the_api_filter_applies() {
        let mut req = request(TargetVersion::Swagger2, "json");
        req.apis = Some(vec!["someone-else".into()]);
        let PlanResult::Export { comment, .. } = export(&group(), "r", &req).unwrap() else { panic!() };
        assert!(openapi::parse(&comment, "c").unwrap().operations.is_empty());
    }
}
