//! A form filled from a JSON or TOML file alone (`render du-lieu.json -t mau.docx`):
//! the data is the whole context. Nothing of the default pack is evaluated; `van_ban`
//! is what the data's own `van_ban` key holds, with the run's flags over it, and the
//! report is named after the data file (or `--ten-tep`, a pattern over the data).

use crate::error::{Diagnostic, Kind, Place};
use serde_json::{Map, Value as Json};

/// What the command line adds to a bare form's data.
#[derive(Clone, Debug, Default)]
pub struct DataRun {
    /// `van_ban` fields given by flags (`--so`, `--ngay`, `--nguoi-ky`…).
    pub van_ban: Map<String, Json>,
    /// `--ten-tep`: the report's file name, a small template over the data.
    pub ten_tep: Option<String>,
}

impl DataRun {
    /// A `van_ban` field from a flag, when given.
    pub fn set(&mut self, key: &str, value: Option<String>) {
        if let Some(v) = value {
            self.van_ban.insert(key.to_string(), Json::String(v));
        }
    }

    /// The data with the flags' `van_ban` fields over its own `van_ban`; a `van_ban`
    /// that is not an object of fields cannot take them.
    pub fn context(&self, file: &str, mut data: Json) -> Result<Json, Vec<Diagnostic>> {
        if self.van_ban.is_empty() {
            return Ok(data);
        }
        let Some(map) = data.as_object_mut() else {
            return Ok(data);
        };
        let own = map.entry("van_ban").or_insert_with(|| Json::Object(Map::new()));
        let Some(own) = own.as_object_mut() else {
            return Err(vec![Diagnostic::error(
                file,
                Place::Text {
                    text: "khóa «van_ban»".into(),
                },
                "«van_ban» của dữ liệu không phải một đối tượng { … }, nên không thêm được các giá trị --so, --ngay, --nguoi-ky… vào nó.",
            )
            .kind(Kind::BadValue)]);
        };
        for (k, v) in &self.van_ban {
            own.insert(k.clone(), v.clone());
        }
        Ok(data)
    }
}

/// JSON text as a value; a key given twice in one object is an error (serde_json
/// would keep the last one silently, TOML refuses it), with its line and column.
pub fn parse_json(text: &str) -> Result<Json, serde_json::Error> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Strict.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// The words of a duplicate key's error, to tell it from a syntax error.
pub const DUPLICATE_KEY: &str = "khóa lặp lại";

struct Strict;

impl<'de> serde::de::DeserializeSeed<'de> for Strict {
    type Value = Json;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_any(Strict)
    }
}

impl<'de> serde::de::Visitor<'de> for Strict {
    type Value = Json;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(Strict)? {
            items.push(v);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("{DUPLICATE_KEY} «{key}»")));
            }
            let value = map.next_value_seed(Strict)?;
            out.insert(key, value);
        }
        Ok(Json::Object(out))
    }
}
