package signin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/signin"
	"github.com/taskpilot/taskpilot/models/password"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// cheap keeps hashing fast in tests.
var cheap = password.Params{Memory: 64, Time: 1, Threads: 1}

type fixture struct {
	srv *httptest.Server
	st  *store.Store
}

// newFixture serves a sign-in handler over st with accounts alice
// (password "alice password") and dave (disabled), created unless they
// exist.
func newFixture(t *testing.T, st *store.Store, cfg signin.Config) *fixture {
	t.Helper()
	ctx := context.Background()
	if _, err := st.GetAccount(ctx, "alice"); err != nil {
		for _, name := range []string{"alice", "dave"} {
			h, _ := password.Hash(name+" password", cheap)
			if _, err := st.CreateAccount(ctx, name, h); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.SetAccountDisabled(ctx, "dave", true); err != nil {
			t.Fatal(err)
		}
	}
	cfg.Accounts = st
	cfg.Mint = func(user string, ttl time.Duration) (string, error) {
		return "token-of-" + user + "-" + ttl.String(), nil
	}
	if cfg.Params == (password.Params{}) {
		cfg.Params = cheap
	}
	h, err := signin.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: httptestServer(t, h), st: st}
}

func httptestServer(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// get sends a GET to path.
func (f *fixture) get(t *testing.T, path string) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := http.Get(f.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

// client returns an HTTP client with its own cookie jar.
func client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// post sends a JSON POST to path with extra headers.
func (f *fixture) post(t *testing.T, c *http.Client, path, body string, hdr ...string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

func errCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func forEachDB(t *testing.T, f func(t *testing.T, st *store.Store)) {
	t.Run("sqlite", func(t *testing.T) { f(t, storetest.OpenSQLite(t)) })
	if _, ok := storetest.URLs(t)["postgres"]; ok {
		t.Run("postgres", func(t *testing.T) { f(t, storetest.OpenPostgres(t)) })
	}
}

func TestSignInTokenSignOut(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, signin.Config{})
		c := client(t)
		if resp, out := f.post(t, c, "/auth/token", ""); resp.StatusCode != 401 || errCode(out) != "unauthenticated" {
			t.Fatalf("token before sign-in: %d %v", resp.StatusCode, out)
		}
		resp, out := f.post(t, c, "/auth/signin", `{"name":"Alice","password":"alice password"}`)
		if resp.StatusCode != 204 {
			t.Fatalf("sign-in: %d %v", resp.StatusCode, out)
		}
		ck := resp.Cookies()
		if len(ck) != 1 || ck[0].Name != "taskpilot_session" || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteStrictMode ||
			ck[0].Path != "/" || ck[0].Secure || len(ck[0].Value) != 64 {
			t.Fatalf("cookie = %+v", ck)
		}
		resp, out = f.post(t, c, "/auth/token", "")
		if resp.StatusCode != 200 || out["token"] != "token-of-alice-5m0s" || out["user"] != "alice" || out["expires_in"] != 300.0 {
			t.Fatalf("token: %d %v", resp.StatusCode, out)
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control = %q", got)
		}
		if resp, _ := f.post(t, c, "/auth/signout", ""); resp.StatusCode != 204 {
			t.Fatalf("sign-out: %d", resp.StatusCode)
		}
		// The server forgot the session: replaying the old cookie fails.
		old := client(t)
		req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/auth/token", nil)
		req.AddCookie(ck[0])
		r2, err := old.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r2.Body.Close()
		if r2.StatusCode != 401 {
			t.Errorf("token with a signed-out cookie: %d, want 401", r2.StatusCode)
		}
	})
}

