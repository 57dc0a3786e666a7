//! The `portvagt` binary itself: first run, configuration, presets, demo data.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use store::backend_tests;
use store::testing::TestDb;

const BIN: &str = env!("CARGO_BIN_EXE_portvagt");

/// A running `portvagt serve`, killed when dropped.
struct Server {
    child: Child,
    lines: Vec<String>,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn portvagt(dir: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir)
        .env_remove("PORTVAGT_CONFIG")
        .env_remove("PORTVAGT_LANG")
        .env_remove("LC_ALL")
        .env("LANG", "en_US.UTF-8")
        .env("PORTVAGT_LOG", "warn");
    c
}

/// Starts `serve` and reads its output until it says where it listens.
fn serve(dir: &std::path::Path, args: &[&str]) -> Server {
    serve_with(portvagt(dir), args)
}

/// [`serve`] with a command prepared by the caller (extra environment).
fn serve_with(mut command: Command, args: &[&str]) -> Server {
    let mut child = command
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir", "data"])
        .args(args)
        // These tests send batches as fast as they can; the limits are tested elsewhere.
        .env("PORTVAGT_LIMITS", "{ingest={per_minute=60000,burst=10000}}")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start portvagt");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines: Vec<String> = Vec::new();
    let mut server = Server { child, lines: Vec::new(), url: String::new() };
    // Everything up to the documentation line, then whatever follows within a second
    // (the one-time login on a first run, which ends with "It is shown only now.").
    let mut wait = Duration::from_secs(60);
    while let Ok(line) = rx.recv_timeout(wait) {
        if let Some(url) = line.strip_prefix("Portvagt is listening on ") {
            server.url = url.to_string();
        }
        let last = line.starts_with("It is shown only now");
        if line.starts_with("API documentation") {
            wait = Duration::from_secs(1);
        }
        lines.push(line);
        if last {
            break;
        }
    }
    assert!(!server.url.is_empty(), "portvagt serve printed its URL: {lines:?}");
    server.lines = lines;
    server
}

#[test]
fn first_run_creates_the_database_and_prints_url_and_a_one_time_login() {
    // REQ: OPS-1
    let dir = tempfile::tempdir().unwrap();
    let first = serve(dir.path(), &[]);
    let text = first.lines.join("\n");
    assert!(first.url.starts_with("http://127.0.0.1:"), "{text}");
    assert!(text.contains("username: admin"), "{text}");
    assert!(text.lines().any(|l| l.trim_start().starts_with("password: ") && l.len() > 20), "{text}");
    assert!(dir.path().join("data/portvagt.db").exists());
    let key = dir.path().join("data/keys/data.key");
    assert!(key.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600, "the key is private");
        // F-19: the database and its folder are private too.
        let mode = |p: &str| std::fs::metadata(dir.path().join(p)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode("data"), 0o700, "the data folder");
        assert_eq!(mode("data/portvagt.db"), 0o600, "the database");
        if dir.path().join("data/portvagt.db-wal").exists() {
            assert_eq!(mode("data/portvagt.db-wal"), 0o600, "the write-ahead log");
        }
    }
    let health = portvagt(dir.path()).args(["healthcheck", "--url", &first.url]).output().unwrap();
    assert!(health.status.success(), "{}", String::from_utf8_lossy(&health.stderr));
    drop(first);

    let second = serve(dir.path(), &[]);
    assert!(!second.lines.join("\n").contains("password:"), "the one-time login is printed on the first run only");
    drop(second);
    let down = portvagt(dir.path()).args(["healthcheck", "--url", "http://127.0.0.1:9"]).output().unwrap();
    assert!(!down.status.success());
}

#[test]
fn the_command_line_speaks_the_locales_language() {
    // REQ: OPS-2
    let dir = tempfile::tempdir().unwrap();
    for (lang, text) in [
        ("da_DK.UTF-8", "databaseskema i version"),
        ("sv_SE.UTF-8", "databasschema i version"),
        ("en_GB.UTF-8", "database schema at version"),
    ] {
        let out = portvagt(dir.path()).env("LANG", lang).args(["migrate", "--data-dir", "data"]).output().unwrap();
        assert!(String::from_utf8_lossy(&out.stdout).contains(text), "{lang}: {}", String::from_utf8_lossy(&out.stdout));
    }
}

