//! A real headless Chromium, driven over the Chrome DevTools Protocol (a WebSocket on
//! 127.0.0.1): open a page, run JavaScript in it, read its DOM. `$CHROMIUM`, or Debian's
//! `chromium` on `PATH` (`scripts/fetch-tools.sh` installs it with apt-get).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use crate::support::tool;

/// The Chromium binary: `$CHROMIUM`, else `chromium` or `chromium-browser` on `PATH`.
pub fn chromium() -> PathBuf {
    if let Some(given) = std::env::var_os("CHROMIUM").filter(|c| !c.is_empty()) {
        return tool(PathBuf::from(given));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file());
    tool(found.unwrap_or_else(|| PathBuf::from("chromium (on PATH, or $CHROMIUM)")))
}

/// One browser with one page (a tab), closed when dropped.
pub struct Browser {
    child: Child,
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
    session: String,
    next_id: u64,
    /// Events that arrived while a command's answer was awaited.
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts Chromium with a fresh profile and opens `file` in a tab, returning once the page
    /// has loaded (its `load` event: every inline script has run).
    pub fn open(file: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let child = Command::new(chromium())
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check"])
            .args(["--remote-debugging-port=0", "--window-size=1400,900"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts");
        // Chromium writes the port it chose, and the browser's endpoint, into the profile.
        let active = profile.path().join("DevToolsActivePort");
        let started = Instant::now();
        let endpoint = loop {
            if let Ok(text) = std::fs::read_to_string(&active) {
                if let [port, path] = text.lines().collect::<Vec<_>>()[..] {
                    break format!("ws://127.0.0.1:{port}{path}");
                }
            }
            assert!(started.elapsed() < Duration::from_secs(60), "chromium wrote no DevToolsActivePort");
            std::thread::sleep(Duration::from_millis(20));
        };
        let (socket, _) = tungstenite::connect(endpoint.as_str()).expect("the DevTools endpoint accepts");
        if let MaybeTlsStream::Plain(tcp) = socket.get_ref() {
            // A page that never answers fails the test instead of hanging it.
            tcp.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        }
        let mut browser =
            Browser { child, socket, session: String::new(), next_id: 0, events: Vec::new(), _profile: profile };
        let target = browser.call("Target.createTarget", json!({"url": "about:blank"}));
        let attached = browser.call("Target.attachToTarget", json!({"targetId": target["targetId"], "flatten": true}));
        browser.session = attached["sessionId"].as_str().expect("a session").to_owned();
        browser.call("Page.enable", json!({}));
        let url = format!("file://{}", file.canonicalize().unwrap().display());
        browser.call("Page.navigate", json!({"url": url}));
        browser.wait_for("Page.loadEventFired");
        browser
    }

    /// Sends one command (to the page once attached) and returns its result.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut command = json!({"id": id, "method": method, "params": params});
        if !self.session.is_empty() {
            command["sessionId"] = json!(self.session);
        }
        self.socket.send(Message::text(command.to_string())).expect("the command is sent");
        loop {
            let message = self.receive();
            if message["id"] == id {
                assert!(message.get("error").is_none(), "{method}: {}", message["error"]);
                return message["result"].clone();
            }
            if message.get("method").is_some() {
                self.events.push(message);
            }
        }
    }

    /// Evaluates `expression` in the page (awaiting a promise) and returns its value as JSON.
    pub fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call("Runtime.evaluate", json!({"expression": expression, "returnByValue": true, "awaitPromise": true}));
        assert!(result.get("exceptionDetails").is_none(), "{expression}: {}", result["exceptionDetails"]);
        result["result"]["value"].clone()
    }

    /// Emulates a CSS media type (`print`) or feature (`prefers-color-scheme: dark`).
    pub fn emulate(&mut self, media: &str, features: &[(&str, &str)]) {
        let features: Vec<Value> = features.iter().map(|(name, value)| json!({"name": name, "value": value})).collect();
        self.call("Emulation.setEmulatedMedia", json!({"media": media, "features": features}));
    }

    fn wait_for(&mut self, event: &str) {
        if let Some(at) = self.events.iter().position(|e| e["method"] == event) {
            self.events.drain(..=at);
            return;
        }
        while self.receive()["method"] != event {}
    }

    fn receive(&mut self) -> Value {
        match self.socket.read().expect("chromium answers") {
            Message::Text(text) => serde_json::from_str(text.as_str()).expect("DevTools messages are JSON"),
            other => panic!("unexpected DevTools message {other:?}"),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
