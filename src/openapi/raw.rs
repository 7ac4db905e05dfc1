//! The serde shapes of the documents, typed just enough that structural mistakes surface as
//! serde errors with a line and column. Values the model keeps verbatim stay [`Value`].

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::Value;

/// A JSON/YAML object read in document order; a repeated key is an error.
#[derive(Debug, Clone)]
pub(crate) struct OrderedMap<T>(pub Vec<(String, T)>);

impl<T> Default for OrderedMap<T> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OrderedMap<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for OrderedVisitor<T> {
            type Value = OrderedMap<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries: Vec<(String, T)> = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(key) = map.next_key::<String>()? {
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
                    }
                    let value = map.next_value::<T>()?;
                    entries.push((key, value));
                }
                Ok(OrderedMap(entries))
            }
        }

        deserializer.deserialize_map(OrderedVisitor(PhantomData))
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawInfo {
    pub title: String,
    pub version: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawV2 {
    pub info: RawInfo,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub base_path: Option<String>,
    #[serde(default)]
    pub consumes: Vec<String>,
    #[serde(default)]
    pub produces: Vec<String>,
    pub paths: OrderedMap<RawPathItem>,
    #[serde(default)]
    pub definitions: OrderedMap<Value>,
}

/// `P` is `OrderedMap` for 3.0 (where `paths` is required) and `Option<OrderedMap>` for 3.1.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawV3<P> {
    pub info: RawInfo,
    #[serde(default)]
    pub servers: Vec<RawServer>,
    pub paths: P,
    #[serde(default)]
    pub components: Option<RawComponents>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawServer {
    pub url: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawComponents {
    #[serde(default)]
    pub schemas: OrderedMap<Value>,
}

/// A path item; unknown keys (`x-…`, `summary`, `servers`) are ignored.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawPathItem {
    pub get: Option<RawOperation>,
    pub put: Option<RawOperation>,
    pub post: Option<RawOperation>,
    pub delete: Option<RawOperation>,
    pub options: Option<RawOperation>,
    pub head: Option<RawOperation>,
    pub patch: Option<RawOperation>,
    pub trace: Option<RawOperation>,
    #[serde(default)]
    pub parameters: Vec<RawParameter>,
}

impl RawPathItem {
    /// The operations in the conventional order, with their method names.
    pub fn operations(&self) -> impl Iterator<Item = (&'static str, &RawOperation)> {
        [
            ("get", &self.get),
            ("put", &self.put),
            ("post", &self.post),
            ("delete", &self.delete),
            ("options", &self.options),
            ("head", &self.head),
            ("patch", &self.patch),
            ("trace", &self.trace),
        ]
        .into_iter()
        .filter_map(|(method, op)| op.as_ref().map(|op| (method, op)))
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawOperation {
    #[serde(default)]
    pub operation_id: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub deprecated: bool,
    #[serde(default)]
    pub consumes: Option<Vec<String>>,
    #[serde(default)]
    pub produces: Option<Vec<String>>,
    #[serde(default)]
    pub parameters: Vec<RawParameter>,
    #[serde(default)]
    pub request_body: Option<Value>,
    #[serde(default)]
    pub responses: Option<OrderedMap<Value>>,
}

/// A parameter or a `$ref` to one; checked while its object is being read, so a missing `in`
/// is reported at the parameter rather than at the end of the enclosing list.
#[derive(Debug, Clone)]
pub(crate) enum RawParameter {
    Ref(String),
    Inline(Box<ParamFields>),
}

impl<'de> Deserialize<'de> for RawParameter {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ParamVisitor;

        impl<'de> Visitor<'de> for ParamVisitor {
            type Value = RawParameter;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a parameter object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let fields = ParamFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                RawParameter::try_from(fields).map_err(de::Error::custom)
            }
        }

        deserializer.deserialize_map(ParamVisitor)
    }
}

/// The parameter keywords this model reads; the 2.0 type keywords become a schema.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ParamFields {
    #[serde(rename = "$ref", default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(rename = "in", default)]
    pub location: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub schema: Option<Value>,
    #[serde(rename = "type", default)]
    pub param_type: Option<String>,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub items: Option<Value>,
    #[serde(rename = "enum", default)]
    pub enumeration: Option<Value>,
    #[serde(default)]
    pub default: Option<Value>,
    #[serde(default)]
    pub minimum: Option<Value>,
    #[serde(default)]
    pub maximum: Option<Value>,
    #[serde(default)]
    pub pattern: Option<Value>,
}

impl TryFrom<ParamFields> for RawParameter {
    type Error = String;

    fn try_from(fields: ParamFields) -> Result<Self, Self::Error> {
        if let Some(reference) = fields.reference {
            return Ok(RawParameter::Ref(reference));
        }
        let name = fields.name.as_deref().ok_or("a parameter has no `name`")?;
        let location = fields.location.as_deref().ok_or_else(|| format!("parameter `{name}` has no `in`"))?;
        if super::ParamLocation::parse(location).is_none() {
            return Err(format!(
                "parameter `{name}` has an unknown location `in: {location}` \
                 (expected path, query, header, cookie, formData or body)"
            ));
        }
        Ok(RawParameter::Inline(Box::new(fields)))
    }
}