#[test]
fn serve_with_demo_loads_the_demo_set_once() {
    // REQ: OPS-1
    let dir = tempfile::tempdir().unwrap();
    let s = serve(dir.path(), &["--demo", "--preset", "taarnby"]);
    let text = s.lines.join("\n");
    assert!(text.contains("Loaded demo data for Tårnby Kommune: 4 suppliers, 43 persons"), "{text}");
    drop(s);
    let again = serve(dir.path(), &["--demo", "--preset", "taarnby"]);
    assert!(!again.lines.join("\n").contains("Loaded demo data"));
}

/// The municipality's logo beside its name in the header: an SVG or PNG named by
/// `logo_file`, served at `/logo` as an image that runs nothing; any other file stops
/// the start, naming the setting, the file and what is wrong.
#[tokio::test]
async fn the_configured_logo_is_in_the_header_and_a_wrong_file_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let jpeg = dir.path().join("logo.jpg");
    std::fs::write(&jpeg, b"\xff\xd8\xff\xe0 not a logo").unwrap();
    let out = portvagt(dir.path()).env("PORTVAGT_LOGO_FILE", &jpeg).arg("config").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("logo_file") && err.contains("logo.jpg") && err.contains("neither an SVG nor a PNG"),
        "{err}"
    );
    let missing = portvagt(dir.path()).env("PORTVAGT_LOGO_FILE", dir.path().join("none.svg")).arg("config").output().unwrap();
    assert!(!missing.status.success() && String::from_utf8_lossy(&missing.stderr).contains("none.svg"));

    let svg = dir.path().join("logo.svg");
    std::fs::write(
        &svg,
        "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><rect width=\"10\" height=\"10\"/></svg>",
    )
    .unwrap();
    let mut child_env = portvagt(dir.path());
    child_env.env("PORTVAGT_LOGO_FILE", &svg);
    let s = serve_with(child_env, &["--demo", "--preset", "taarnby"]);
    let http = reqwest::Client::new();
    let logo = http.get(format!("{}/logo", s.url)).send().await.unwrap();
    assert_eq!(logo.status(), 200);
    assert_eq!(logo.headers()["content-type"], "image/svg+xml");
    assert!(logo.headers()["content-security-policy"].to_str().unwrap().contains("sandbox"), "an SVG opened on its own runs nothing");
    assert!(logo.text().await.unwrap().contains("<rect"));
    let login = http.get(format!("{}/login", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(login.contains("<img class=\"pv-brand-logo\" src=\"/logo\""), "the logo in the header");
    drop(s);
    // Without one, there is no logo to fetch and none in the header.
    let s = serve(dir.path(), &[]);
    assert_eq!(http.get(format!("{}/logo", s.url)).send().await.unwrap().status(), 404);
    assert!(!http.get(format!("{}/login", s.url)).send().await.unwrap().text().await.unwrap().contains("pv-brand-logo"));
}

#[test]
fn a_malformed_preset_file_stops_the_start_naming_file_key_and_problem() {
    // REQ: OPS-3
    let dir = tempfile::tempdir().unwrap();
    let presets = dir.path().join("presets");
    std::fs::create_dir(&presets).unwrap();
    let text = domain::policy::SHIPPED_PRESETS[1].1.replacen("value = 5 # lockout_attempts", "value = 0 # lockout_attempts", 1);
    std::fs::write(presets.join("local.toml"), text).unwrap();
    let out = portvagt(dir.path())
        .env("PORTVAGT_PRESET_DIR", &presets)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir", "data"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("local.toml") && err.contains("policy.login.lockout_attempts.value") && err.contains("at least 1"), "{err}");

    std::fs::write(presets.join("local.toml"), "id = \"x\"\nname = 3\n").unwrap();
    let out = portvagt(dir.path())
        .env("PORTVAGT_PRESET_DIR", &presets)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir", "data"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("local.toml") && err.contains("`name`"), "{err}");
}

#[test]
fn configuration_layers_and_secrets_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("portvagt.toml"), "listen = \"127.0.0.1:9999\"\npreset = \"taarnby\"\n").unwrap();
    std::fs::write(dir.path().join("db-url"), "postgres://portvagt:s3cret-pw@db.internal:5432/portvagt\n").unwrap();
    let out = portvagt(dir.path())
        .env("PORTVAGT_DATABASE_URL_FILE", dir.path().join("db-url"))
        .env("PORTVAGT_PRESET", "ostra-goinge")
        .arg("config")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!text.contains("s3cret"), "{text}");
    assert!(text.contains("postgres://portvagt:***@db.internal:5432/portvagt"), "{text}");
    assert!(text.contains("127.0.0.1:9999"), "the TOML file is read: {text}");
    assert!(text.contains("preset = \"ostra-goinge\""), "the environment wins over the file: {text}");
    let out = portvagt(dir.path()).args(["config", "--preset", "viborg"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("preset = \"viborg\""), "flags win over everything");
    // A connector's password is masked too, and a bad connector stops the start.
    let ldap = "[connectors.AD]\nkind = \"ldap\"\nurl = \"ldap://127.0.0.1:1\"\nbind_dn = \"cn=admin\"\nbind_password = \"ldap-s3cret\"\nusers_dn = \"ou=u\"\ngroups_dn = \"ou=g\"\n";
    std::fs::write(dir.path().join("portvagt.toml"), format!("{ldap}flavor = \"open_ldap\"\n")).unwrap();
    let out = portvagt(dir.path()).arg("config").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && !text.contains("ldap-s3cret") && text.contains("[connectors.AD]"), "{text}");
    std::fs::write(dir.path().join("portvagt.toml"), format!("{ldap}flavor = \"novell\"\n")).unwrap();
    let out = portvagt(dir.path()).args(["demo", "--data-dir", "data"]).output().unwrap();
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("connectors.AD.flavor"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_file(dir.path().join("portvagt.toml")).unwrap();
    let out = portvagt(dir.path()).env("PORTVAGT_LISTEN", "not an address").arg("config").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).to_lowercase().contains("listen"), "the error names the setting");
    // The pages' clock: Copenhagen unless configured; an unknown zone stops the start.
    let out = portvagt(dir.path()).arg("config").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("time_zone = \"Europe/Copenhagen\""));
    let out = portvagt(dir.path()).env("PORTVAGT_TIME_ZONE", "Europe/Stockholm").arg("config").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("time_zone = \"Europe/Stockholm\""));
    let out = portvagt(dir.path()).env("PORTVAGT_TIME_ZONE", "Mars/Olympus").arg("config").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("time_zone") && err.contains("Mars/Olympus"), "{err}");
}

