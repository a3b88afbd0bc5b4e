//! What the API and the pages say when a request cannot be read: our own sentence, naming the
//! part of the request and, when the framework's text names one, the field — never the
//! framework's text itself (it is logged at debug level for whoever debugs a client).

use crate::ApiError;

/// The part of a request that could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Path,
    Query,
    Form,
    Json,
    Upload,
}

/// The field path a deserialisation error names (`page`, `affiliations[0].org_id`), if any: the
/// text after the framework's prefix and before the next `": "`, when it looks like a path.
fn field_of(text: &str) -> Option<String> {
    let mut parts = text.split(": ");
    parts.next()?;
    let candidate = parts.next()?;
    // A path is the last segment only when a message follows it.
    parts.next()?;
    let is_path = !candidate.is_empty()
        && candidate.len() <= 80
        && candidate.chars().all(|c| c.is_ascii_alphanumeric() || "_.[]".contains(c));
    is_path.then(|| candidate.to_owned())
}

/// The answer to a request whose `part` did not read, given the framework's `text`.
pub(crate) fn unreadable(part: Part, text: &str) -> ApiError {
    tracing::debug!(?part, text, "a request could not be read");
    let field = field_of(text);
    let message = match (part, field) {
        (Part::Path, _) => {
            "A part of the address is not valid (an id must be a whole number).".to_owned()
        }
        (Part::Query, Some(f)) => format!("The query parameter `{f}` is not valid."),
        (Part::Query, None) => "The query string is not valid.".to_owned(),
        (Part::Form, Some(f)) => format!("The form field `{f}` is not valid."),
        (Part::Form, None) => "The form could not be read.".to_owned(),
        (Part::Json, Some(f)) => format!("The JSON body is not valid at `{f}`."),
        (Part::Json, None) => "The body is not valid JSON of the expected shape.".to_owned(),
        (Part::Upload, _) => {
            "The upload could not be read: send the files as multipart/form-data.".to_owned()
        }
    };
    ApiError::BadRequest(message)
}

/// A query string or an URL-encoded form without its NUL characters (`%00`, or a raw NUL):
/// they are never text, and PostgreSQL cannot store them. `%00` only ever encodes a NUL (a typed
/// `%00` arrives as `%2500`), so dropping the three characters is exact.
pub(crate) fn without_nul(encoded: &str) -> std::borrow::Cow<'_, str> {
    if encoded.contains("%00") || encoded.contains('\0') {
        std::borrow::Cow::Owned(encoded.replace("%00", "").replace('\0', ""))
    } else {
        std::borrow::Cow::Borrowed(encoded)
    }
}

/// A JSON value without NUL characters in its strings (see [`without_nul`]).
pub(crate) fn json_without_nul(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(text) if text.contains('\0') => text.retain(|c| c != '\0'),
        serde_json::Value::Array(items) => items.iter_mut().for_each(json_without_nul),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(json_without_nul),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_is_named_and_the_framework_text_is_not_passed_on() {
        assert_eq!(
            field_of("Failed to deserialize query string: page: invalid digit found in string"),
            Some("page".into())
        );
        assert_eq!(
            field_of(
                "Failed to deserialize the JSON body into the target type: affiliations[0].org_id: unknown field `org_id` at line 1 column 26"
            ),
            Some("affiliations[0].org_id".into())
        );
        assert_eq!(field_of("Invalid URL: Cannot parse `abc` to a `i64`"), None);
        assert_eq!(field_of("Failed to parse the request body as JSON: EOF while parsing"), None);
        let ApiError::BadRequest(message) =
            unreadable(Part::Path, "Invalid URL: Cannot parse `abc` to a `i64`")
        else {
            panic!()
        };
        assert!(!message.contains("i64") && !message.contains("Cannot parse"), "{message}");
    }
}
