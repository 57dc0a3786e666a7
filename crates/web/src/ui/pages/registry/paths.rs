//! Paths into a record's JSON: reading and setting `contact.name`, `scope.systems`,
//! `affiliations[0].from`.

use super::*;

pub(super) enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

pub(super) fn segments(path: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        match part.split_once('[') {
            Some((key, rest)) => {
                out.push(Seg::Key(key));
                out.push(Seg::Index(rest.trim_end_matches(']').parse().unwrap_or(0)));
            }
            None => out.push(Seg::Key(part)),
        }
    }
    out
}

pub(super) fn get_at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    segments(path).iter().try_fold(v, |v, s| match s {
        Seg::Key(k) => v.get(*k),
        Seg::Index(i) => v.get(*i),
    })
}

/// Sets (or with `None` removes) the value at `path`, making the objects and arrays on
/// the way; then drops the containers the removal left empty.
pub(super) fn set_at(root: &mut Value, path: &str, value: Option<Value>) {
    fn go(v: &mut Value, segs: &[Seg], value: Option<Value>) {
        let Some((first, rest)) = segs.split_first() else { return };
        match first {
            Seg::Key(k) => {
                if !v.is_object() {
                    *v = Value::Object(Map::new());
                }
                let Some(map) = v.as_object_mut() else { return };
                if rest.is_empty() {
                    match value {
                        Some(x) => {
                            map.insert((*k).to_string(), x);
                        }
                        None => {
                            map.remove(*k);
                        }
                    }
                    return;
                }
                if value.is_none() && !map.contains_key(*k) {
                    return;
                }
                let child = map.entry((*k).to_string()).or_insert(Value::Null);
                go(child, rest, value);
                if child.as_object().is_some_and(Map::is_empty) || child.as_array().is_some_and(Vec::is_empty) {
                    map.remove(*k);
                }
            }
            Seg::Index(i) => {
                if !v.is_array() {
                    *v = Value::Array(Vec::new());
                }
                let Some(arr) = v.as_array_mut() else { return };
                if arr.len() <= *i {
                    if value.is_none() {
                        return;
                    }
                    arr.resize(*i + 1, Value::Null);
                }
                go(&mut arr[*i], rest, value);
                if arr[*i].as_object().is_some_and(Map::is_empty) {
                    arr.remove(*i);
                }
            }
        }
    }
    go(root, &segments(path), value)
}

/// The form's values from a stored record.
pub(super) fn values_from_record(fields: &[Field], json: &Value) -> Values {
    let mut out = Values::new();
    for f in fields {
        let v = match get_at(json, f.path) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Bool(b)) => {
                if *b {
                    vec!["true".to_string()]
                } else {
                    Vec::new()
                }
            }
            Some(Value::Array(items)) => {
                let items: Vec<String> = items.iter().map(scalar).collect();
                if f.input == Input::Codes { vec![items.join(", ")] } else { items }
            }
            Some(x) => vec![scalar(x)],
        };
        out.insert(f.path.to_string(), v);
    }
    out
}

pub(super) fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The form's values as posted (and the form token and version beside them).
pub(super) fn first<'a>(values: &'a Values, name: &str) -> &'a str {
    values.get(name).and_then(|v| v.first()).map(String::as_str).unwrap_or("")
}

/// Parses the posted form at the edge into the record: the values are laid over the
/// stored record's JSON and deserialised exactly as an API body is, so an error names
/// the field (`scope.user_cap`, `contact.name`).
pub(super) fn record_from_post<R: Record + DeserializeOwned>(
    fields: &[Field],
    posted: &Values,
    mut base: Value,
    creating: bool,
) -> Result<R, domain::error::FieldError> {
    for f in fields.iter().filter(|f| creating || f.when == When::Always) {
        let one = first(posted, f.path).trim();
        let value = match f.input {
            Input::Bool => Some(Value::Bool(posted.get(f.path).is_some_and(|v| v.iter().any(|x| x == "true")))),
            Input::Refs(_) => Some(Value::Array(
                posted.get(f.path).into_iter().flatten().filter(|x| !x.trim().is_empty()).map(|x| Value::String(x.trim().into())).collect(),
            )),
            Input::Codes => Some(Value::Array(
                one.split([',', ' ', '\n', '\t']).filter(|x| !x.is_empty()).map(|x| Value::String(x.to_string())).collect(),
            )),
            Input::Number if !one.is_empty() => {
                Some(one.parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::String(one.to_string())))
            }
            _ if one.is_empty() => None,
            _ => Some(Value::String(one.to_string())),
        };
        set_at(&mut base, f.path, value);
    }
    serde_path_to_error::deserialize::<_, R>(base).map_err(json_error)
}