backend_tests! {
    /// `demo` loads a realistic set through the use-cases, on either database.
    async fn demo_loads_on_the_chosen_database(b: TestBackend) {
        let db = TestDb::new(b).await;
        let dir = tempfile::tempdir().unwrap();
        let out = portvagt(dir.path()).args(["demo", "--database-url", &db.url, "--data-dir", "data", "--preset", "ostra-goinge"]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("Östra Göinge kommun") && text.contains("4 suppliers, 43 persons, 84 accounts, 196 role assignments"), "{text}");
        let out = portvagt(dir.path()).args(["demo", "--database-url", &db.url, "--data-dir", "data"]).output().unwrap();
        assert!(!out.status.success(), "a second load is refused");
        let out = portvagt(dir.path()).args(["migrate", "--database-url", &db.url, "--data-dir", "data"]).output().unwrap();
        let latest = store::MIGRATIONS.last().unwrap().version;
        assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("schema at version {latest} (was {latest})")));
    }

    /// `clients import`: a bad line named with the file and line, in words; a good file
    /// stored with its counts; the same file again refused.
    async fn clients_import_names_each_bad_line_and_refuses_the_same_file_twice(b: TestBackend) {
        // REQ: X-11
        let db = TestDb::new(b).await;
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| portvagt(dir.path()).args(args).args(["--database-url", db.url.as_str(), "--data-dir", "data"]).output().unwrap();
        assert!(run(&["demo"]).status.success());
        let store = store::Store::connect(&db.url, store::DataKey::from_master([0; 32])).await.unwrap();
        let q = store::ListQuery { kind: "supplier", limit: 1, ..Default::default() };
        let supplier = store.list_entries(&q).await.unwrap().0[0].id.to_string();
        std::fs::write(dir.path().join("bad.csv"), "national_id;from;to\n31029912345;2026-01-01;\n").unwrap();
        let out = run(&["clients", "import", "bad.csv", "--supplier-id", &supplier]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains("bad.csv:2: national_id is neither a valid CPR number"), "{err}");
        std::fs::write(dir.path().join("good.csv"), "national_id;from;to\n010190-1234;2026-01-01;\n").unwrap();
        let out = run(&["clients", "import", "good.csv", "--supplier-id", &supplier]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("1 relations in the file, 1 new"), "{text}{}", String::from_utf8_lossy(&out.stderr));
        let out = run(&["clients", "import", "good.csv", "--supplier-id", &supplier]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains("This very file was the last one imported"), "{err}");
    }
}

