//! Formats for forwarding the log to a separate system: RFC 5424 syslog messages
//! with RFC 6587 octet-counting framing for TCP, and JSON lines for a file a SIEM
//! collects. The event is the stored body, so the SIEM sees sealed identifiers only.

use crate::event::EventBody;

/// `{"seq":N,"event":{…}}`.
pub fn json_line(seq: u64, body: &EventBody) -> String {
    serde_json::json!({ "seq": seq, "event": body }).to_string()
}

/// RFC 5424 header field: printable US-ASCII without spaces, at most `max` characters,
/// `-` when empty.
fn field(s: &str, max: usize) -> String {
    let v: String = s.chars().filter(|c| c.is_ascii_graphic()).take(max).collect();
    if v.is_empty() { "-".into() } else { v }
}

/// One syslog message, framed for TCP: `<len> <PRI>1 TIMESTAMP HOST portvagt - MSGID - MSG`.
/// Facility 13 (log audit); severity notice for refused or failed events, else info.
pub fn syslog_frame(seq: u64, body: &EventBody, hostname: &str) -> String {
    let severity = if body.outcome == "success" { 6 } else { 5 };
    let pri = 13 * 8 + severity;
    let msg = format!(
        "<{pri}>1 {} {} portvagt - {} - \u{feff}{}",
        field(&body.recorded_at, 64),
        field(hostname, 255),
        field(&body.action, 32),
        json_line(seq, body)
    );
    format!("{} {msg}", msg.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(outcome: &str) -> EventBody {
        EventBody {
            v: 1,
            id: "e1".into(),
            at: "2026-11-23T08:00:00.000000Z".into(),
            recorded_at: "2026-11-23T08:00:01.000000Z".into(),
            source: "portvagt".into(),
            actor: "a".into(),
            actor_kind: "user".into(),
            actor_name: Some("Lone".into()),
            actor_role: None,
            person_id: None,
            supplier_id: None,
            action: "login failed with spaces".into(),
            resource_kind: None,
            resource_id: None,
            subject: None,
            subject_index: None,
            criterion: None,
            client_ip: None,
            outcome: outcome.into(),
            details: serde_json::Value::Null,
        }
    }

    #[test]
    fn syslog_frames_count_their_octets_and_follow_rfc_5424() {
        // REQ: X-2
        let f = syslog_frame(7, &body("denied"), "kommune.example");
        let (len, msg) = f.split_once(' ').unwrap();
        assert_eq!(len.parse::<usize>().unwrap(), msg.len());
        assert!(
            msg.starts_with("<109>1 2026-11-23T08:00:01.000000Z kommune.example portvagt - loginfailedwithspaces - \u{feff}{"),
            "{msg}"
        );
        assert!(syslog_frame(7, &body("success"), "").contains("<110>1 2026-11-23T08:00:01.000000Z - portvagt"));
        let line: serde_json::Value = serde_json::from_str(&json_line(7, &body("success"))).unwrap();
        assert_eq!(line["seq"], 7);
        assert_eq!(line["event"]["id"], "e1");
    }
}