func TestSignInRefusals(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, signin.Config{Limiter: signin.NewMemoryLimiter(signin.Rates{
			AccountBurst: 100, AccountEvery: time.Second, AddrBurst: 100, AddrEvery: time.Second})})
		for _, tc := range []struct {
			name, body string
			hdr        []string
			status     int
			code       string
		}{
			{"wrong password", `{"name":"alice","password":"nope nope"}`, nil, 401, "invalid_credentials"},
			{"unknown name", `{"name":"mallory","password":"alice password"}`, nil, 401, "invalid_credentials"},
			{"invalid name", `{"name":"a b","password":"x"}`, nil, 401, "invalid_credentials"},
			{"disabled", `{"name":"dave","password":"dave password"}`, nil, 403, "account_disabled"},
			{"disabled, wrong password", `{"name":"dave","password":"nope nope"}`, nil, 401, "invalid_credentials"},
			{"unknown field", `{"name":"alice","password":"alice password","x":1}`, nil, 400, "invalid_request"},
			{"two objects", `{"name":"alice","password":"alice password"}{}`, nil, 400, "invalid_request"},
			{"cross-site", `{"name":"alice","password":"alice password"}`, []string{"Sec-Fetch-Site", "cross-site"}, 403, "forbidden"},
			{"foreign origin", `{"name":"alice","password":"alice password"}`, []string{"Origin", "https://evil.example"}, 403, "forbidden"},
			{"form body", `name=alice&password=alice+password`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "invalid_request"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, out := f.post(t, client(t), "/auth/signin", tc.body, tc.hdr...)
				if resp.StatusCode != tc.status || errCode(out) != tc.code {
					t.Errorf("%d %v; want %d %s", resp.StatusCode, out, tc.status, tc.code)
				}
				if len(resp.Cookies()) != 0 {
					t.Errorf("a refused sign-in set a cookie: %v", resp.Cookies())
				}
				if tc.code == "invalid_credentials" && out["error"].(map[string]any)["message"] != "wrong name or password" {
					t.Errorf("message %v tells more than 'wrong name or password'", out)
				}
			})
		}
		// A cookie-authenticated token request from another site is refused.
		c := client(t)
		if resp, _ := f.post(t, c, "/auth/signin", `{"name":"alice","password":"alice password"}`); resp.StatusCode != 204 {
			t.Fatal("sign-in failed")
		}
		if resp, out := f.post(t, c, "/auth/token", "", "Sec-Fetch-Site", "cross-site"); resp.StatusCode != 403 || out["token"] != nil {
			t.Errorf("cross-site token request: %d %v", resp.StatusCode, out)
		}
		// Disabling the account stops its session from getting tokens.
		if err := st.SetAccountDisabled(context.Background(), "alice", true); err != nil {
			t.Fatal(err)
		}
		if resp, out := f.post(t, c, "/auth/token", ""); resp.StatusCode != 401 || out["token"] != nil {
			t.Errorf("token after disable: %d %v", resp.StatusCode, out)
		}
	})
}

// limiterFor is the limiter taskpilot gives a handler on st: shared
// through the database on PostgreSQL, in memory on SQLite.
func limiterFor(t *testing.T, st *store.Store, r signin.Rates) signin.Limiter {
	t.Helper()
	if st.Dialect() != store.DialectPostgres {
		return signin.NewMemoryLimiter(r)
	}
	b, err := st.RateBuckets()
	if err != nil {
		t.Fatal(err)
	}
	return signin.NewSharedLimiter(b, r)
}

// TestSignInThrottle: the sixth quick attempt on one account is refused
// with 429 and Retry-After, right password or not, from any address; other
// accounts are not affected until the address bucket runs out.
func TestSignInThrottle(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, signin.Config{Limiter: limiterFor(t, st, signin.Rates{
			AccountBurst: 5, AccountEvery: time.Minute, AddrBurst: 8, AddrEvery: time.Minute})})
		for i := range 5 {
			if resp, _ := f.post(t, client(t), "/auth/signin", `{"name":"alice","password":"guess"}`); resp.StatusCode != 401 {
				t.Fatalf("attempt %d: %d", i+1, resp.StatusCode)
			}
		}
		resp, out := f.post(t, client(t), "/auth/signin", `{"name":"alice","password":"alice password"}`)
		if resp.StatusCode != 429 || errCode(out) != "rate_limited" || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("sixth attempt: %d %v Retry-After=%q", resp.StatusCode, out, resp.Header.Get("Retry-After"))
		}
		// Unknown names are throttled the same way, so throttling tells nothing.
		for i := range 2 {
			if resp, _ := f.post(t, client(t), "/auth/signin", `{"name":"nobody","password":"guess"}`); resp.StatusCode != 401 {
				t.Fatalf("nobody attempt %d: %d", i+1, resp.StatusCode)
			}
		}
		// The address has now spent its 8 attempts: everything from it waits.
		if resp, out := f.post(t, client(t), "/auth/signin", `{"name":"dave","password":"x"}`); resp.StatusCode != 429 {
			t.Errorf("ninth attempt from one address: %d %v", resp.StatusCode, out)
		}
	})
}