/// The worker is killed (SIGKILL) after it carried a provisioning action out and before
/// it recorded the result: after a restart the action completes without creating a
/// duplicate account in the target.
#[tokio::test]
async fn a_worker_killed_between_sending_and_recording_completes_without_a_duplicate() {
    // REQ: PRV-2
    use connectors::{ReadBack, scim::ScimConnector, testing::ScimServer};
    let scim = ScimServer::start(&["NEX-BORGER-LÆS", "NEX-BORGER-SKRIV"]).await;
    let dir = tempfile::tempdir().unwrap();
    let config = scim.config();
    std::fs::write(
        dir.path().join("portvagt.toml"),
        format!("[connectors.NEXUS]\nkind = \"scim\"\nbase_url = \"{}\"\nbearer_token = \"{}\"\n", config.base_url, config.bearer_token),
    )
    .unwrap();

    // The demo set has one approved Nexus request; its creation is carried out, and the
    // process is killed while it pauses before recording that.
    let mut first = portvagt(dir.path())
        .args(["serve", "--demo", "--preset", "taarnby", "--listen", "127.0.0.1:0", "--data-dir", "data"])
        .env("PORTVAGT_FAILPOINT_PAUSE_AFTER_SEND_MS", "60000")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = first.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("failpoint: action sent") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(90)).expect("the worker reached the failpoint");
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let directory = ScimConnector::new(scim.config());
    assert_eq!(directory.list().await.unwrap().len(), 1, "the user was created before the kill");

    // Restarted without the failpoint, the worker retries the action, which finds the
    // user and converges instead of creating a second one.
    let server = serve(dir.path(), &[]);
    let token = String::from_utf8(
        portvagt(dir.path()).args(["create-token", "--name", "t", "--role", "auditor", "--data-dir", "data"]).output().unwrap().stdout,
    )
    .unwrap();
    let http = reqwest::Client::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let v: serde_json::Value = http
            .get(format!("{}/api/v1/requests?state=fulfilled", server.url))
            .bearer_auth(token.trim())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if v["total"].as_u64() == Some(1) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the action was not completed after the restart: {v}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(directory.list().await.unwrap().len(), 1, "no duplicate");
}

