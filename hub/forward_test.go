package hub_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	. "github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/lsptest"
	"github.com/lspshare/lspshare/wire"
)

// Who may make a session (and read /metrics) when requests may come
// through a reverse proxy: forwarding headers are believed only from the
// trusted proxies, a forwarded request is never local, and a loopback
// request with forwarding headers from a proxy nobody named is remote, with
// a log line saying why. The requests are made in memory: the addresses are
// only what the hub reads in RemoteAddr.
func TestForwardedRequests(t *testing.T) {
	local := netip.MustParsePrefix("127.0.0.1/32")
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		peer    string
		header  http.Header
		token   bool
		status  int
		log     string // in the hub's log
	}{
		{name: "loopback", peer: "127.0.0.1:5000", status: http.StatusCreated},
		{name: "loopback ipv6", peer: "[::1]:5000", status: http.StatusCreated},
		{name: "remote", peer: "192.0.2.7:5000", status: http.StatusForbidden},
		{name: "remote with token", peer: "192.0.2.7:5000", token: true, status: http.StatusCreated},
		{name: "loopback forwarded, proxy not trusted", peer: "127.0.0.1:5000", header: http.Header{"X-Forwarded-For": {"127.0.0.1"}},
			status: http.StatusForbidden, log: "is treated as remote (admin token needed)"},
		{name: "loopback with only X-Forwarded-Proto", peer: "127.0.0.1:5000", header: http.Header{"X-Forwarded-Proto": {"https"}},
			status: http.StatusForbidden, log: "not a trusted proxy"},
		{name: "through a trusted proxy", trusted: []netip.Prefix{local}, peer: "127.0.0.1:5000",
			header: http.Header{"X-Forwarded-For": {"127.0.0.1"}, "X-Forwarded-Proto": {"https"}}, status: http.StatusForbidden},
		{name: "through a trusted proxy with token", trusted: []netip.Prefix{local}, peer: "127.0.0.1:5000",
			header: http.Header{"X-Forwarded-For": {"192.0.2.7"}}, token: true, status: http.StatusCreated},
		{name: "a remote claiming to be loopback", trusted: []netip.Prefix{local}, peer: "192.0.2.7:5000",
			header: http.Header{"X-Forwarded-For": {"127.0.0.1"}}, status: http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs lsptest.LockedBuffer
			h := New(Config{BaseURL: "https://hub.example.org", AdminToken: "admin-secret", TrustedProxies: tc.trusted,
				Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			defer h.Close()
			for _, path := range []string{"/api/sessions", "/metrics"} {
				method, body := http.MethodPost, `{"name":"s"}`
				want := tc.status
				if path == "/metrics" {
					method, body = http.MethodGet, ""
					if want == http.StatusCreated {
						want = http.StatusOK
					}
				}
				r := httptest.NewRequest(method, path, strings.NewReader(body))
				r.RemoteAddr = tc.peer
				for k, v := range tc.header {
					r.Header[k] = v
				}
				if tc.token {
					r.Header.Set("Authorization", "Bearer admin-secret")
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != want {
					t.Errorf("%s %s: %d %s, want %d", method, path, w.Code, strings.TrimSpace(w.Body.String()), want)
				}
			}
			if !strings.Contains(logs.String(), tc.log) {
				t.Errorf("log lacks %q:\n%s", tc.log, logs.String())
			}
			if tc.log == "" && strings.Contains(logs.String(), "not a trusted proxy") {
				t.Errorf("a warning about forwarding headers:\n%s", logs.String())
			}
		})
	}
}

// Through a trusted proxy, the client is the rightmost address of
// X-Forwarded-For that is no trusted proxy (what the client wrote left of
// it is not believed), and X-Forwarded-Proto gives the links' scheme when
// the hub has no BaseURL.
func TestForwardedClient(t *testing.T) {
	var logs lsptest.LockedBuffer
	h := New(Config{AdminToken: "admin-secret", TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	defer h.Close()
	do := func(method, path, body string, header http.Header) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Host = "hub.example.org"
		r.RemoteAddr = "10.1.2.3:4000"
		r.Header = header
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	w := do(http.MethodPost, "/api/sessions", `{"name":"s"}`, http.Header{"Authorization": {"Bearer admin-secret"},
		"X-Forwarded-For": {"198.51.100.1, 192.0.2.9", "10.0.0.5"}, "X-Forwarded-Proto": {"https"}})
	var links wire.Links
	if err := json.NewDecoder(bytes.NewReader(w.Body.Bytes())).Decode(&links); err != nil || w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body.String())
	}
	if !strings.HasPrefix(links.Drive, "https://hub.example.org/s/s?key=") {
		t.Errorf("drive link %s", links.Drive)
	}
	do(http.MethodGet, "/s/s/ws", "", http.Header{"X-Forwarded-For": {"198.51.100.1, 192.0.2.9"}, "Authorization": {"Bearer wrong"}})
	if !strings.Contains(logs.String(), "remote=192.0.2.9") {
		t.Errorf("the refusal is not logged with the forwarded client:\n%s", logs.String())
	}
}