// TestSignInThrottleAcrossReplicas: two replicas (each its own handler,
// store connection pool and limiter) on one PostgreSQL database share the
// account buckets: guesses spread over both are throttled at the burst,
// for a known name and an unknown one alike.
func TestSignInThrottleAcrossReplicas(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	rates := signin.Rates{AccountBurst: 4, AccountEvery: time.Minute, AddrBurst: 100, AddrEvery: time.Second}
	var replicas []*fixture
	for range 2 {
		st := storetest.Open(t, dbURL)
		replicas = append(replicas, newFixture(t, st, signin.Config{Limiter: limiterFor(t, st, rates)}))
	}
	for _, name := range []string{"alice", "nobody"} {
		body := `{"name":"` + name + `","password":"guess"}`
		for i := range 4 {
			if resp, out := replicas[i%2].post(t, client(t), "/auth/signin", body); resp.StatusCode != 401 {
				t.Fatalf("%s: attempt %d on replica %d: %d %v", name, i+1, i%2, resp.StatusCode, out)
			}
		}
		for i, f := range replicas {
			resp, out := f.post(t, client(t), "/auth/signin", body)
			if resp.StatusCode != 429 || errCode(out) != "rate_limited" || resp.Header.Get("Retry-After") == "" {
				t.Errorf("%s: fifth attempt, on replica %d: %d %v Retry-After=%q; want 429 from both", name, i, resp.StatusCode, out, resp.Header.Get("Retry-After"))
			}
		}
	}
	// The right password waits too, on either replica; another account does not.
	if resp, _ := replicas[1].post(t, client(t), "/auth/signin", `{"name":"alice","password":"alice password"}`); resp.StatusCode != 429 {
		t.Errorf("alice's right password after the burst: %d, want 429", resp.StatusCode)
	}
	if resp, out := replicas[0].post(t, client(t), "/auth/signin", `{"name":"dave","password":"x"}`); resp.StatusCode != 401 {
		t.Errorf("another account: %d %v, want 401 (not throttled)", resp.StatusCode, out)
	}
}

// TestSignInTiming: an unknown name costs a password hash like a known
// one, so response times do not tell which names exist.
func TestSignInTiming(t *testing.T) {
	params := password.Params{Memory: 8 * 1024, Time: 2, Threads: 1}
	f := newFixture(t, storetest.OpenSQLite(t), signin.Config{Params: params, Limiter: signin.NewMemoryLimiter(signin.Rates{
		AccountBurst: 1000, AccountEvery: time.Millisecond, AddrBurst: 1000, AddrEvery: time.Millisecond})})
	h, _ := password.Hash("alice password", params)
	if err := f.st.SetAccountPassword(context.Background(), "alice", h); err != nil {
		t.Fatal(err)
	}
	// Alternate the two and keep each one's fastest answer, so load on the
	// machine slows both alike.
	known, unknown := time.Hour, time.Hour
	for range 7 {
		for _, tc := range []struct {
			body string
			best *time.Duration
		}{{`{"name":"alice","password":"wrong guess"}`, &known}, {`{"name":"zed","password":"wrong guess"}`, &unknown}} {
			start := time.Now()
			f.post(t, client(t), "/auth/signin", tc.body)
			*tc.best = min(*tc.best, time.Since(start))
		}
	}
	if unknown < known/3 {
		t.Errorf("unknown name answered in %v, a known one in %v: the difference reveals which names exist", unknown, known)
	}
}

func TestSecureCookie(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite(t), signin.Config{SecureCookies: true})
	resp, _ := f.post(t, client(t), "/auth/signin", `{"name":"alice","password":"alice password"}`)
	ck := resp.Cookies()
	if resp.StatusCode != 204 || len(ck) != 1 || ck[0].Name != "__Host-taskpilot_session" || !ck[0].Secure {
		t.Fatalf("%d %+v", resp.StatusCode, ck)
	}
}
