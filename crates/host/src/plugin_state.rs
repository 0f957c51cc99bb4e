//! A nice-plug plugin's saved state as its host can edit it: JSON (the CLAP wrapper puts the
//! length in front, a little-endian u64), with every persisted field stored as the JSON text
//! of its value. Tests and the toolchain set fields this way, as a project from elsewhere would.

use crate::HostError;
use serde::Serialize;

/// `saved` with the persisted field `field` set to `value`.
pub fn with_field(saved: &[u8], field: &str, value: &impl Serialize) -> Result<Vec<u8>, HostError> {
    let bad = |reason: String| HostError::StateLoad(format!("the saved state is not nice-plug's JSON: {reason}"));
    let prefixed = saved.first() != Some(&b'{');
    let json = if prefixed { saved.get(8..).unwrap_or_default() } else { saved };
    let mut state: serde_json::Value = serde_json::from_slice(json).map_err(|e| bad(e.to_string()))?;
    let text = serde_json::to_string(value).map_err(|e| bad(e.to_string()))?;
    let fields = state.get_mut("fields").and_then(|f| f.as_object_mut()).ok_or_else(|| bad("no fields".into()))?;
    fields.insert(field.to_owned(), serde_json::Value::String(text));
    let json = serde_json::to_vec(&state).map_err(|e| bad(e.to_string()))?;
    let mut bytes = if prefixed { (json.len() as u64).to_le_bytes().to_vec() } else { Vec::new() };
    bytes.extend(json);
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_set_in_either_layout_and_garbage_is_refused() {
        let json = br#"{"version":"1","params":{"temp":0.5},"fields":{"model":"\"\""}}"#;
        let edited = with_field(json, "window-scale", &1.25).unwrap();
        let state: serde_json::Value = serde_json::from_slice(&edited).unwrap();
        assert_eq!(state["fields"]["window-scale"], "1.25");
        assert_eq!(state["fields"]["model"], r#""""#);
        let mut prefixed = (json.len() as u64).to_le_bytes().to_vec();
        prefixed.extend(json);
        let edited = with_field(&prefixed, "model", &"/m").unwrap();
        assert_eq!(u64::from_le_bytes(edited[..8].try_into().unwrap()) as usize, edited.len() - 8);
        assert!(with_field(b"garbage", "model", &"/m").is_err());
        assert!(with_field(b"{}", "model", &"/m").is_err());
    }
}