fn cli_output(dir: &std::path::Path, args: &[&str]) -> String {
    let out = portvagt(dir).args(args).args(["--data-dir", "data"]).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The server is killed (SIGKILL) while target systems are sending batches: after a
/// restart every acknowledged batch is stored whole, no batch is stored in part, and
/// `audit verify` passes.
#[tokio::test]
async fn a_server_killed_during_ingest_loses_no_acknowledged_event_and_still_verifies() {
    // REQ: LOG-2
    // REQ: LOG-3
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &["--demo", "--preset", "taarnby"]);
    let admin = cli_output(dir.path(), &["create-token", "--name", "a", "--role", "auditor"]);
    let http = reqwest::Client::new();
    let systems: serde_json::Value =
        http.get(format!("{}/api/v1/systems", server.url)).bearer_auth(admin.trim()).send().await.unwrap().json().await.unwrap();
    let system = systems["items"][0]["id"].as_str().unwrap().to_string();
    let token = cli_output(dir.path(), &["create-token", "--name", "nexus", "--role", "target_system", "--system-id", &system]);
    let token = token.trim().to_string();

    const PER_BATCH: usize = 500;
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut clients = Vec::new();
    for c in 0..3 {
        let (http, url, token, acked) = (http.clone(), server.url.clone(), token.clone(), acked.clone());
        clients.push(tokio::spawn(async move {
            for n in 0.. {
                let key = format!("c{c}-b{n}");
                let body: String = (0..PER_BATCH)
                    .map(|i| {
                        serde_json::json!({ "occurred_at": "2026-11-01T08:00:00Z", "username": format!("u{i}"), "action": format!("batch.{key}"), "subject": "010190-1234" })
                            .to_string()
                            + "\n"
                    })
                    .collect();
                let res = http
                    .post(format!("{url}/api/v1/audit/events"))
                    .bearer_auth(&token)
                    .header("Content-Type", "application/x-ndjson")
                    .header("Idempotency-Key", &key)
                    .body(body)
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status() == reqwest::StatusCode::CREATED => acked.lock().unwrap().push(key),
                    Ok(r) => panic!("unexpected answer {}: {}", r.status(), r.text().await.unwrap_or_default()),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    // Kill once some batches were acknowledged, in the middle of others.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < 6 {
        assert!(std::time::Instant::now() < deadline, "no batch was acknowledged");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut server = server;
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    for c in clients {
        c.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();

    // Restart, then check from the outside.
    let server = serve(dir.path(), &[]);
    let verify = portvagt(dir.path()).args(["audit", "verify", "--json", "--data-dir", "data"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&verify.stdout).unwrap();
    assert!(verify.status.success(), "verify after the kill: {report}");
    assert_eq!(report["problems"].as_array().unwrap().len(), 0);
    let officer = cli_output(dir.path(), &["create-token", "--name", "o", "--role", "auditor"]);
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut before: Option<u64> = None;
    loop {
        let mut q = serde_json::json!({ "system_id": system, "limit": 1000 });
        if let Some(b) = before {
            q["before"] = serde_json::json!(b);
        }
        let page: serde_json::Value = http
            .post(format!("{}/api/v1/audit/search", server.url))
            .bearer_auth(officer.trim())
            .json(&q)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for e in page["items"].as_array().unwrap() {
            *counts.entry(e["action"].as_str().unwrap().trim_start_matches("batch.").to_string()).or_default() += 1;
        }
        match page["next"].as_u64() {
            Some(n) => before = Some(n),
            None => break,
        }
    }
    for key in &acked {
        assert_eq!(counts.get(key), Some(&PER_BATCH), "acknowledged batch {key} is stored whole");
    }
    for (key, n) in &counts {
        assert_eq!(*n, PER_BATCH, "batch {key} is stored whole or not at all");
    }
    assert!(counts.len() >= acked.len());
}

/// `audit verify` prints each problem in the command line's language.
#[test]
fn every_verify_problem_has_a_message_in_every_language() {
    // REQ: LOG-3
    let catalog = i18n::Catalog::new();
    for code in store::log::VERIFY_CODES {
        for lang in [i18n::Lang::Da, i18n::Lang::Sv, i18n::Lang::En] {
            assert!(catalog.has(lang, code), "{code} in {lang:?}");
        }
    }
    let da = catalog.text(i18n::Lang::Da, "verify-changed", &[("seq", "64")]);
    assert!(da.contains("64") && da.contains("bladhash"), "{da}");
}
