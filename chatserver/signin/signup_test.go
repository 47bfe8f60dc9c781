package signin_test

import (
	"context"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/chatserver/signin"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

func TestSignUpModes(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		closed := newFixture(t, st, signin.Config{})
		invite := newFixture(t, st, signin.Config{SignUp: signin.SignUpInvite})
		body := func(name, extra string) string {
			return `{"name":"` + name + `","password":"a long password"` + extra + `}`
		}
		inv, err := signin.NewInvite(ctx, st, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name   string
			f      *fixture
			body   string
			status int
			code   string
		}{
			{"closed", closed, body("carol", ""), 403, "signup_closed"},
			{"closed with an invite", closed, body("carol", `,"invite":"`+inv+`"`), 403, "signup_closed"},
			{"invite mode, no invite", invite, body("carol", ""), 403, "invite_required"},
			{"invite mode, bad invite", invite, body("carol", `,"invite":"bogus"`), 403, "invalid_invite"},
			{"invite mode, bad name", invite, `{"name":"c d","password":"a long password","invite":"` + inv + `"}`, 400, "invalid_name"},
			{"invite mode, short password", invite, `{"name":"carol","password":"short","invite":"` + inv + `"}`, 400, "invalid_password"},
			{"invite mode, taken name", invite, body("alice", `,"invite":"`+inv+`"`), 409, "name_taken"},
			{"invite mode", invite, body("carol", `,"invite":"`+inv+`"`), 204, ""},
			{"invite replayed", invite, body("carl", `,"invite":"`+inv+`"`), 403, "invalid_invite"},
			{"setup after the first account", closed, body("eve", `,"setup":"whatever"`), 403, "invalid_setup"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := client(t)
				resp, out := tc.f.post(t, c, "/auth/signup", tc.body)
				if resp.StatusCode != tc.status || errCode(out) != tc.code {
					t.Fatalf("%d %v; want %d %s", resp.StatusCode, out, tc.status, tc.code)
				}
				if tc.status == 204 {
					// Signed in at once.
					if resp, out := tc.f.post(t, c, "/auth/token", ""); resp.StatusCode != 200 || out["user"] != "carol" {
						t.Errorf("token after sign-up: %d %v", resp.StatusCode, out)
					}
				}
			})
		}
		if _, err := st.GetAccount(ctx, "carl"); err == nil {
			t.Error("a replayed invite created an account")
		}
	})
}

func TestSignUpOpen(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite(t), signin.Config{SignUp: signin.SignUpOpen})
	c := client(t)
	if resp, out := f.post(t, c, "/auth/signup", `{"name":"Zoe","password":"zoe password"}`); resp.StatusCode != 204 {
		t.Fatalf("open sign-up: %d %v", resp.StatusCode, out)
	}
	if resp, out := f.post(t, c, "/auth/token", ""); resp.StatusCode != 200 || out["user"] != "zoe" {
		t.Errorf("token: %d %v", resp.StatusCode, out)
	}
	if resp, _ := f.post(t, client(t), "/auth/signin", `{"name":"zoe","password":"zoe password"}`); resp.StatusCode != 204 {
		t.Errorf("sign-in with the new account: %d", resp.StatusCode)
	}
}

// TestSetup: on a database without accounts the setup secret creates the
// first account once; a wrong secret, a second use and an older secret
// are refused.
func TestSetup(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		h, err := signin.New(signin.Config{Accounts: st, Params: cheap,
			Mint: func(user string, _ time.Duration) (string, error) { return "tok-" + user, nil }})
		if err != nil {
			t.Fatal(err)
		}
		f := &fixture{srv: httptestServer(t, h), st: st}
		if resp, out := f.get(t, "/auth/config"); resp.StatusCode != 200 || out["setup"] != true || out["signup"] != "closed" {
			t.Fatalf("config: %d %v", resp.StatusCode, out)
		}
		old, err := signin.Setup(ctx, st)
		if err != nil || old == "" {
			t.Fatalf("Setup: %q, %v", old, err)
		}
		secret, err := signin.Setup(ctx, st) // a restart: a new link replaces the old one
		if err != nil || secret == "" || secret == old {
			t.Fatalf("second Setup: %q, %v", secret, err)
		}
		for _, s := range []string{"wrong", old} {
			resp, out := f.post(t, client(t), "/auth/signup", `{"name":"root","password":"root password","setup":"`+s+`"}`)
			if resp.StatusCode != 403 || errCode(out) != "invalid_setup" {
				t.Errorf("setup with %q: %d %v", s, resp.StatusCode, out)
			}
		}
		c := client(t)
		if resp, out := f.post(t, c, "/auth/signup", `{"name":"root","password":"root password","setup":"`+secret+`"}`); resp.StatusCode != 204 {
			t.Fatalf("setup: %d %v", resp.StatusCode, out)
		}
		if resp, out := f.post(t, c, "/auth/token", ""); resp.StatusCode != 200 || out["user"] != "root" {
			t.Errorf("token after setup: %d %v", resp.StatusCode, out)
		}
		if resp, out := f.post(t, client(t), "/auth/signup", `{"name":"root2","password":"root password","setup":"`+secret+`"}`); resp.StatusCode != 403 {
			t.Errorf("second use of the setup secret: %d %v", resp.StatusCode, out)
		}
		if s, err := signin.Setup(ctx, st); err != nil || s != "" {
			t.Errorf("Setup with an account: %q, %v; want none", s, err)
		}
		if _, out := f.get(t, "/auth/config"); out["setup"] != false {
			t.Errorf("config after setup: %v", out)
		}
	})
}
